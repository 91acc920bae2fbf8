"""Reads of claims, scoped by the user through the claim policy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.classes.models import ClassStatus, TrainingClass
from apps.core.masking import mask_id_number
from apps.core.selectors import latest_change_to, latest_changes_to, state_changes_for
from apps.institutions.models import ContractScope
from apps.institutions.permissions import contract_districts
from apps.trainees.models import Person
from apps.trainees.permissions import person_policy

from .engine import facts_for
from .extensions import LineNote, finding_sources
from .models import (
    LINE_WITH_FINDINGS,
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    LineDecision,
    LineRecommendation,
    MaterialKind,
)
from .permissions import claim_policy, claim_shows_its_persons
from .services.entitlement import judged

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from apps.accounts.models import User

S = ClaimStatus
# Claims waiting for a district decision, and the age bands of the officer's queue (days).
WAITING = (S.SUBMITTED, S.UNDER_REVIEW)
AGE_BANDS = (("0–7 天", 0, 7), ("8–30 天", 8, 30), ("30 天以上", 31, None))
# What the claimant does next, by status.
NEXT_STEP: dict[str, str] = {
    S.DRAFT: "核对明细和材料后提交",
    S.RETURNED: "按退回原因修改后重新提交",
    S.SUBMITTED: "等待区县审核",
    S.UNDER_REVIEW: "区县审核中",
    S.APPROVED: "审核通过，等待拨付",
    S.PAID: "已拨付",
    S.REJECTED: "已驳回",
}


class ClaimFlags(TypedDict):
    """What `_with_flags` annotates a claim with."""

    has_findings: bool
    line_count: int


def has_findings() -> Q:
    """A claim with findings: a line the engine found something on, or a finding another app holds
    on one of its lines and registered (the audits' current open or confirmed findings,
    apps.claims.extensions.finding_sources). Each is an EXISTS read through a partial index of the
    few rows concerned, so the flag costs the same over a page of claims or the whole city."""
    flagged = Q(Exists(ClaimLine.objects.filter(LINE_WITH_FINDINGS, claim=OuterRef("pk"))))
    for source in finding_sources:
        flagged |= Q(Exists(source().filter(claim_id=OuterRef("pk"))))
    return flagged


def _with_flags(qs: QuerySet[Claim]) -> QuerySet[WithAnnotations[Claim, ClaimFlags]]:
    """Each claim with whether it has findings (`has_findings`) and how many lines it has
    (subqueries, so a page of claims is one query; the list's paginator reads them for the rows
    of the page only, apps.core.pagination.Paginator)."""
    counts = (
        ClaimLine.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        has_findings=ExpressionWrapper(has_findings(), output_field=BooleanField()),
        line_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)),
    )


def claim_list(*, user: User) -> QuerySet[Claim]:
    """The claims the user may see, with their flags; `filters.ClaimFilter` narrows a list."""
    return _with_flags(
        claim_policy.visible(user).select_related("institution", "employer", "district", "training_class")
    )


def _one(qs: QuerySet[Claim], claim_id: int) -> Claim:
    try:
        return qs.get(pk=claim_id)
    except Claim.DoesNotExist as exc:
        raise Http404("补贴申领不存在") from exc


def _visible(user: User) -> QuerySet[Claim]:
    # The employer (an enterprise's claims only) and the recommending reviewer (rarely set) are
    # read apart, by a query that runs only when the claim has one: each relation joined adds to
    # PostgreSQL's planning time, which grows steeply with them (five joined: 2–3 ms to plan a
    # read that runs in 0.3 ms).
    return (
        claim_policy.visible(user)
        .select_related("institution", "district", "training_class")
        .prefetch_related("employer", "recommended_by")
    )


def claim_get(*, claim_id: int, user: User) -> Claim:
    """The claim if the user may see it (404 otherwise), with the list's flags."""
    return _one(_with_flags(_visible(user)), claim_id)


def claim_get_for(*, claim_id: int, user: User, action: str) -> Claim:
    """The claim if the user may see it (404 otherwise) and may do `action` to it (403 otherwise):
    what every page and API that acts on one claim starts with. Without the list's flags (an
    action does not show them; a claim's answer reads the claim again, `apis.claims.claim_data`)."""
    claim = _one(_visible(user), claim_id)
    claim_policy.check(user, action, claim)
    return claim


