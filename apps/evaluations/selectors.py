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
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from apps.audits.models import AuditFinding, FindingStatus
from apps.catalog.models import EVALUATION_WEIGHT_DEFAULTS, SettingKey
from apps.catalog.selectors import Weight, evaluation_weights_of, evaluation_weights_on
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision, LineRecommendation, Verdict
from apps.core import dates
from apps.core.models import StateChange
from apps.inspections.models import Inspection, InspectionStatus
from apps.institutions.models import Institution, ThirdPartyAgency
from apps.institutions.selectors import ScoreOverride, evaluation_overrides
from apps.trainees.models import Enrolment, EnrolmentStatus

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


# 综合评估 of training institutions (issue 19, part 2) ---------------------------------------------
# A yearly scorecard computed from what the portal holds, per institution and year (the year its
# classes end and its claims are funded): each criterion scored 0–100, weighted by the weights of
# the institution's district in force on 31 December of the year (dated district settings, the
# defaults of EVALUATION_WEIGHT_DEFAULTS where it set none), and graded. An officer may override
# the year's score with a reason (institutions.services.institution_year_set): the scorecard then
# shows both, and the plan proposal follows the override's grade.

WEIGHT_KEYS: dict[str, SettingKey] = {
    "completion": SettingKey.EVAL_WEIGHT_COMPLETION,
    "certificate": SettingKey.EVAL_WEIGHT_CERTIFICATE,
    "compliance": SettingKey.EVAL_WEIGHT_COMPLIANCE,
    "returns": SettingKey.EVAL_WEIGHT_RETURNS,
    "supervision": SettingKey.EVAL_WEIGHT_SUPERVISION,
    "priorities": SettingKey.EVAL_WEIGHT_PRIORITIES,
}
# (key, label, default weight): the weight a district that set none uses.
CRITERIA: tuple[tuple[str, str, int], ...] = tuple(
    (key, label, int(EVALUATION_WEIGHT_DEFAULTS[WEIGHT_KEYS[key]]))
    for key, label in (
        ("completion", "结业合格率"),
        ("certificate", "取证率"),
        ("compliance", "合规（已确认的稽核疑点）"),
        ("returns", "申领未被退回或驳回"),
        ("supervision", "过程监管未发现缺勤"),
        ("priorities", "重点方向（鉴定评价类、企业职工、三级及以上）"),
    )
)
GRADES: tuple[tuple[int, str], ...] = ((90, "优秀"), (75, "良好"), (60, "合格"), (0, "不合格"))
HUNDRED = Decimal(100)


def grade_of(total: Decimal | None) -> str:
    if total is None:
        return "—"
    return next(label for floor, label in GRADES if total >= floor)


def weights_day(year: int) -> date:
    """The day whose weights a scorecard of `year` uses: the last of the year."""
    return date(year, 12, 31)


@dataclass
class Criterion:
    key: str
    label: str
    weight: int
    score: Decimal | None
    detail: str
    weight_from: date | None = None  # the district setting's start; None: the default weight

    @property
    def weight_source(self) -> str:
        return Weight(self.weight, self.weight_from).source


@dataclass
class InstitutionScore:
    institution_id: int
    name: str
    district: str
    year: int
    criteria: list[Criterion]
    enrolled: int  # trainees enrolled in its classes ending that year
    override: ScoreOverride | None = None  # the score typed over the computed one, if any

    @property
    def scored(self) -> list[Criterion]:
        """The criteria that count: those with data."""
        return [c for c in self.criteria if c.score is not None]

    @property
    def total(self) -> Decimal | None:
        """The computed total: Σ score × weight ÷ Σ weight over the criteria with data (None when
        none has data, or all of those weigh 0)."""
        scored = self.scored
        weights = sum(c.weight for c in scored)
        if not weights:
            return None
        weighted = sum((c.score * c.weight for c in scored if c.score is not None), Decimal(0))
        return (weighted / weights).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def grade(self) -> str:
        """The computed total's grade."""
        return grade_of(self.total)

    @property
    def arithmetic(self) -> str:
        """The computed total written out, e.g. (66.7×30 + 100.0×20) ÷ (30 + 20) = 80.0."""
        scored = self.scored
        if not scored or self.total is None:
            return "没有可计入的评估项" if not scored else "可计入的评估项权重合计为 0，不计总分"
        products = " + ".join(f"{c.score}×{c.weight}" for c in scored)
        weights = " + ".join(str(c.weight) for c in scored)
        return f"({products}) ÷ ({weights}) = {self.total}"

    @property
    def override_grade(self) -> str | None:
        return grade_of(self.override.score) if self.override else None

    @property
    def effective_total(self) -> Decimal | None:
        """The score that counts: the override where an officer typed one, else the computed."""
        return self.override.score if self.override else self.total

    @property
    def effective_grade(self) -> str:
        """The grade that counts (the ranking's order, the plan proposal): the override's where
        there is one, else the computed total's."""
        return grade_of(self.effective_total)

    @property
    def summary(self) -> str:
        computed = f"计算得分 {self.total if self.total is not None else '—'} 分（{self.grade}）"
        if self.override is None:
            return computed
        return f"人工覆盖得分 {self.override.score} 分（{self.override_grade}；{computed}）"


