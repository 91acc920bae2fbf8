from django.core.management.base import BaseCommand

from apps.claims.models import Share
from apps.ledger.models import Allocation
from apps.ledger.selectors.totals import totals_differences
from apps.ledger.services import totals_rebuild


class Command(BaseCommand):
    help = (
        "按台账记录重新计算额度使用汇总（已记账、已拨付）：列出与台账不一致的汇总并改正；"
        "--check 只检查不改正（有不一致时退出码为 1）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查，不改正")

    def handle(self, *args, check: bool, **options):
        differences = totals_differences()
        allocations = Allocation.objects.select_related("district").in_bulk(
            [allocation for (allocation, _), _, _ in differences]
        )
        labels = dict(Share.choices)
        for (allocation, share), kept, summed in differences:
            where = allocations.get(allocation) or f"额度 #{allocation}"
            self.stdout.write(
                f"{where} {labels.get(share, share)}：汇总 已记账 {kept.booked} 已拨付 {kept.paid}；"
                f"台账 已记账 {summed.booked} 已拨付 {summed.paid}"
            )
        if check:
            if differences:
                raise SystemExit(1)
            self.stdout.write(self.style.SUCCESS("额度使用汇总与台账记录一致"))
            return
        changed = totals_rebuild()
        self.stdout.write(self.style.SUCCESS(f"已改正 {changed} 条额度使用汇总"))
