"""Batch audits: start a run, plan it into chunks, run each chunk, finish the run; resolve findings.

    run:     queued → running → finished | failed          (RUN_LIFECYCLE)
    finding: open → confirmed | dismissed;  confirmed | dismissed → open   (FINDING_LIFECYCLE)

Every task takes ids and is safe to run twice: a chunk is marked done in the transaction that
writes its findings, under a row lock, so a redelivered chunk finds it done and writes nothing.
A run moves from one phase to the next, and finishes, under the run's row lock, once every chunk
of its phase is done — whichever worker finishes the last chunk does it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from apps.catalog.engine import setting_on
from apps.catalog.models import District, SettingKey
from apps.claims.models import Claim, ClaimLine, ClaimStatus
from apps.claims.services.notices import claim_notify
from apps.classes.models import ClassStatus, TrainingClass
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Lifecycle, Transition, Who, anyone, move, register
from apps.core.models import StateChange
from apps.core.services import state_change_record
from apps.core.tasks import (
    QUEUE_UNAVAILABLE_REASON,
    QueueUnavailable,
    id_ranges,
    publish,
    publish_each_on_commit,
    publish_on_commit,
)
from apps.institutions.services import institution_users
from apps.notices.services import notify
from apps.rules import RULES_VERSION

from .engine import checks, sampling
from .engine.catalogue import rule_of
from .models import (
    ACTIVE_STATUSES,
    BATCH_SCOPES,
    WITNESS_SCOPES,
    AuditChunk,
    AuditFinding,
    AuditRun,
    Change,
    ChunkKind,
    ClaimSample,
    FindingStatus,
    RunStatus,
    Scope,
)
from .permissions import audit_finding_policy, audit_run_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

R = RunStatus
F = FindingStatus
PHASE_PROJECT, PHASE_CHECKS = 1, 2

# How much one task handles (AUDIT_CHUNK_LINES, default 50,000 lines). A slice's window sorts and
# joins run inside the database with the slice's rows only, so a worker's memory stays the same
# whatever the population; more, smaller slices spread a run over more workers.
#  - projection: line (or sign-in) ids per slice, read in id order (twice the size: it only copies);
#  - persons: in-scope lines per slice, every line of those persons in every district;
#  - classes and institutions: about as many lines (a class has a few dozen trainees).
LINES_PER_CLASS = 25


def chunk_lines() -> int:
    return settings.AUDIT_CHUNK_LINES


# Lifecycles ---------------------------------------------------------------------------------------


def _admit_finding(finding: AuditFinding, actor: User) -> None:
    if not audit_finding_policy.can(actor, "resolve", finding):
        raise ApplicationError("只有疑点所在区县的经办人员或市人力社保局管理员可以处理稽核疑点")
    if finding.change == Change.CLEARED:
        raise ApplicationError("该疑点在本次稽核中已消除，无需处理")


_WORKERS = "system"
RUN_LIFECYCLE: Lifecycle[AuditRun] = register(
    Lifecycle(
        name="批量稽核",
        model=AuditRun,
        states=R,
        transitions=(
            Transition(R.QUEUED, R.RUNNING, "开始稽核", _WORKERS, does="分片投影"),
            Transition(
                R.RUNNING, R.FINISHED, "稽核完成", _WORKERS, does="每个分片都已完成；与上次稽核比较并计数"
            ),
            Transition(R.QUEUED, R.FAILED, "稽核失败", _WORKERS),
            Transition(R.RUNNING, R.FAILED, "稽核失败", _WORKERS),
        ),
        roles={_WORKERS: Who("稽核任务（Celery）", anyone)},
        error_field=None,
        description="区县经办人员或市级管理员发起（排队中），由 Celery 任务分片执行；"
        "最后一个分片完成者在运行记录的行锁下结束本次稽核。",
    )
)
FINDING_LIFECYCLE: Lifecycle[AuditFinding] = register(
    Lifecycle(
        name="稽核疑点",
        model=AuditFinding,
        states=F,
        transitions=(
            Transition(F.OPEN, F.CONFIRMED, "确认疑点", "officer", True, notice="申领人或机构经办人"),
            Transition(F.OPEN, F.DISMISSED, "排除疑点", "officer", True),
            Transition(F.CONFIRMED, F.OPEN, "重新打开", "officer", True),
            Transition(F.DISMISSED, F.OPEN, "重新打开", "officer", True),
        ),
        roles={
            "officer": Who(
                "疑点所在区县的经办人员或市级管理员",
                lambda actor, finding: audit_finding_policy.can(actor, "resolve", finding),
            )
        },
        admit=_admit_finding,
        error_field="to",
        refuse_reason=lambda step: ApplicationError(f"{step.label}须填写处理意见", field="reason"),
        description="本次稽核已消除的疑点不能处理（先检查，再查表）。确认的疑点使该明细不能审核通过。",
    )
)
RUN_TRANSITIONS = RUN_LIFECYCLE.table
FINDING_TRANSITIONS = FINDING_LIFECYCLE.table


def _move_run(run: AuditRun, to: str, *, reason: str, actor: User | None = None) -> None:
    """The one place a run changes status: checked against the table, saved and logged. The
    caller holds the run's row lock."""
    step = RUN_LIFECYCLE.find(run.status, to)
    move(
        RUN_LIFECYCLE,
        run,
        actor=actor,
        to=to,
        lock=False,
        log_reason=reason or (step.label if step else ""),
    )


