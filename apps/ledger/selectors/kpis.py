"""Service KPIs (issue 19, part 5): how long claims wait, per district and per claimant.

Over the claims submitted in the last KPI_DAYS days (the home panels), or over the claims of one
funding year (`year`, the district performance page, beside that year's execution rate); drafts
never count:

- **to decision**: days from the submission to the claim's first approval (审核通过) or rejection
  (驳回), from the state-change log; median and 90th percentile (nearest rank), 1 decimal;
- **to payment**: days from the submission's date to the latest payment date of its lines, for
  the claims paid; median and 90th percentile;
- **return rate**: the share of the claims returned (退回修改) at least once;
- **waiting**: the claims submitted or under review now, and the oldest of them.

Four queries whatever the number of claims, but over every payment line of the scope (a second
city-wide at 1,000,000 lines): so they are never worked out while a page waits. A scope's report
is kept in the cache for KPI_KEEP_SECONDS; a page reads it as it is and, once it is older than
KPI_CACHE_SECONDS (or missing), asks the worker to work it out afresh (`ledger.kpis_refresh`, one
at a time per scope; apps.ledger.services.service_kpis). The panels say as of when; with none
yet they say the figures are being worked out. With the task queue down the page works them out
itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Max, Min
from django.db.models.functions import Cast
from django.utils import timezone

from apps.claims.models import Claim, ClaimStatus
from apps.core.models import StateChange

from ..models import PaymentLine

KPI_DAYS = 365
KPI_CACHE_SECONDS = 600
KPI_KEEP_SECONDS = 86_400
# How long a refresh asked for keeps others from asking again (a lost one is asked again after).
KPI_REFRESH_LOCK_SECONDS = 300
WAITING = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW)


def percentile(values: list[float], share: float) -> Decimal | None:
    """Nearest-rank percentile (0 < share ≤ 1) of the values, to 1 decimal; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    value = ordered[max(math.ceil(share * len(ordered)) - 1, 0)]
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Kpi:
    key: Any
    label: str
    submitted: int = 0
    returned: int = 0
    waiting: int = 0
    decided: int = 0
    first_pass: int = 0
    to_decision: list[float] = field(default_factory=list, repr=False)
    to_payment: list[float] = field(default_factory=list, repr=False)

    @property
    def decision_median(self) -> Decimal | None:
        return percentile(self.to_decision, 0.5)

    @property
    def decision_p90(self) -> Decimal | None:
        return percentile(self.to_decision, 0.9)

    @property
    def payment_median(self) -> Decimal | None:
        return percentile(self.to_payment, 0.5)

    @property
    def payment_p90(self) -> Decimal | None:
        return percentile(self.to_payment, 0.9)

    @property
    def first_pass_rate(self) -> Decimal | None:
        """Of the claims decided, the share decided without ever being returned (一次通过率)."""
        if not self.decided:
            return None
        return (Decimal(self.first_pass) * 100 / self.decided).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def return_rate(self) -> Decimal | None:
        if not self.submitted:
            return None
        return (Decimal(self.returned) * 100 / self.submitted).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class KpiReport:
    rows: list[Kpi]
    total: Kpi
    oldest: list[dict[str, Any]]
    as_of: datetime


def _compute(*, district_id: int | None, by: str, now: datetime, year: int | None = None) -> KpiReport:
    claims = Claim.objects.exclude(status=ClaimStatus.DRAFT).filter(submitted_at__isnull=False)
    if year is None:
        claims = claims.filter(submitted_at__gte=now - timedelta(days=KPI_DAYS))
    else:
        claims = claims.filter(year=year)
    if district_id is not None:
        claims = claims.filter(district_id=district_id)
    ids = claims.annotate(key=Cast("pk", CharField())).values("key")
    log = StateChange.objects.filter(content_type=ContentType.objects.get_for_model(Claim), object_id__in=ids)
    decided = dict(
        log.filter(to_state__in=[ClaimStatus.APPROVED, ClaimStatus.REJECTED])
        .values("object_id")
        .annotate(at=Min("created_at"))
        .values_list("object_id", "at")
    )
    returned = set(
        log.filter(to_state=ClaimStatus.RETURNED).order_by().values_list("object_id", flat=True).distinct()
    )
    paid = dict(
        PaymentLine.objects.filter(claim_line__claim__in=claims.values("pk"))
        .values("claim_line__claim_id")
        .annotate(on=Max("payment__paid_on"))
        .values_list("claim_line__claim_id", "on")
    )
    rows: dict[Any, Kpi] = {}
    total = Kpi("all", "合计")
    waiting: list[dict[str, Any]] = []
    for claim in claims.values(
        "pk",
        "status",
        "submitted_at",
        "district_id",
        "district__name",
        "institution_id",
        "institution__name",
        "employer_id",
        "employer__name",
    ).order_by("submitted_at", "pk"):
        key: Any
        if by == "district":
            key, label = claim["district_id"], claim["district__name"]
        elif claim["institution_id"]:
            key, label = ("institution", claim["institution_id"]), claim["institution__name"]
        else:
            key, label = ("employer", claim["employer_id"]), claim["employer__name"]
        submitted_at = cast(datetime, claim["submitted_at"])  # filtered on it
        for kpi in (rows.setdefault(key, Kpi(key, label)), total):
            kpi.submitted += 1
            kpi.returned += str(claim["pk"]) in returned
            at = decided.get(str(claim["pk"]))
            if at is not None:
                kpi.decided += 1
                kpi.first_pass += str(claim["pk"]) not in returned
                kpi.to_decision.append(round((at - submitted_at).total_seconds() / 86400, 1))
            on = paid.get(claim["pk"])
            if on is not None:
                kpi.to_payment.append(float((on - timezone.localdate(submitted_at)).days))
            if claim["status"] in WAITING:
                kpi.waiting += 1
        if claim["status"] in WAITING and len(waiting) < 5:
            waiting.append(
                {
                    "pk": claim["pk"],
                    "claimant": claim["institution__name"] or claim["employer__name"],
                    "district": claim["district__name"],
                    "submitted_at": claim["submitted_at"],
                    "days": (now - submitted_at).days,
                }
            )
    ordered = sorted(rows.values(), key=lambda k: (-k.waiting, k.label))
    return KpiReport(ordered, total, waiting, now)


def kpi_key(district_id: int | None, by: str, year: int | None) -> str:
    """The cache key of a scope's report."""
    return f"service-kpis:{district_id or 'all'}:{by}:{year or 'recent'}"


def kpis_compute(*, district_id: int | None, by: str, year: int | None = None) -> KpiReport:
    """A scope's report worked out now (the worker's, apps.ledger.services.kpis_refresh)."""
    return _compute(district_id=district_id, by=by, now=timezone.now(), year=year)