def _pct(part: int, whole: int) -> Decimal | None:
    return (
        None
        if not whole
        else (Decimal(part) * HUNDRED / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    )


def institution_scores(
    *, year: int, districts: list[int] | None, institution_ids: list[int] | None = None
) -> list[InstitutionScore]:
    """Every institution's scorecard of the year (those with classes ending or claims that year),
    weighted by its district's weights in force on 31 December of the year, best first (by the
    score that counts: an override where there is one). A constant number of queries (about ten)
    whatever the number of institutions and districts."""
    institutions = Institution.objects.select_related("district")
    if districts is not None:
        institutions = institutions.filter(district_id__in=districts)
    if institution_ids is not None:
        institutions = institutions.filter(pk__in=institution_ids)
    enrolments = {
        row["training_class__institution_id"]: row
        for row in Enrolment.objects.filter(
            training_class__institution__in=institutions,
            training_class__end_date__year=year,
            status=EnrolmentStatus.ENROLLED,
        )
        .values("training_class__institution_id")
        .annotate(
            n=Count("pk"),
            passed=Count("pk", filter=Q(result__outcome="passed")),
            certified=Count("pk", filter=Q(result__outcome="passed") & ~Q(result__certificate_number="")),
            employees=Count("pk", filter=Q(relation="employee")),
            assessment=Count("pk", filter=Q(training_class__occupation__is_assessment_type=True)),
            high=Count("pk", filter=Q(training_class__level__lte=3)),
        )
    }
    claims = Claim.objects.filter(institution__in=institutions, year=year).exclude(status=ClaimStatus.DRAFT)
    lines = dict(
        ClaimLine.objects.filter(claim__in=claims)
        .values("claim__institution_id")
        .annotate(n=Count("pk"))
        .values_list("claim__institution_id", "n")
    )
    confirmed = dict(
        AuditFinding.objects.filter(claim__in=claims, current=True, status=FindingStatus.CONFIRMED)
        .values("claim__institution_id")
        .annotate(n=Count("pk"))
        .values_list("claim__institution_id", "n")
    )
    sent_back_ids = set(
        StateChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Claim),
            to_state__in=[ClaimStatus.RETURNED, ClaimStatus.REJECTED],
            object_id__in=claims.annotate(key=Cast("pk", CharField())).values("key"),
        ).values_list("object_id", flat=True)
    )
    claim_counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for pk, institution_id in claims.values_list("pk", "institution_id"):
        claim_counts[institution_id][0] += 1
        claim_counts[institution_id][1] += str(pk) in sent_back_ids
    visits = {
        row["training_class__institution_id"]: row
        for row in Inspection.objects.filter(
            training_class__institution__in=institutions,
            session__date__year=year,
            status=InspectionStatus.VISITED,
        )
        .values("training_class__institution_id")
        .annotate(n=Count("pk"), found=Count("pk", filter=Q(run__isnull=False)))
    }
    weights = evaluation_weights_on(on=weights_day(year), district_ids=institutions.values("district_id"))
    overrides = evaluation_overrides(year=year, institutions=institutions.values("pk"))
    out = []
    for institution in institutions:
        e = enrolments.get(institution.pk)
        n_lines, (n_claims, n_back) = lines.get(institution.pk, 0), claim_counts.get(institution.pk, [0, 0])
        if not e and not n_claims:
            continue
        n, passed = (e["n"], e["passed"]) if e else (0, 0)
        found = confirmed.get(institution.pk, 0)
        visit = visits.get(institution.pk)
        shares = [_pct(e[k], n) for k in ("assessment", "employees", "high")] if e and n else []
        values = {
            "completion": (_pct(passed, n), f"合格 {passed} / 在册学员 {n}"),
            "certificate": (
                _pct(e["certified"], passed) if e else None,
                f"取证 {e['certified'] if e else 0} / 合格 {passed}",
            ),
            "compliance": (
                None
                if not n_lines
                else max(Decimal(0), HUNDRED - Decimal(found) * 1000 / n_lines).quantize(Decimal("0.1")),
                f"已确认疑点 {found} 条 / 申领明细 {n_lines} 条（每百条 1 条扣 10 分）",
            ),
            "returns": (
                None if not n_claims else HUNDRED - (_pct(n_back, n_claims) or Decimal(0)),
                f"被退回或驳回的申领 {n_back} / {n_claims} 件",
            ),
            "supervision": (
                None if not visit else HUNDRED - (_pct(visit["found"], visit["n"]) or Decimal(0)),
                f"发现缺勤的检查 {visit['found'] if visit else 0} / 检查 {visit['n'] if visit else 0} 次",
            ),
            "priorities": (
                (sum((s for s in shares if s is not None), Decimal(0)) / 3).quantize(Decimal("0.1"))
                if shares
                else None,
                "鉴定评价类、企业职工、三级及以上学员占比的平均"
                + (f"（{'、'.join(f'{s}%' for s in shares)}）" if shares else ""),
            ),
        }
        used = evaluation_weights_of(weights, institution.district_id)
        out.append(
            InstitutionScore(
                institution.pk,
                institution.name,
                institution.district.name,
                year,
                [
                    Criterion(
                        key,
                        label,
                        used[WEIGHT_KEYS[key]].value,
                        *values[key],
                        weight_from=used[WEIGHT_KEYS[key]].effective_from,
                    )
                    for key, label, _ in CRITERIA
                ],
                n,
                override=overrides.get(institution.pk),
            )
        )
    return sorted(
        out, key=lambda s: (-(s.effective_total if s.effective_total is not None else Decimal(-1)), s.name)
    )


