"""Home-page panels: the officer's district fund, every district side by side for the municipal
admin and the auditor, and the high-skill bases against their targets (R6.1)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.catalog.models import District
from apps.institutions.selectors import high_skill_bases

from . import services
from .selectors import dashboards

if TYPE_CHECKING:
    from apps.accounts.models import User


def district_fund_panel(user: User, year: int | None = None) -> dict[str, Any] | None:
    if user.district_id is None:
        return None
    year = year or timezone.localdate().year
    district = District.objects.get(pk=user.district_id)
    shares = dashboards.share_rows(district=district, year=year)
    allocated = sum((b.allocated for b in shares), dashboards.ZERO)
    booked = sum((b.booked for b in shares), dashboards.ZERO)
    paid = sum((b.paid for b in shares), dashboards.ZERO)
    largest = max(allocated, booked)
    return {
        "title": f"{district.name}专账资金（{year} 年度）",
        "district": district,
        "year": year,
        "shares": shares,
        "allocated": allocated,
        "booked": booked,
        "paid": paid,
        "remaining": allocated - booked,
        "bars": {
            "booked": dashboards.bar(booked, largest),
            "paid": dashboards.bar(paid, largest),
            "allocated": dashboards.bar(allocated, largest),
        },
    }


def districts_panel(user: User, year: int | None = None) -> dict[str, Any]:
    year = year or timezone.localdate().year
    summaries = dashboards.district_summaries(user=user, year=year)
    active = [s for s in summaries if s.allocated or s.booked or s.paid or s.waiting]
    return {
        "title": f"各区县专账资金（{year} 年度）",
        "year": year,
        "rows": active,
        "chart": dashboards.district_chart(summaries),
        "totals": dashboards.totals(summaries),
        "district_count": len(summaries),
    }


def high_skill_panel(user: User, year: int | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    year = year or today.year
    # A past year's bases are judged against the targets in force at its end.
    on = today if year >= today.year else date(year, 12, 31)
    bases = high_skill_bases(year=year, on=on)
    largest = max((max(b.person_times, b.target) for b in bases), default=0)
    return {
        "title": f"高技能人才培训基地（{year} 年度高级工及以上培训人次）",
        "bases": [
            {
                "base": b,
                "y": index * dashboards.ROW_HEIGHT,
                "done": dashboards.bar(b.person_times, largest),
                "target": dashboards.bar(b.target, largest),
            }
            for index, b in enumerate(bases)
        ],
        "height": len(bases) * dashboards.ROW_HEIGHT + 4,
        "below": sum(1 for b in bases if b.below),
    }


def service_kpi_panel(user: User, year: int | None = None) -> dict[str, Any] | None:
    """How long claims wait: the officer's district by claimant, the city by district."""
    from apps.accounts.models import Role

    if user.role == Role.DISTRICT_OFFICER:
        if user.district_id is None:
            return None
        report = services.service_kpis(district_id=user.district_id, by="claimant")
        heading = "申领办理时效（按申领单位，近一年提交）"
    else:
        report = services.service_kpis(district_id=None, by="district")
        heading = "各区县申领办理时效（近一年提交）"
    return {
        "title": heading,
        "report": report,
        "rows": report.rows[:20] if report else [],
        "more": max(len(report.rows) - 20, 0) if report else 0,
    }
