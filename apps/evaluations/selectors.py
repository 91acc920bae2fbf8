"""The agencies' quarterly scorecards (考评, clause 七), from what their staff did in the quarter:

- **workload**: claim lines they recommended on (their latest recommendation on each line made in
  the quarter) and process-supervision inspections assigned to them (sessions of the quarter);
- **time to recommendation**: the median hours from the claim's submission to the recommendation;
- **agreement**: of the recommended lines the officer has decided, the share decided as advised
  (建议通过 → approved, 建议不予补贴 → not paid);
- **contradicted**: lines they advised to approve that carry a current confirmed audit finding;
- **inspections on time**: of their inspections whose session day has come, the share recorded
  on the session's day.

A district officer reads their district's figures (claims and inspections of the district); the
municipal admin and the auditor every district's, or one district's.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.audits.models import AuditFinding, FindingStatus
from apps.claims.models import LineDecision, LineRecommendation, Verdict
from apps.core import dates
from apps.inspections.models import Inspection, InspectionStatus
from apps.institutions.models import ThirdPartyAgency

from .models import AgencyEvaluation


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None, default: date) -> Quarter:
        """`2026Q4` (any case); anything else is the quarter of `default`."""
        text = (text or "").strip().upper()
        if len(text) == 6 and text[4] == "Q" and text[:4].isdigit() and text[5] in "1234":
            return cls(int(text[:4]), int(text[5]))
        return cls.of(default)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year} 年第 {self.number} 季度"

    def __str__(self) -> str:
        return self.key


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Scorecard:
    agency_id: int
    recommendations: int = 0
    hours: list[float] = field(default_factory=list, repr=False)
    decided: int = 0
    agreed: int = 0
    contradicted: int = 0
    inspections: int = 0
    due: int = 0
    on_time: int = 0

    @property
    def median_hours(self) -> Decimal | None:
        if not self.hours:
            return None
        return Decimal(str(statistics.median(self.hours))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def agreement(self) -> Decimal | None:
        return _share(self.agreed, self.decided)

    @property
    def on_time_share(self) -> Decimal | None:
        return _share(self.on_time, self.due)

    def figures(self) -> dict[str, Any]:
        """What an evaluation keeps of the scorecard (JSON: decimals as text)."""
        data = {k: v for k, v in asdict(self).items() if k not in ("hours", "agency_id")}
        for name in ("median_hours", "agreement", "on_time_share"):
            value = getattr(self, name)
            data[name] = None if value is None else str(value)
        return data


def _bounds(quarter: Quarter) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(quarter.start, time.min, tzinfo=zone),
        datetime.combine(quarter.end, time.min, tzinfo=zone),
    )


def scorecards(
    *, quarter: Quarter, districts: list[int] | None, agency_ids: list[int]
) -> dict[int, Scorecard]:
    """Each agency's scorecard of the quarter, over `districts` (None: all). Three queries."""
    cards = {pk: Scorecard(pk) for pk in agency_ids}
    start, end = _bounds(quarter)
    recs = LineRecommendation.objects.filter(
        created_at__gte=start, created_at__lt=end, recommended_by__agency_staff__agency_id__in=agency_ids
    )
    if districts is not None:
        recs = recs.filter(line__claim__district_id__in=districts)
    latest: dict[tuple[int, int], tuple[Any, ...]] = {}
    for row in recs.order_by("id").values_list(
        "recommended_by__agency_staff__agency_id",
        "line_id",
        "verdict",
        "line__decision",
        "created_at",
        "line__claim__submitted_at",
    ):
        latest[(row[0], row[1])] = row
    confirmed = set(
        AuditFinding.objects.filter(
            line_id__in={line for _, line in latest}, current=True, status=FindingStatus.CONFIRMED
        ).values_list("line_id", flat=True)
    )
    for (agency_id, line_id), (_, _, verdict, decision, made, submitted) in latest.items():
        card = cards[agency_id]
        card.recommendations += 1
        if submitted is not None and made >= submitted:
            card.hours.append((made - submitted).total_seconds() / 3600)
        if decision in (LineDecision.APPROVED, LineDecision.REJECTED):
            card.decided += 1
            advised = LineDecision.APPROVED if verdict == Verdict.APPROVE else LineDecision.REJECTED
            card.agreed += decision == advised
        if verdict == Verdict.APPROVE and line_id in confirmed:
            card.contradicted += 1
    inspections = Inspection.objects.filter(
        inspector__agency_staff__agency_id__in=agency_ids,
        session__date__gte=quarter.start,
        session__date__lt=quarter.end,
    )
    if districts is not None:
        inspections = inspections.filter(district_id__in=districts)
    today = dates.today()
    for agency_id, day, status, visited_at in inspections.values_list(
        "inspector__agency_staff__agency_id", "session__date", "status", "visited_at"
    ):
        card = cards[agency_id]
        card.inspections += 1
        if day <= today:
            card.due += 1
            if status == InspectionStatus.VISITED and visited_at and timezone.localdate(visited_at) == day:
                card.on_time += 1
    return cards


def agencies(*, districts: list[int] | None) -> QuerySet[ThirdPartyAgency]:
    """The agencies a scorecard list shows: those contracted by one of the districts (all: every
    agency that ever had a contract)."""
    qs = ThirdPartyAgency.objects.filter(contracts__isnull=False)
    if districts is not None:
        qs = qs.filter(contracts__district_id__in=districts)
    return qs.distinct().order_by("name", "pk")


def evaluations(*, agency: ThirdPartyAgency, districts: list[int] | None) -> QuerySet[AgencyEvaluation]:
    qs = AgencyEvaluation.objects.filter(agency=agency).select_related("district", "evaluated_by")
    if districts is not None:
        qs = qs.filter(district_id__in=districts)
    return qs


def history(
    *, agency_id: int, quarter: Quarter, districts: list[int] | None, count: int = 4
) -> list[tuple[Quarter, Scorecard]]:
    """The agency's scorecards of the `count` quarters up to `quarter`, oldest first (the chart)."""
    quarters = [quarter]
    for _ in range(count - 1):
        quarters.append(quarters[-1].previous)
    return [
        (q, scorecards(quarter=q, districts=districts, agency_ids=[agency_id])[agency_id])
        for q in reversed(quarters)
    ]