# Starting a run -----------------------------------------------------------------------------------


def scope_key(scope: str, district: District | None, claim: Claim | None) -> str:
    if scope == Scope.DISTRICT:
        assert district is not None, "a district's run names its district"
        return f"district:{district.pk}"
    if scope == Scope.CLAIM:
        assert claim is not None, "a claim's run names its claim"
        return f"claim:{claim.pk}"
    return "all"


def _create_run(
    *, scope: str, district: District | None, claim: Claim | None, actor: User | None
) -> AuditRun:
    key = scope_key(scope, district, claim)
    try:
        with transaction.atomic():
            run = AuditRun.objects.create(
                scope=scope,
                district=district,
                claim=claim,
                scope_key=key,
                rules_version=RULES_VERSION,
                started_by=actor,
            )
    except IntegrityError as exc:
        active = AuditRun.objects.filter(scope_key=key, status__in=ACTIVE_STATUSES).first()
        number = f"（#{active.pk}）" if active else ""
        raise ApplicationError(
            f"该范围已有一次批量稽核正在进行{number}，请等它完成后再发起", field="scope"
        ) from exc
    state_change_record(
        obj=run, actor=actor, from_state="", to_state=R.QUEUED, reason=f"发起批量稽核：{run.scope_label}"
    )
    _send_plan_on_commit(run.pk)
    return run


@transaction.atomic
def audit_run_start(
    *, actor: User, scope: str, district: District | None = None, claim: Claim | None = None
) -> AuditRun:
    """Queue an audit: a district officer of their own district or of one of its claims, the
    municipal admin of any scope. The work happens on the workers once this commits."""
    if scope not in dict(BATCH_SCOPES):
        raise ApplicationError("请选择稽核范围：全市、一个区县或一件申领", field="scope")
    if scope == Scope.DISTRICT and district is None:
        raise ApplicationError("请选择要稽核的区县", field="district")
    if scope == Scope.CLAIM and claim is None:
        raise ApplicationError("请填写要稽核的申领编号", field="claim")
    if scope != Scope.DISTRICT:
        district = None
    if scope != Scope.CLAIM:
        claim = None
    if not audit_run_policy.may_start(actor, scope=scope, district=district, claim=claim):
        raise ApplicationError("您无权发起该范围的批量稽核：区县经办人员只能稽核本区县的申领", field="scope")
    return _create_run(scope=scope, district=district, claim=claim, actor=actor)


@transaction.atomic
def audit_run_start_nightly() -> AuditRun:
    """The beat schedule's audit of every open claim in the city, started by no one."""
    return _create_run(scope=Scope.ALL, district=None, claim=None, actor=None)


# Planning and running ---------------------------------------------------------------------------


def _send_plan_on_commit(run_id: int) -> None:
    """Once the run is committed, send its plan; a broker that is down fails the run at once (it
    would otherwise stay queued and block its scope) and tells the user that the queue is down."""
    from .tasks import plan_run

    publish_on_commit(
        plan_run, run_id, on_failure=lambda: audit_run_fail(run_id=run_id, error=QUEUE_UNAVAILABLE_REASON)
    )