@dataclass
class DistrictWeights:
    district: str
    criteria: list[Criterion]  # the weights (and their source) as used; no score


def weights_used(scores: list[InstitutionScore]) -> list[DistrictWeights]:
    """The weights each district of the scorecards used (for the ranking's legend), by district
    name."""
    seen: dict[str, DistrictWeights] = {}
    for score in scores:
        if score.district not in seen:
            seen[score.district] = DistrictWeights(score.district, score.criteria)
    return sorted(seen.values(), key=lambda d: d.district)


# Next year's training plan, proposed from the grade (issue 19, part 3): cut for a weak institution,
# raised for a strong one, confirmed by the officer with a reason.
PLAN_FACTORS: dict[str, Decimal] = {
    "优秀": Decimal("1.2"),
    "良好": Decimal("1.1"),
    "合格": Decimal("1.0"),
    "不合格": Decimal("0.7"),
}


def plan_proposal(score: InstitutionScore, current_plan: int | None) -> tuple[int, str] | None:
    """The proposed plan of the next year and how it was reached: the year's plan (or, with none,
    the trainees enrolled in its classes) times the factor of the grade that counts (the
    override's where an officer typed one, else the computed total's), rounded half-up."""
    grade = score.effective_grade  # an override's grade where an officer typed one
    factor = PLAN_FACTORS.get(grade)
    if factor is None:
        return None
    enrolled = score.enrolled
    base, source = (
        (current_plan, f"{score.year} 年度计划 {current_plan} 人次")
        if current_plan
        else (
            enrolled,
            f"{score.year} 年度在册学员 {enrolled} 人次（未设计划）",
        )
    )
    proposed = int((Decimal(base) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    how = "人工覆盖得分的等次" if score.override else "计算得分的等次"
    return proposed, f"{source} × {factor}（{grade}，{how}）= {proposed} 人次"