@dataclass(frozen=True)
class LineRow:
    line: ClaimLine
    id_number: str  # masked, for every role
    notes: tuple[LineNote, ...] = ()  # what other apps say of the line (apps.claims.extensions)
    person_page: bool = False  # the viewer may open the person's page (roster permissions)
    can_reveal: bool = False  # and reveal the full ID number there (logged)
    # The other claims behind each finding on the person's other trainings, by rule.
    blockers: dict[str, list[Any]] = field(default_factory=dict)
    # The latest third-party recommendation on the line (R7.1), if any.
    recommendation: Any = None

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The line's findings, each with the claims that raise it (`blockers`, maybe empty)."""
        return [{**f, "blockers": self.blockers.get(f.get("rule"), [])} for f in self.line.findings]

    @property
    def judged(self) -> list[dict[str, Any]]:
        """The W and O findings an officer approves the line over only with a written reason."""
        return judged(self.line.findings)


class LineSummary(TypedDict):
    """What the claim page says of all of a claim's lines, whichever page of them it shows."""

    count: int
    pending: int


def claim_line_summary(*, claim: Claim) -> LineSummary:
    """How many lines the claim has and how many wait for a decision: one aggregate over the
    claim's lines (through their claim index), whatever page of lines the claim page shows."""
    row = claim.lines.order_by().aggregate(
        count=Count("pk"), pending=Count("pk", filter=Q(decision=LineDecision.PENDING))
    )
    return {"count": row["count"], "pending": row["pending"]}


def claim_lines(*, claim: Claim, user: User) -> QuerySet[ClaimLine]:
    """The claim's lines in order, each with its person and whether the viewer may open the
    person's page and reveal the full ID number there (the roster's rule,
    apps.trainees.permissions.person_policy, asked in the same query as the lines)."""
    person = OuterRef("person_id")
    # The claim is one the user sees (claim_get), so the claims' own person scopes usually answer
    # for all its lines at once; the per-line EXISTS is asked only where they do not (on a claim
    # of 50 lines the enterprise's EXISTS over its claims took 30–400 ms).
    all_open, all_revealed = claim_shows_its_persons(user, claim)
    return (
        claim.lines.select_related("person", "decided_by")
        .annotate(
            person_page=Value(True) if all_open else Exists(person_policy.visible(user).filter(pk=person)),
            can_reveal=(
                Value(True) if all_revealed else Exists(person_policy.revealable(user).filter(pk=person))
            ),
        )
        .order_by("pk")
    )


def claim_line_page_of(*, claim: Claim, line_id: int) -> int:
    """The page of the claim page that shows the line (CLAIM_LINES_PER_PAGE lines a page, in id
    order): where a decision on it sends the officer back to."""
    before = claim.lines.filter(pk__lt=line_id).count()
    return before // settings.CLAIM_LINES_PER_PAGE + 1


def claim_line_rows(
    *,
    claim: Claim,
    user: User,
    lines: Iterable[Any] | None = None,
    notes: dict[int, list[LineNote]] | None = None,
    blockers: dict[int, dict[str, list[Any]]] | None = None,
    recommendations: dict[int, Any] | None = None,
) -> list[LineRow]:
    """The lines (every line of the claim, or the page of `claim_lines` given) with their persons,
    the ID number masked for every role (as in every list), and the notes other apps put on
    them."""
    shown: Iterable[Any] = claim_lines(claim=claim, user=user) if lines is None else lines
    notes, blockers, recommendations = notes or {}, blockers or {}, recommendations or {}
    return [
        LineRow(
            line,
            mask_id_number(line.person.id_number),
            tuple(notes.get(line.pk, ())),
            person_page=line.person_page,
            can_reveal=line.can_reveal,
            blockers=blockers.get(line.pk, {}),
            recommendation=recommendations.get(line.pk),
        )
        for line in shown
    ]


def line_recommendations(*, lines: Iterable[Any]) -> dict[int, LineRecommendation]:
    """The latest third-party recommendation on each of `lines` that has one, in one query."""
    latest: dict[int, LineRecommendation] = {}
    rows = LineRecommendation.objects.filter(line__in=[line.pk for line in lines]).select_related(
        "recommended_by"
    )
    for recommendation in rows.order_by("line_id", "-id"):
        latest.setdefault(recommendation.line_id, recommendation)
    return latest


def claim_status_counts(*, user: User) -> dict[str, int]:
    rows = claim_policy.visible(user).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def claim_kind_status_counts(*, user: User) -> list[dict[str, Any]]:
    """The user's claims by kind and status, for the claimant's home page."""
    rows = claim_policy.visible(user).values("kind", "status").annotate(n=Count("pk")).order_by()
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], {})[row["status"]] = row["n"]
    return [
        {
            "kind": kind,
            "label": ClaimKind(kind).label,
            "statuses": [(s.value, s.label, counts.get(s.value, 0), NEXT_STEP[s]) for s in S],
        }
        for kind, counts in sorted(by_kind.items(), key=lambda item: ClaimKind.values.index(item[0]))
    ]