def _send_plan(run_id: int) -> None:
    from .tasks import plan_run

    publish(plan_run, run_id)


def _send_chunks(run: AuditRun, chunk_ids: list[int]) -> None:
    """Once the phase is committed, send its chunks. A worker that cannot reach the broker fails
    the run (the task's own failure handler would too, but only after the commit's error)."""
    from .tasks import run_chunk

    run_id = run.pk
    publish_each_on_commit(
        run_chunk,
        ((run_id, chunk_id) for chunk_id in chunk_ids),
        on_failure=lambda: audit_run_fail(run_id=run_id, error=QUEUE_UNAVAILABLE_REASON),
    )


def _resend_undone(run: AuditRun) -> None:
    """After a redelivery the messages of the current phase may have been lost with the worker
    that held them: send every chunk not done again (a duplicate finds its chunk done)."""
    undone = run.chunks.filter(phase=run.phase, done_at__isnull=True).order_by("pk")
    _send_chunks(run, list(undone.values_list("pk", flat=True)))


class Slice(NamedTuple):
    """One task's share of a phase: a kind of work over the ids lo..hi."""

    kind: str
    lo: int
    hi: int


def _create_chunks(run: AuditRun, phase: int, slices: list[Slice]) -> list[int]:
    AuditChunk.objects.bulk_create(
        [AuditChunk(run=run, phase=phase, kind=kind, lo=lo, hi=hi) for kind, lo, hi in slices]
    )
    chunks = run.chunks.filter(phase=phase).order_by("pk")
    return list(chunks.values_list("pk", flat=True))


