from django.conf import settings
from django.core.management.base import BaseCommand

from apps.demo.data import DEMO_PASSWORD, USERS, load_demo


class Command(BaseCommand):
    help = "载入演示数据（幂等）：演示账号、培训学校、企业、渝中区和万州区补贴标准表"

    def handle(self, *args, **options):
        load_demo(occupations_file=str(settings.BASE_DIR / "fixtures" / "occupations.csv"))
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for username, role, full_name, _ in USERS:
            self.stdout.write(f"  {username:<18} {role.label}（{full_name}）")
