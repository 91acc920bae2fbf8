"""Reads of audit runs and findings, scoped by the user through the audit policies.

The current findings are those of the latest finished run covering them: a run of all open claims
covers every finding, a district's run the findings of that district, a claim's run that claim's.
A newer covering run that no longer finds something has cleared it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.claims.models import Claim
from apps.claims.permissions import claim_policy
from apps.core.masking import mask_id_number

from . import services
from .engine import catalogue
from .engine.checks import OPEN_STATUSES
from .models import AuditFinding, AuditRun, ClaimSample, FindingStatus, RunStatus, Scope
from .permissions import audit_finding_policy, audit_run_policy
from .services import PHASE_PROJECT

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from apps.accounts.models import User


class ChunkCounts(TypedDict):
    """What `run_list` annotates each run with: its current phase's chunks, and those done."""

    chunks_total: int
    chunks_done: int


def run_list(*, user: User) -> QuerySet[WithAnnotations[AuditRun, ChunkCounts]]:
    """The runs the user may see, each with how many chunks of its current phase there are and
    are done (for its progress bar, in the same query); `filters.RunFilter` narrows a list."""
    phase = Q(chunks__phase=F("phase"))
    qs = (
        audit_run_policy.visible(user)
        .select_related("district", "started_by")
        .annotate(
            chunks_total=Count("chunks", filter=phase),
            chunks_done=Count("chunks", filter=phase & Q(chunks__done_at__isnull=False)),
        )
    )
    return qs.order_by("-created_at", "-pk")


def run_get(*, run_id: int, user: User) -> WithAnnotations[AuditRun, ChunkCounts]:
    try:
        return run_list(user=user).get(pk=run_id)
    except AuditRun.DoesNotExist as exc:
        raise Http404("批量稽核不存在") from exc


@dataclass(frozen=True)
class Progress:
    percent: int
    done: int
    total: int
    stage: str


def run_progress(run: WithAnnotations[AuditRun, ChunkCounts]) -> Progress:
    """The share of a run (as `run_list` returns it) done: the projection is the first half, the
    checks the second (a phase's chunks are created when it starts, so each half counts its own)."""
    if run.status == RunStatus.FINISHED:
        return Progress(100, 0, 0, "已完成")
    if run.status != RunStatus.RUNNING:
        return Progress(0, 0, 0, str(RunStatus(run.status).label))
    done, total = run.chunks_done, run.chunks_total
    share = 50 * done // total if total else 0
    if run.phase == PHASE_PROJECT:
        return Progress(share, done, total, "读取申领明细")
    return Progress(50 + share, done, total, "逐条规则核查")


def _current(findings: QuerySet[AuditFinding]) -> QuerySet[AuditFinding]:
    """Of `findings`, the current ones: of a finished run, not cleared there, that no newer finished
    run covers (kept as `AuditFinding.current` when a run finishes; services.findings_currency_update)."""
    return findings.filter(current=True)


def current_findings(*, user: User) -> QuerySet[AuditFinding]:
    """The current findings the user may see."""
    return _current(audit_finding_policy.visible(user))


def current_findings_unscoped() -> QuerySet[AuditFinding]:
    """Every current finding, whoever acts: for what the portal itself enforces (the claims' review
    guards stop an approval on a confirmed finding whichever officer approves), never for a page
    or an answer shown to a user, which go through `current_findings`."""
    return _current(AuditFinding.objects.all())


FINDING_SORTS = {
    "rule": "rule",
    "district": ("district__sort_order", "district_id"),
    "status": "status",
    "found": "created_at",
    "claim": "claim_id",
}


def finding_list(
    *, user: User, run: AuditRun | None = None, claim: int | None = None
) -> QuerySet[AuditFinding]:
    """The findings of one run (cleared ones included), or the current ones; `filters.FindingFilter`
    narrows a list."""
    if run is not None:
        qs = audit_finding_policy.visible(user).filter(run=run)
    else:
        qs = current_findings(user=user)
    if claim is not None:
        qs = qs.filter(claim_id=claim)
    # What a list row shows (the template, `apis.finding_data`): the district, the person, the
    # institution, who resolved it and the other claim's district; the run, claim and line by key
    # alone. PostgreSQL's planning time grows steeply with the relations one query joins: all
    # eight joined took 16–22 ms to plan a page of 25 findings that ran in under 1 ms. The other
    # claim, on few findings, is read apart with its district (one query when a page has any).
    return qs.select_related("district", "person", "institution", "resolved_by").prefetch_related(
        Prefetch("other_claim", queryset=Claim.objects.select_related("district"))
    )