def _projection_slices(run: AuditRun) -> list[Slice]:
    """The lines cut by id and the sign-ins by class; for a district or a claim, one slice of each,
    which picks its persons' rows through the indexes."""
    lines = ClaimLine.objects.aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    classes = TrainingClass.objects.aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    if run.scope == Scope.ALL:
        per_lines, per_classes = 2 * chunk_lines(), max(1, 2 * chunk_lines() // LINES_PER_CLASS)
    else:
        per_lines, per_classes = max(lines["n"], 1), max(classes["n"], 1)
    return [
        *(
            Slice(ChunkKind.LINES, lo, hi)
            for lo, hi in id_ranges(lines["lo"], lines["hi"], lines["n"], per_lines)
        ),
        *(
            Slice(ChunkKind.SIGNINS, lo, hi)
            for lo, hi in id_ranges(classes["lo"], classes["hi"], classes["n"], per_classes)
        ),
    ]


def _check_slices(run: AuditRun) -> list[Slice]:
    """The checks' slices, known before the projection: the scratch tables are cut by person as the
    person slices are, so that each slice reads a table of its own."""
    bounds = checks.check_bounds(run)
    per_group = max(1, chunk_lines() // LINES_PER_CLASS)
    # Sent in this order, the longest first: an institution slice reads every line of its
    # institutions (A5) and runs the engine (R6.1); done last, it would keep one worker busy while
    # the other waits.
    return [
        *(Slice(ChunkKind.INSTITUTIONS, lo, hi) for lo, hi in id_ranges(*bounds["institutions"], per_group)),
        *(Slice(ChunkKind.CLASSES, lo, hi) for lo, hi in id_ranges(*bounds["classes"], per_group)),
        *(Slice(ChunkKind.PERSONS, lo, hi) for lo, hi in id_ranges(*bounds["persons"], chunk_lines())),
    ]


def audit_run_plan(*, run_id: int, resend: bool = False) -> None:
    """queued → running: the slices of both phases and the scratch tables; the projection's slices
    are sent once this commits. A plan delivered again sends the slices not yet done."""
    with transaction.atomic():
        run = AuditRun.objects.select_for_update().get(pk=run_id)
        if run.status == R.RUNNING and resend:
            _resend_undone(run)
        if run.status != R.QUEUED:
            return
        # The run it is compared with: no other run of its scope can finish before it does (one
        # active run per scope), so the findings can say "persisting" as they are written.
        run.previous = (
            AuditRun.objects.filter(scope_key=run.scope_key, status=R.FINISHED, pk__lt=run.pk)
            .order_by("-pk")
            .first()
        )
        check_slices = _check_slices(run)
        checks.create_scratch(
            run, persons=[(lo, hi) for kind, lo, hi in check_slices if kind == ChunkKind.PERSONS]
        )
        chunk_ids = _create_chunks(run, PHASE_PROJECT, _projection_slices(run))
        _create_chunks(run, PHASE_CHECKS, check_slices)
        run.phase = PHASE_PROJECT
        run.started_at = timezone.now()
        _move_run(run, R.RUNNING, reason="开始稽核")
        if chunk_ids:
            _send_chunks(run, chunk_ids)
        else:
            _next_phase(run)


CHUNK_WORK: dict[str, Callable[[AuditRun, int, int], int]] = {
    ChunkKind.LINES: checks.project,
    ChunkKind.SIGNINS: checks.project_signins,
    ChunkKind.PERSONS: checks.check_persons,
    ChunkKind.CLASSES: checks.check_classes,
    ChunkKind.INSTITUTIONS: checks.check_institutions,
}


def audit_chunk_run(*, chunk_id: int, resend: bool = False) -> None:
    """Do one chunk's work and mark it done, in one transaction under the chunk's row lock; then
    let the run move on if that was the last chunk of its phase."""
    with transaction.atomic():
        chunk = AuditChunk.objects.select_for_update(of=("self",)).select_related("run").get(pk=chunk_id)
        run = chunk.run
        if chunk.done_at is None and run.status == R.RUNNING:
            checks.tune_transaction()
            chunk.rows = CHUNK_WORK[chunk.kind](run, chunk.lo, chunk.hi)
            chunk.done_at = timezone.now()
            chunk.save(update_fields=["rows", "done_at"])
    audit_run_continue(run_id=run.pk, resend=resend)


def audit_run_continue(*, run_id: int, resend: bool = False) -> None:
    """Once every chunk of the run's phase is done: start the checks after the projection, or
    finish the run after the checks. Called after every chunk; only the last one moves it."""
    with transaction.atomic():
        run = AuditRun.objects.select_for_update().get(pk=run_id)
        if run.status != R.RUNNING:
            return
        if run.chunks.filter(phase=run.phase, done_at__isnull=True).exists():
            if resend:
                _resend_undone(run)
            return
        _next_phase(run)


def _next_phase(run: AuditRun) -> None:
    if run.phase == PHASE_PROJECT:
        checks.prepare_checks(run)
        run.phase = PHASE_CHECKS
        run.save(update_fields=["phase"])
        chunk_ids = list(run.chunks.filter(phase=PHASE_CHECKS).order_by("pk").values_list("pk", flat=True))
        if chunk_ids:
            _send_chunks(run, chunk_ids)
            return
    _finish(run)


# The key of the lock under which a finishing run changes which findings are current.
CURRENCY_LOCK = 17_0006


def covering(*, district_id: Any, claim_id: Any) -> Q:
    """Runs whose scope covers a claim (or a finding on it): all open claims, the claim's district,
    the claim itself."""
    return (
        Q(scope=Scope.ALL)
        | Q(scope=Scope.DISTRICT, district_id=district_id)
        | Q(scope=Scope.CLAIM, claim_id=claim_id)
    )


def covered_by_newer_run() -> Exists:
    """Whether a finished run newer than a finding's own covers it (in a finding's queryset)."""
    newer = AuditRun.objects.filter(status=R.FINISHED, pk__gt=OuterRef("run_id")).filter(
        covering(district_id=OuterRef("district_id"), claim_id=OuterRef("claim_id"))
    )
    return Exists(newer)


def findings_currency_update(run: AuditRun) -> None:
    """A finishing run's findings become the current ones where it covers them: the older findings
    it covers are current no more, and its own (not cleared) are current unless a newer finished
    run already covers them (a run that finishes after a newer one of a wider scope). Two runs of
    overlapping scopes finishing at once take turns (a transaction-scoped lock on PostgreSQL;
    SQLite has one writer at a time), so the later sees what the earlier made current."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CURRENCY_LOCK])
    # A process-supervision visit's findings (A7), a trainee's dispute (A8) and the insurance check
    # (A9) are no batch run's to replace (apps.inspections, confirmations, insurance).
    older = AuditFinding.objects.filter(current=True, run_id__lt=run.pk).exclude(
        run__scope__in=WITNESS_SCOPES
    )
    if run.scope in WITNESS_SCOPES:
        older = older.none()
    elif run.scope == Scope.DISTRICT and run.district_id is not None:
        older = older.filter(district_id=run.district_id)
    elif run.scope == Scope.CLAIM:
        # A claim's run covers its claim's findings (none, if the claim was deleted since).
        older = older.filter(claim_id=run.claim_id) if run.claim_id is not None else older.none()
    older.update(current=False)
    run.findings.exclude(change=Change.CLEARED).exclude(covered_by_newer_run()).update(current=True)


def findings_currency_rebuild() -> int:
    """Every finding's `current` read afresh from the runs (what findings_currency_update keeps):
    for the migration that adds it, and for findings written by hand. Returns the current ones."""
    AuditFinding.objects.filter(current=True).update(current=False)
    finished = AuditFinding.objects.filter(run__status=R.FINISHED).exclude(change=Change.CLEARED)
    witnessed = finished.filter(run__scope__in=WITNESS_SCOPES).update(current=True)
    return witnessed + (
        finished.exclude(run__scope__in=WITNESS_SCOPES).exclude(covered_by_newer_run()).update(current=True)
    )


def _finish(run: AuditRun) -> None:
    """running → finished: compare with the previous run of the scope, count, make its findings
    the current ones, drop the scratch."""
    checks.compare_with_previous(run, run.previous)
    findings_currency_update(run)
    counts = run.findings.aggregate(
        findings=Count("pk", filter=~Q(change=Change.CLEARED)),
        appeared=Count("pk", filter=Q(change=Change.APPEARED)),
        persisting=Count("pk", filter=Q(change=Change.PERSISTING)),
        cleared=Count("pk", filter=Q(change=Change.CLEARED)),
    )
    run.lines_count = checks.lines_in_scope(run)
    checks.drop_scratch(run)
    run.findings_count = counts["findings"]
    run.appeared_count = counts["appeared"]
    run.persisting_count = counts["persisting"]
    run.cleared_count = counts["cleared"]
    run.finished_at = timezone.now()
    _move_run(
        run,
        R.FINISHED,
        reason=(
            f"稽核完成：疑点 {run.findings_count} 条（新增 {run.appeared_count}，"
            f"仍存在 {run.persisting_count}），已消除 {run.cleared_count} 条"
        ),
    )


def audit_run_fail(*, run_id: int, error: str) -> None:
    """queued | running → failed, when a task gave up; its scratch tables go."""
    with transaction.atomic():
        run = AuditRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in ACTIVE_STATUSES:
            return
        checks.drop_scratch(run)
        run.error = error[:2000]
        run.finished_at = timezone.now()
        _move_run(run, R.FAILED, reason=f"稽核失败：{error[:200]}")


def _last_sign_of_life(run: AuditRun) -> datetime:
    """When the run last moved: queued at its creation; running at its start or its last chunk
    done; and at the sweeper's resend, if later."""
    times = [run.created_at, run.started_at, getattr(run, "last_chunk_at", None), run.resent_at]
    return max(moment for moment in times if moment is not None)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def audit_runs_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """The sweeper (beat, every TASK_SWEEP_MINUTES): a run queued for TASK_QUEUED_RESEND_AFTER or
    running with no chunk done for TASK_RUNNING_RESEND_AFTER had its messages lost (a broker
    restarted without persistence, a send that failed unseen): its work is sent again, once, and
    the resend recorded (`resent_at`, and a line in its log). Still stuck TASK_STUCK_FAIL_AFTER
    after that, it fails with the reason, which frees its scope for the next audit. Returns the
    ids resent and failed."""
    now = now or timezone.now()
    done: dict[str, list[int]] = {"resent": [], "failed": []}
    runs = AuditRun.objects.filter(status__in=ACTIVE_STATUSES).annotate(last_chunk_at=Max("chunks__done_at"))
    for run in runs.order_by("pk"):
        quiet = now - _last_sign_of_life(run)
        if run.resent_at is None:
            wait = (
                settings.TASK_QUEUED_RESEND_AFTER
                if run.status == R.QUEUED
                else settings.TASK_RUNNING_RESEND_AFTER
            )
            if quiet >= wait:
                _resend(run, now, wait)
                done["resent"].append(run.pk)
        elif quiet >= settings.TASK_STUCK_FAIL_AFTER:
            what = "仍在排队" if run.status == R.QUEUED else "仍无进展"
            audit_run_fail(
                run_id=run.pk,
                error=f"{QUEUE_UNAVAILABLE_REASON}：重新投递后 {_minutes(quiet)} 分钟{what}",
            )
            done["failed"].append(run.pk)
    return done


def _resend(run: AuditRun, now: datetime, wait: timedelta) -> None:
    what = "排队" if run.status == R.QUEUED else "运行无进展"
    with transaction.atomic():
        if not AuditRun.objects.filter(pk=run.pk, status=run.status, resent_at__isnull=True).update(
            resent_at=now
        ):
            return  # moved or resent meanwhile
        state_change_record(
            obj=run,
            actor=None,
            from_state=run.status,
            to_state=run.status,
            reason=f"重新投递稽核任务：{what}已超过 {_minutes(wait)} 分钟",
        )
    try:
        if run.status == R.QUEUED:
            _send_plan(run.pk)
        else:
            audit_run_continue(run_id=run.pk, resend=True)
    except QueueUnavailable:
        # The plan's send failed here (a chunk's send has already failed its run).
        audit_run_fail(run_id=run.pk, error=QUEUE_UNAVAILABLE_REASON)


# Findings -----------------------------------------------------------------------------------------


def audit_finding_resolve(*, finding: AuditFinding, actor: User, to: str, reason: str) -> AuditFinding:
    """An officer's decision on a finding: confirm it (and refuse the line on the claim page) or
    dismiss it, with a reason; or open it again. A later run that finds it again keeps the decision."""

    def resolve(finding: AuditFinding, step: Transition) -> None:
        reopened = step.target == F.OPEN
        finding.resolution_reason = "" if reopened else reason.strip()
        finding.resolved_by = None if reopened else actor
        finding.resolved_at = None if reopened else timezone.now()

    def tell(finding: AuditFinding, step: Transition) -> None:
        if step.target == F.CONFIRMED:
            _notify_confirmed(finding, actor, reason.strip())

    return move(
        FINDING_LIFECYCLE,
        finding,
        actor=actor,
        to=to,
        reason=reason,
        before_save=resolve,
        update_fields=["resolution_reason", "resolved_by", "resolved_at"],
        after_save=tell,
    )


def _notify_confirmed(finding: AuditFinding, actor: User, reason: str) -> None:
    """A confirmed finding reaches the organisation it concerns: the claimant of its claim, or the
    institution of an institution-wide one (R6.1). The finding's own message can name other
    organisations' trainings, so the notice carries the rule and the officer's reason only."""
    what = f"稽核疑点经确认（{finding.rule} {rule_of(finding.rule).title}）"
    body = f"处理意见：{reason}"
    if finding.claim_id:
        claim = Claim.objects.get(pk=finding.claim_id)
        line = f"明细 #{finding.line_id} " if finding.line_id else ""
        claim_notify(claim=claim, actor=actor, kind="audit_finding_confirmed", what=line + what, body=body)
    elif finding.institution is not None:
        institution = finding.institution
        notify(
            recipients=institution_users(institution),
            kind="audit_finding_confirmed",
            title=f"{institution.name}：{what}",
            body=body,
            link=reverse("institutions:institution_detail", args=[institution.pk]),
            exclude=actor,
        )


# Claim sampling -----------------------------------------------------------------------------------
# Which submitted claims are reviewed line by line (apps.audits.engine.sampling, docs/audit-rules.md).


def _claim_signals(claim: Claim, on: datetime) -> list[str]:
    """The risk signals of the claim and its claimant (institution or employer) at `on`."""
    if claim.institution is not None:
        own = Q(institution_id=claim.institution.pk) | Q(claim__institution_id=claim.institution.pk)
        claims = Claim.objects.filter(institution_id=claim.institution.pk)
        classes = TrainingClass.objects.filter(institution_id=claim.institution.pk)
        registered = claim.institution.created_at
    else:
        assert claim.employer is not None, "a claim is an institution's or an employer's"
        own = Q(claim__employer_id=claim.employer.pk)
        claims = Claim.objects.filter(employer_id=claim.employer.pk)
        classes = TrainingClass.objects.none()
        registered = claim.employer.created_at
    sent_back = [ClaimStatus.RETURNED, ClaimStatus.REJECTED]
    returned = (
        claims.filter(status__in=sent_back).exists()
        or classes.filter(status__in=[ClassStatus.RETURNED, ClassStatus.REJECTED]).exists()
        or StateChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Claim),
            object_id__in=[str(pk) for pk in claims.values_list("pk", flat=True)[:1000]],
            to_state__in=sent_back,
        ).exists()
    )
    facts = {
        "findings": AuditFinding.objects.filter(own, current=True, status=FindingStatus.CONFIRMED).exists(),
        "line_findings": any(claim.lines.values_list("findings", flat=True)),
        "returned": returned,
        "new": registered > on - timedelta(days=365),
    }
    return [signal for signal in sampling.POINTS if facts[signal]]