def claim_queue_by_age(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Claims waiting for a decision in the user's scope, by days since submission, in one query."""
    now = now or timezone.now()
    buckets = {}
    for index, (_, low, high) in enumerate(AGE_BANDS):
        condition = Q(submitted_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(submitted_at__gt=now - timedelta(days=high + 1))
        buckets[f"band{index}"] = Count("pk", filter=condition)
    row = claim_policy.visible(user).filter(status__in=WAITING).aggregate(total=Count("pk"), **buckets)
    return {
        "total": row["total"],
        "bands": [(label, row[f"band{index}"]) for index, (label, _, _) in enumerate(AGE_BANDS)],
    }


def claims_awaiting_recommendation(*, user: User) -> QuerySet[Claim]:
    """For a third-party reviewer: claims waiting for a decision that have no recommendation yet, in
    the districts whose contracts engage them for claim audit (R7.1)."""
    return claim_policy.visible(user).filter(
        status__in=WAITING,
        recommendation="",
        district__in=contract_districts(user, ContractScope.CLAIM_AUDIT),
    )


def claimable_classes(*, user: User) -> QuerySet[TrainingClass]:
    """An operator's completed classes that have no completion claim yet (rejected ones aside)."""
    claimed = Claim.objects.filter(training_class=OuterRef("pk"), kind=ClaimKind.CLASS_COMPLETION).exclude(
        status=S.REJECTED
    )
    return (
        TrainingClass.objects.filter(institution__members=user, status=ClassStatus.COMPLETED)
        .exclude(Exists(claimed))
        .select_related("occupation")
        .order_by("-end_date", "pk")
    )


# What blocks a line ------------------------------------------------------------------------------

# The findings that name another training of the person (R3.4 overlap, R3.5 months already claimed,
# R10 per-person limits): each is shown with the claims that raise it.
HISTORY_RULES = ("R3.4", "R3.5", "R10.1", "R10.2", "R10.3")


@dataclass(frozen=True)
class Blocker:
    claim_id: int
    status: str
    status_label: str
    kind_label: str
    visible: bool  # the viewer may open it


def _raises(rule: str, entry: dict[str, Any], line: ClaimLine) -> bool:
    """Whether another training (`entry`, as the line's history holds it) is one `rule` speaks of."""
    inputs = line.inputs or {}
    if rule == "R3.5":
        return bool(set(entry.get("months") or ()) & set(inputs.get("months") or ()))
    if rule == "R3.4":
        return (
            line.start is not None
            and line.end is not None
            and entry["start"] <= line.end.isoformat()
            and line.start.isoformat() <= entry["end"]
        )
    if rule in ("R10.2", "R10.3"):
        return entry.get("occupation_code") == (inputs.get("occupation") or {}).get("code")
    return line.end is not None and entry["end"][:4] == str(line.end.year)  # R10.1: the same year


def claim_line_blockers(
    *, claim: Claim, user: User, lines: Iterable[ClaimLine] | None = None
) -> dict[int, dict[str, list[Blocker]]]:
    """For each line (of the claim, or those given: the page shown) with a finding on the person's
    other trainings, by rule: the other claims (filed, not rejected; drafts claim nothing) whose
    lines raise it, so that a refusal names the claim that blocks it. Read from the same facts
    the line was quoted against."""
    lines = [
        line
        for line in (claim.lines.all() if lines is None else lines)
        if any(f.get("rule") in HISTORY_RULES for f in line.findings or ())
    ]
    if not lines:
        return {}
    facts = facts_for([line.person_id for line in lines], exclude_claim_id=claim.pk, booked_only=False)
    found: dict[int, dict[str, list[int]]] = {}
    for line in lines:
        history = (line.inputs or {}).get("history") or []
        for rule in sorted({f["rule"] for f in line.findings if f.get("rule") in HISTORY_RULES}):
            ids = [
                fact.claim_id
                for fact in facts.get(line.person_id, ())
                if fact.entry is not None and fact.entry in history and _raises(rule, fact.entry, line)
            ]
            if ids:
                found.setdefault(line.pk, {})[rule] = list(dict.fromkeys(ids))
    claim_ids = {pk for rules in found.values() for ids in rules.values() for pk in ids}
    others = {c.pk: c for c in Claim.objects.filter(pk__in=claim_ids)}
    visible = set(claim_policy.visible(user).filter(pk__in=claim_ids).values_list("pk", flat=True))
    return {
        line_id: {
            rule: [
                Blocker(
                    pk,
                    others[pk].status,
                    others[pk].get_status_display(),
                    others[pk].get_kind_display(),
                    pk in visible,
                )
                for pk in ids
                if pk in others
            ]
            for rule, ids in rules.items()
        }
        for line_id, rules in found.items()
    }


# How each kind's funding year (资金年度) is found when the claimant names none (R8.2).
YEAR_BASIS: dict[str, str] = {
    ClaimKind.CLASS_COMPLETION: "班级结业日期所在年度",
    ClaimKind.LIVING_ALLOWANCE: "班级结业日期所在年度",
    ClaimKind.ENTERPRISE_DIRECT: "培训结束日期所在年度",
    ClaimKind.WORK_FOR_TRAINING: "申领的最后一个月份所在年度（未另行填写时）",
    ClaimKind.APPRENTICESHIP: (
        "开班预拨按开始日期、结业清算按计划结束日期、提前结束按实际结束月份所在年度（未另行填写时）"
    ),
}


def returned_claims_with_reasons(*, user: User, limit: int = 5) -> list[tuple[Claim, Any]]:
    """The user's returned claims, newest first, each with its latest return (two queries)."""
    claims = list(claim_policy.visible(user).filter(status=S.RETURNED).order_by("-updated_at", "-pk")[:limit])
    reasons = latest_changes_to(model=Claim, ids=[c.pk for c in claims], state=S.RETURNED)
    return [(c, reasons.get(c.pk)) for c in claims]


def claim_return_reason(*, claim: Claim) -> Any:
    """The latest 退回修改 of a returned claim (who, when, why), or None."""
    if claim.status != S.RETURNED:
        return None
    return latest_change_to(obj=claim, state=S.RETURNED)


# The history in words --------------------------------------------------------------------------


def _status(value: str) -> str:
    return str(S(value).label) if value in S.values else value


def _line_detail(changes: dict[str, Any], names: dict[int, str]) -> str:
    before, after = changes.get("decision", ["", ""])
    labels = dict(LineDecision.choices)
    text = (
        f"明细 #{changes.get('line')}（{names.get(changes.get('person', 0), '—')}）："
        f"{labels.get(before, before)} → {labels.get(after, after)}"
    )
    if changes.get("rule"):
        text += f"，理由规则 {changes['rule']}"
    amount = changes.get("amount")
    if isinstance(amount, list):
        text += f"，金额 {amount[0]} → {amount[1]} 元"
    elif amount:
        text += f"，金额 {amount} 元"
    if changes.get("accepted"):
        text += f"，经判断通过的校验结果 {'、'.join(changes['accepted'])}"
    return text


def _recovery_detail(changes: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    """A recovery (追回) or the return of its money, in words."""
    if "returned" in changes:
        return (
            "追回款退回",
            f"追回 #{changes['recovery']} 已退回 {changes['returned']} 元（{changes['returned_on']}）",
        )
    owed = changes.get("receivable", "0.00")
    text = (
        f"明细 #{changes['line']}（{names.get(changes.get('person', 0), '—')}）追回 {changes['amount']} 元，"
        f"依据 {changes.get('rule', '')}"
    )
    if owed != "0.00":
        text += f"；已拨付，应退回 {owed} 元"
    if changes.get("source"):
        text += f"；发现来源：{changes['source']}"
    return "追回", text


def _approval_detail(changes: dict[str, Any]) -> str:
    """What the final approval changed or acknowledged, in words."""
    parts = [
        f"明细 #{r['line']} 按已记账情况重新测算：{r['before']} → {r['after']} 元"
        for r in changes.get("requoted", [])
    ]
    if changes.get("acknowledged"):
        parts.append(
            f"已知悉 {len(changes['acknowledged'])} 条待处理的稽核疑点：" + "；".join(changes["acknowledged"])
        )
    return "；".join(parts)


def claim_history(*, claim: Claim) -> list[dict[str, Any]]:
    """The claim's state-change log in words, oldest first (rendered by institutions/_history.html)."""
    changes = list(state_changes_for(obj=claim))
    person_ids = {c.changes.get("person") for c in changes if c.changes.get("person")}
    names = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
    entries = []
    for change in changes:
        data = change.changes or {}
        detail = ""
        if not change.from_state:
            event = f"创建（{_status(change.to_state)}）"
        elif "recovery" in data:
            event, detail = _recovery_detail(data, names)
        elif "line" in data:
            event = "审核明细"
            detail = _line_detail(data, names)
        elif "material" in data:
            event = "申领材料"
            detail = f"{MaterialKind(data['kind']).label}：{data.get('name', '')}"
        elif "entry" in data:
            event = "台账冲销"
            detail = f"台账记录 #{data['entry']}，金额 {data.get('amount', '')} 元"
        elif change.from_state == change.to_state:
            event = f"意见（{_status(change.to_state)}）"
        else:
            event = f"{_status(change.from_state)} → {_status(change.to_state)}"
            detail = _approval_detail(data)
        entries.append(
            {
                "at": change.created_at,
                "actor": change.actor,
                "event": event,
                "detail": detail,
                "reason": change.reason,
            }
        )
    return entries
