"""Write docs/lifecycles.md from the lifecycle tables (or, with --check, fail when it differs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.lifecycle_doc import lifecycles_markdown


class Command(BaseCommand):
    help = "Write docs/lifecycles.md from the lifecycle tables in the code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail when the committed page differs")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        path = settings.BASE_DIR / "docs" / "lifecycles.md"
        text = lifecycles_markdown()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(
                    "docs/lifecycles.md differs from the tables: run `python manage.py lifecycles_doc`"
                )
            self.stdout.write("docs/lifecycles.md is up to date")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