def claim_sample_draw(claim: Any, *, seed: int | None = None) -> ClaimSample:
    """On a claim's submission (apps.claims.extensions): score it, draw it (once: a resubmission
    keeps the first seed, so the same u), store the outcome and log its inputs on the claim."""
    claim = Claim.objects.select_related("institution", "employer", "district").get(pk=claim.pk)
    now = timezone.now()
    today = timezone.localdate()
    existing = ClaimSample.objects.filter(claim=claim).first()
    if existing is not None:
        seed = existing.seed
    elif seed is None:
        seed = secrets.randbits(48)
    signals = _claim_signals(claim, now)
    threshold = int(setting_on(district=claim.district_id, key=SettingKey.CLAIM_RISK_THRESHOLD, on=today))
    rate = setting_on(district=claim.district_id, key=SettingKey.CLAIM_SAMPLE_RATE, on=today)
    outcome = sampling.sample(
        signals=signals,
        threshold=threshold,
        rate=rate,
        district=claim.district.code,
        claim_id=claim.pk,
        seed=seed,
    )
    values = {
        "district_id": claim.district_id,
        "seed": seed,
        "signals": signals,
        "score": outcome.score,
        "threshold": threshold,
        "rate": rate,
        "u": outcome.u,
        "over_threshold": outcome.over_threshold,
        "drawn": outcome.drawn,
        "line_by_line": outcome.line_by_line,
        "sampled_at": now,
    }
    row, _ = ClaimSample.objects.update_or_create(claim=claim, defaults=values)
    state_change_record(
        obj=claim,
        actor=None,
        from_state=claim.status,
        to_state=claim.status,
        reason=sampling.wording(row),
        changes={
            "sampling": {
                "district": claim.district.code,
                "claim": claim.pk,
                "seed": seed,
                "signals": signals,
                "points": sampling.POINTS,
                "score": outcome.score,
                "threshold": threshold,
                "rate": str(rate),
                "u": str(outcome.u),
                "line_by_line": outcome.line_by_line,
            }
        },
    )
    return row


