"""Reads for exports: the rows each export selects, scoped through the ledger's and the claims'
permission policies, and the exports a user may see. Out-of-scope districts answer 404."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from apps.audits.models import AuditFinding
from apps.audits.selectors import current_findings
from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine
from apps.claims.permissions import claim_policy
from apps.ledger.models import LedgerEntry
from apps.ledger.permissions import entry_policy

from .filters import ExportFilter
from .models import ExportJob, ExportKind
from .permissions import export_districts, export_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

if TYPE_CHECKING:
    from apps.accounts.models import User


class ClaimTotals(TypedDict):
    """One status's claims of a district and year: how many, claimed and approved totals."""

    status: str
    n: int
    total: Decimal | None
    approved: Decimal | None


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(qs: QuerySet, filters: ExportFilter, *, lookups: dict[str, str], moment: str) -> QuerySet:
    """`qs` narrowed to the filter: each non-empty group (districts, years, kinds, shares,
    statuses) by the lookup `lookups` names for it, the dates on the timestamp `moment`. Bounds
    on the timestamp itself, not its date in SQL, so an index on it serves them."""
    for name, lookup in lookups.items():
        values = getattr(filters, name)
        if values:
            qs = qs.filter(**{f"{lookup}__in": values})
    if filters.date_from:
        qs = qs.filter(**{f"{moment}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        qs = qs.filter(**{f"{moment}__lt": _day_start(filters.date_to + timedelta(days=1))})
    return qs


def ledger_entries(
    *, user: User, filters: ExportFilter, as_of: datetime | None = None
) -> QuerySet[LedgerEntry]:
    """The ledger entries the user may read that match the filter, booked no later than `as_of`
    (entries are only ever inserted, so this is the ledger as it stood then), oldest first."""
    qs = _filtered(
        entry_policy.visible(user),
        filters,
        lookups={
            "districts": "allocation__district__code",
            "years": "allocation__year",
            "kinds": "kind",
            "shares": "share",
            "statuses": "claim_line__claim__status",
        },
        moment="created_at",
    )
    if as_of is not None:
        qs = qs.filter(created_at__lte=as_of)
    return qs.order_by("created_at", "pk")


def claim_lines(*, user: User, filters: ExportFilter) -> QuerySet[ClaimLine]:
    """The lines of the claims the user may see that match the filter, by claim and line."""
    return _filtered(
        ClaimLine.objects.filter(claim__in=claim_policy.visible(user)),
        filters,
        lookups={
            "districts": "claim__district__code",
            "years": "claim__year",
            "kinds": "claim__kind",
            "shares": "share",
            "statuses": "claim__status",
        },
        moment="claim__submitted_at",
    ).order_by("claim_id", "pk")


def audit_findings(*, user: User, filters: ExportFilter) -> QuerySet[AuditFinding]:
    """The current findings (apps.audits.selectors.current_findings: those of the latest run
    that covers them) the user may see that match the filter, by district, rule and finding. The
    year is the claim's; a finding about an institution's year (R6.1) has that year."""
    qs = _filtered(
        current_findings(user=user),
        filters,
        lookups={
            "districts": "district__code",
            "kinds": "rule",
            "shares": "line__share",
            "statuses": "status",
        },
        moment="created_at",
    )
    if filters.years:
        institution_years = (Q(claim__isnull=True, subject__endswith=f":{year}") for year in filters.years)
        qs = qs.filter(reduce(or_, institution_years, Q(claim__year__in=filters.years)))
    return qs.order_by("district__sort_order", "district_id", "rule", "pk")


def claim_totals_by_status(*, district: District, year: int) -> list[ClaimTotals]:
    """The district's claims of the year per status: how many, claimed and approved totals."""
    return list(
        Claim.objects.filter(district=district, year=year)
        .values("status")
        .annotate(n=Count("pk"), total=Sum("total"), approved=Sum("approved_total"))
        .order_by("status")
    )


def export_row_count(*, user: User, kind: str, filters: ExportFilter) -> int:
    """How many detail rows the export will write (a fund summary has a handful)."""
    if kind == ExportKind.LEDGER:
        return ledger_entries(user=user, filters=filters).count()
    if kind == ExportKind.CLAIM_LINES:
        return claim_lines(user=user, filters=filters).count()
    if kind == ExportKind.AUDIT_FINDINGS:
        return audit_findings(user=user, filters=filters).count()
    return 0


def export_work_rows(*, user: User, kind: str, filters: ExportFilter, total: int) -> int:
    """How many rows the export reads: what decides between the request and the queue. A fund
    summary writes a handful of rows but may reconcile (R8.5) every claim line of its district and
    year; the other kinds read what they write. Counted up to one past EXPORT_SMALL_ROWS (all
    that decides), so asking for a summary of 270,000 lines does not count them."""
    if kind == ExportKind.FUND_SUMMARY:
        return claim_lines(user=user, filters=filters).order_by()[: settings.EXPORT_SMALL_ROWS + 1].count()
    return total


def export_district_names(*, user: User, codes: tuple[str, ...] | list[str]) -> dict[str, str]:
    """{code: name} of the districts asked for; 404 if one is missing or outside the scope."""
    names = dict(export_districts(user).filter(code__in=codes).values_list("code", "name"))
    if len(names) != len(set(codes)):
        raise Http404("区县不存在")
    return names


def export_jobs(*, user: User) -> QuerySet[ExportJob]:
    """The user's own exports, newest first."""
    return export_policy.visible(user).order_by("-created_at", "-pk")


def export_job_get(*, user: User, job_id: int) -> ExportJob:
    """One of the user's own exports; 404 for anybody else's and for a missing one."""
    return export_policy.get_visible(user, pk=job_id)


def export_log(*, user: User) -> QuerySet[ExportJob]:
    """Everyone's exports (who, what, how many rows, when): the municipal admin's to read;
    `filters.ExportLogFilter` narrows the list."""
    if not export_policy.can(user, "view_log"):
        raise PermissionDenied("只有市人力社保局管理员可以查看导出日志")
    return ExportJob.objects.select_related("requested_by")