def finding_get(*, finding_id: int, user: User) -> AuditFinding:
    return audit_finding_policy.get_visible(
        user,
        AuditFinding.objects.select_related(
            "district", "run", "line", "person", "claim", "other_line", "other_claim__district", "institution"
        ),
        pk=finding_id,
    )


@dataclass(frozen=True)
class FindingRow:
    finding: AuditFinding
    rule: catalogue.AuditRule
    message: str
    person: str  # name and masked ID number
    other_visible: bool  # whether the user may open the other claim


def finding_rows(*, findings: list[AuditFinding], user: User) -> list[FindingRow]:
    """A page of findings with their messages, and which other claims the user may open (one query)."""
    others = {f.other_claim_id for f in findings if f.other_claim_id}
    visible = (
        set(claim_policy.visible(user).filter(pk__in=others).values_list("pk", flat=True))
        if others
        else set()
    )
    rows = []
    for f in findings:
        person = f"{f.person.name}（{mask_id_number(f.person.id_number)}）" if f.person else ""
        rows.append(
            FindingRow(
                f,
                catalogue.rule_of(f.rule),
                catalogue.message(f.rule, f.details),
                person,
                f.other_claim_id in visible,
            )
        )
    return rows


def claim_findings(*, claim: Claim, user: User) -> QuerySet[AuditFinding]:
    """The current findings on a claim's lines, for the claim page."""
    return finding_list(user=user, claim=claim.pk).order_by("line_id", "rule")


def claim_audited_by(*, claim: Claim, user: User) -> AuditRun | None:
    """The latest finished run that audited the claim as it stands: one of a scope covering it that
    started after the claim was (last) submitted, or for a claim never submitted after it was
    made. A run of all open claims or of a district writes findings only on open claims
    (checks.OPEN_STATUSES; on paid ones A6 alone, no other rule), so for a draft, rejected or paid
    claim only a run of the claim itself audited it. None: no batch audit has covered the claim
    yet, and its page may not say that one found nothing."""
    if claim.status in OPEN_STATUSES:
        covering = services.covering(district_id=claim.district_id, claim_id=claim.pk)
    else:
        covering = Q(scope=Scope.CLAIM, claim_id=claim.pk)
    since = claim.submitted_at or claim.created_at
    return (
        audit_run_policy.visible(user)
        .filter(covering, status=RunStatus.FINISHED, started_at__gte=since)
        .order_by("-pk")
        .first()
    )


def claim_involved_findings(*, claim: Claim, user: User) -> QuerySet[AuditFinding]:
    """The current findings on other claims' lines that name a line of this claim as the other
    one involved (the earlier training an R10.1 or R10.2 finding counts, say)."""
    return (
        finding_list(user=user)
        .filter(other_claim_id=claim.pk)
        .exclude(claim_id=claim.pk)
        .order_by("other_line_id", "rule", "pk")
    )


def open_findings_summary(*, user: User) -> dict[str, Any]:
    """How many current findings wait for a decision, the oldest's age, and the count per rule."""
    waiting = current_findings(user=user).filter(status=FindingStatus.OPEN)
    # One pass: the count and the oldest per rule, summed here.
    per_rule = list(
        waiting.values("rule")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by()
        .values_list("rule", "n", "oldest")
    )
    by_rule = {rule: n for rule, n, _ in per_rule}
    oldest = min((at for _, _, at in per_rule), default=None)
    return {
        "count": sum(by_rule.values()),
        "oldest_days": (timezone.now() - oldest).days if oldest else None,
        "rules": [(r, by_rule[r.id]) for r in catalogue.RULES if by_rule.get(r.id)],
    }


# Claim sampling -----------------------------------------------------------------------------------


def claim_sample(*, claim_id: int) -> ClaimSample | None:
    return ClaimSample.objects.filter(claim_id=claim_id).first()
