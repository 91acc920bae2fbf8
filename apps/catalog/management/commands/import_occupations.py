from django.core.management.base import BaseCommand, CommandError

from apps.catalog.imports import parse_occupation_rows
from apps.catalog.services import occupations_import
from apps.core.errors import ApplicationError
from apps.core.tabular import TableErrors


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 导入职业（工种）目录：任一行有错误则整个文件不导入"

    def add_arguments(self, parser):
        parser.add_argument("path", help="目录文件路径（.xlsx 或 UTF-8 .csv）")

    def handle(self, *args, path: str, **options):
        try:
            result = occupations_import(rows=parse_occupation_rows(path))
        except TableErrors as exc:
            raise CommandError("\n".join([exc.message, *map(str, exc.errors)])) from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件 {path}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"导入完成：新增 {result.created} 个，更新 {result.updated} 个职业")
        )