# Runs of what was seen or said ---------------------------------------------------------------------


def witness_run_record(
    *,
    scope: str,
    district_id: int,
    key: str,
    actor: User | None,
    findings: list[AuditFinding],
    reason: str,
    claim: Claim | None = None,
    lines_count: int | None = None,
    cleared: Sequence[int] = (),
) -> AuditRun:
    """The finished run holding findings not made by the batch audit (WITNESS_SCOPES: a trainee's
    dispute, a social-insurance check): the run, its findings (built unsaved, without a run),
    `cleared` (older findings it ends, marked cleared and current no more), its counts and its log
    row, in one go."""
    now = timezone.now()
    run = AuditRun.objects.create(
        scope=scope,
        district_id=district_id,
        claim=claim,
        scope_key=key[:40],
        status=RunStatus.FINISHED,
        rules_version=RULES_VERSION,
        started_by=actor,
        started_at=now,
        finished_at=now,
        lines_count=len(findings) if lines_count is None else lines_count,
        findings_count=len(findings),
        appeared_count=len(findings),
        cleared_count=len(cleared),
    )
    AuditFinding.objects.filter(pk__in=list(cleared)).update(current=False, change=Change.CLEARED)
    for finding in findings:
        finding.run = run
    saved = AuditFinding.objects.bulk_create(findings)
    state_change_record(
        obj=run,
        actor=actor,
        from_state="",
        to_state=RunStatus.FINISHED,
        reason=reason,
        changes={"findings": [f.pk for f in saved], "ended": list(cleared)},
    )
    return run
