"""Audit runs: who starts what, the lifecycle table, chunks done exactly once whatever happens to
the worker, and what a re-run of a scope reports as appeared, persisting and cleared."""

from datetime import date, timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from apps.audits import services, tasks
from apps.audits.engine import checks
from apps.audits.models import AuditChunk, AuditFinding, AuditRun, ChunkKind
from apps.core.errors import ApplicationError
from apps.core.selectors import state_changes_for
from tests.audits.conftest import found
from tests.factories import UserFactory

D = date


def _four_in_a_year(world, who=None, district=None):
    p = who or world.person()
    extra = {"district": district} if district else {}
    return [world.training(p, D(2021, m, 1), D(2021, m, 20), **extra) for m in (3, 5, 7, 9)]


def _tables() -> set[str]:
    return {name for name in connection.introspection.table_names() if name.startswith("audit_run_")}


# Starting ---------------------------------------------------------------------------------------


def test_an_officer_audits_their_district_and_its_claims_only(world, officer, audit):
    own = _four_in_a_year(world)
    other = _four_in_a_year(world, district=world.wanzhou)
    run = audit("district", actor=officer, district=world.yuzhong)
    assert (run.status, run.started_by, run.scope_key) == (
        "finished",
        officer,
        f"district:{world.yuzhong.pk}",
    )
    assert found(run) == {("R10.1", own[3].pk, own[0].pk)}
    assert audit("claim", actor=officer, claim=own[3].claim).status == "finished"
    for target in (
        {"scope": "district", "district": world.wanzhou},
        {"scope": "claim", "claim": other[3].claim},
    ):
        with pytest.raises(ApplicationError, match="区县经办人员只能稽核本区县的申领"):
            services.audit_run_start(actor=officer, **target)
    with pytest.raises(ApplicationError):
        services.audit_run_start(actor=officer, scope="all")
    assert AuditRun.objects.count() == 2


@pytest.mark.parametrize("role", ["auditor", "reviewer", "operator", "filer"])
def test_other_roles_start_no_audit(world, role):
    user = UserFactory(**{role: True})
    with pytest.raises(ApplicationError, match="您无权发起"):
        services.audit_run_start(actor=user, scope="district", district=world.yuzhong)
    assert not AuditRun.objects.exists()


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ({"scope": "everything"}, "请选择稽核范围"),
        ({"scope": "district"}, "请选择要稽核的区县"),
        ({"scope": "claim"}, "请填写要稽核的申领编号"),
    ],
)
def test_a_start_without_its_target_is_refused_naming_the_field(world, admin, target, error):
    with pytest.raises(ApplicationError, match=error):
        services.audit_run_start(actor=admin, **target)
    assert not AuditRun.objects.exists()


def test_one_scope_is_audited_once_at_a_time(world, admin, audit):
    queued = services.audit_run_start(actor=admin, scope="district", district=world.yuzhong)
    with pytest.raises(ApplicationError, match=f"正在进行（#{queued.pk}）") as raised:
        services.audit_run_start(actor=admin, scope="district", district=world.yuzhong)
    assert raised.value.field == "scope"
    assert services.audit_run_start(actor=admin, scope="all").status == "queued"
    assert AuditRun.objects.count() == 2


def test_a_run_logs_every_move_and_drops_its_scratch_tables(world, admin, audit):
    _four_in_a_year(world)
    run = audit()
    moves = list(state_changes_for(obj=run).values_list("from_state", "to_state", "actor"))
    assert moves == [("", "queued", admin.pk), ("queued", "running", None), ("running", "finished", None)]
    assert run.rules_version and run.started_at and run.finished_at
    assert (run.lines_count, run.findings_count, run.appeared_count) == (4, 1, 1)
    assert _tables() == set()


def test_nothing_in_scope_finishes_at_once(world, audit):
    run = audit()
    assert (run.status, run.findings_count, run.chunks.count()) == ("finished", 0, 0)


# The lifecycle table ------------------------------------------------------------------------------

STATUSES = ["queued", "running", "finished", "failed"]


@pytest.mark.parametrize("before", STATUSES)
@pytest.mark.parametrize("after", STATUSES)
def test_the_run_lifecycle_allows_only_its_table(world, admin, before, after):
    run = AuditRun.objects.create(scope="all", scope_key="all", rules_version="x", status=before)
    allowed = (before, after) in services.RUN_TRANSITIONS
    if allowed:
        services._move_run(run, after, reason="")
    else:
        with pytest.raises(ApplicationError, match="批量稽核不能从"):
            services._move_run(run, after, reason="")
    run.refresh_from_db()
    assert run.status == (after if allowed else before)
    assert state_changes_for(obj=run).count() == (1 if allowed else 0)


# Chunks done once -------------------------------------------------------------------------------


def _planned(admin, django_capture_on_commit_callbacks, **target) -> AuditRun:
    """A run planned but none of its chunks sent: the state a worker finds after a crash."""
    with django_capture_on_commit_callbacks(execute=False):
        run = services.audit_run_start(actor=admin, **(target or {"scope": "all"}))
    with django_capture_on_commit_callbacks(execute=False):
        services.audit_run_plan(run_id=run.pk)
    return run


def _facts(run: AuditRun) -> set:
    return set(run.findings.values_list("rule", "subject", "other_line_id", "change"))


def test_a_chunk_that_dies_half_way_writes_nothing_and_is_done_whole_the_second_time(
    world, admin, audit, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.AUDIT_CHUNK_LINES = 2
    for _ in range(3):
        _four_in_a_year(world)
    uninterrupted = audit()
    run = _planned(admin, django_capture_on_commit_callbacks)
    real = services.CHUNK_WORK[ChunkKind.PERSONS]

    def dies_after_writing(run, lo, hi):
        real(run, lo, hi)
        raise OperationalError("server closed the connection unexpectedly")

    with django_capture_on_commit_callbacks(execute=False):  # the checks are planned, not sent
        for chunk in run.chunks.filter(phase=1).order_by("pk"):
            services.audit_chunk_run(chunk_id=chunk.pk)
    persons = list(run.chunks.filter(kind=ChunkKind.PERSONS).order_by("pk"))
    assert len(persons) >= 2
    monkeypatch.setitem(services.CHUNK_WORK, ChunkKind.PERSONS, dies_after_writing)
    with pytest.raises(OperationalError):
        services.audit_chunk_run(chunk_id=persons[0].pk)
    persons[0].refresh_from_db()
    assert persons[0].done_at is None
    assert not run.findings.filter(person_id__gte=persons[0].lo, person_id__lte=persons[0].hi).exists()
    monkeypatch.setitem(services.CHUNK_WORK, ChunkKind.PERSONS, real)
    with django_capture_on_commit_callbacks(execute=True):
        for chunk in [*persons, *run.chunks.exclude(kind=ChunkKind.PERSONS).filter(phase=2), *persons]:
            services.audit_chunk_run(chunk_id=chunk.pk)  # delivered again, the persons twice
    run.refresh_from_db()
    assert run.status == "finished"
    assert _facts(run) == {(r, s, o, "persisting") for r, s, o, _ in _facts(uninterrupted)}
    assert run.findings.count() == uninterrupted.findings.count() == 3


def test_a_redelivered_chunk_sends_the_undone_chunks_of_its_phase_again(
    world, admin, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.AUDIT_CHUNK_LINES = 1
    for _ in range(2):
        _four_in_a_year(world)
    run = _planned(admin, django_capture_on_commit_callbacks)
    sent = []
    monkeypatch.setattr(tasks.run_chunk, "delay", lambda run_id, chunk_id: sent.append(chunk_id))
    first, *rest = run.chunks.filter(phase=1).order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_chunk_run(chunk_id=first.pk)
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_chunk_run(chunk_id=first.pk, resend=True)
    assert sent == [c.pk for c in rest]
    assert AuditChunk.objects.get(pk=first.pk).rows > 0


def test_a_plan_delivered_again_plans_nothing_twice(
    world, admin, monkeypatch, django_capture_on_commit_callbacks
):
    _four_in_a_year(world)
    run = _planned(admin, django_capture_on_commit_callbacks)
    sent = []
    monkeypatch.setattr(tasks.run_chunk, "delay", lambda run_id, chunk_id: sent.append(chunk_id))
    chunks = list(run.chunks.order_by("pk").values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_run_plan(run_id=run.pk, resend=True)
    assert list(run.chunks.order_by("pk").values_list("pk", flat=True)) == chunks
    assert sent == list(run.chunks.filter(phase=1).order_by("pk").values_list("pk", flat=True))


def test_a_task_that_gives_up_fails_the_run_and_drops_its_tables(
    world, admin, monkeypatch, django_capture_on_commit_callbacks
):
    _four_in_a_year(world)

    def broken(run, lo, hi):
        raise ValueError("bad slice")

    from config.celery import app

    monkeypatch.setitem(services.CHUNK_WORK, ChunkKind.LINES, broken)
    # As on a worker: the failure is the task's outcome, not an exception in the caller.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_run_start(actor=admin, scope="all")
    run = AuditRun.objects.get()
    assert (run.status, run.error) == ("failed", "ValueError: bad slice")
    assert _tables() == set()
    assert state_changes_for(obj=run).last().to_state == "failed"


def test_the_nightly_task_audits_every_open_claim_once(world, audit, monkeypatch):
    _four_in_a_year(world)
    started = []
    monkeypatch.setattr(tasks.plan_run, "delay", started.append)
    first = tasks.nightly()
    assert tasks.nightly() is None  # the first is still queued
    run = AuditRun.objects.get(pk=first)
    assert (run.scope, run.started_by) == ("all", None)


def test_stalled_runs_are_sent_again_once_then_failed(
    world, admin, monkeypatch, django_capture_on_commit_callbacks, settings
):
    """The sweeper: queued past TASK_QUEUED_RESEND_AFTER, or running with no chunk done past
    TASK_RUNNING_RESEND_AFTER, a run's work is sent again once (recorded); still stuck
    TASK_STUCK_FAIL_AFTER after that, it fails with the reason and its scope is free again."""
    settings.TASK_QUEUED_RESEND_AFTER = timedelta(minutes=10)
    settings.TASK_RUNNING_RESEND_AFTER = timedelta(minutes=45)
    settings.TASK_STUCK_FAIL_AFTER = timedelta(minutes=60)
    _four_in_a_year(world)
    with django_capture_on_commit_callbacks(execute=False):
        queued = services.audit_run_start(actor=admin, scope="district", district=world.yuzhong)
    running = _planned(admin, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        fresh = services.audit_run_start(actor=admin, scope="district", district=world.wanzhou)
    now = timezone.now()
    AuditRun.objects.filter(pk=queued.pk).update(created_at=now - timedelta(minutes=11))
    AuditRun.objects.filter(pk=running.pk).update(
        created_at=now - timedelta(minutes=50), started_at=now - timedelta(minutes=46)
    )
    plans, chunks = [], []
    monkeypatch.setattr(tasks.plan_run, "delay", plans.append)
    monkeypatch.setattr(tasks.run_chunk, "delay", lambda run_id, chunk_id: chunks.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        swept = tasks.sweep()
    assert swept == {"resent": [queued.pk, running.pk], "failed": []}
    assert plans == [queued.pk] and set(chunks) == {running.pk}
    queued.refresh_from_db()
    assert queued.resent_at == now or abs((queued.resent_at - now).total_seconds()) < 5
    assert (
        state_changes_for(obj=queued).order_by("pk").last().reason == "重新投递稽核任务：排队已超过 10 分钟"
    )

    # Sent once only: a second sweep soon after leaves them be.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.audit_runs_sweep(now=now + timedelta(minutes=9)) == {"resent": [], "failed": []}
    assert len(plans) == 1

    # A chunk done after the resend is progress: the running run is given the full hour from it.
    AuditChunk.objects.filter(run=running, phase=1).update(done_at=now + timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        swept = services.audit_runs_sweep(now=now + timedelta(minutes=61))
    assert swept == {"resent": [fresh.pk], "failed": [queued.pk]}  # fresh waited 61 minutes too
    queued.refresh_from_db()
    assert queued.status == "failed"
    assert queued.error == "任务队列暂不可用：重新投递后 60 分钟仍在排队"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.audit_runs_sweep(now=now + timedelta(minutes=81)) == {
            "resent": [],
            "failed": [running.pk],
        }
    running.refresh_from_db()
    assert running.status == "failed" and running.error == "任务队列暂不可用：重新投递后 61 分钟仍无进展"
    assert AuditRun.objects.get(pk=fresh.pk).status == "queued"  # resent 20 minutes ago
    # The district's next audit is no longer blocked.
    with django_capture_on_commit_callbacks(execute=False):
        again = services.audit_run_start(actor=admin, scope="district", district=world.yuzhong)
    assert again.status == "queued"


def test_the_queue_down_at_the_sweepers_resend_fails_the_run_at_once(
    world, admin, monkeypatch, django_capture_on_commit_callbacks, settings
):
    import kombu.exceptions

    def down(*args):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    _four_in_a_year(world)
    with django_capture_on_commit_callbacks(execute=False):
        queued = services.audit_run_start(actor=admin, scope="district", district=world.yuzhong)
    running = _planned(admin, django_capture_on_commit_callbacks)
    monkeypatch.setattr(tasks.plan_run, "delay", down)
    monkeypatch.setattr(tasks.run_chunk, "delay", down)
    later = timezone.now() + timedelta(hours=1)
    # The running run's chunks are sent on commit, and their failure raised from it.
    with (
        pytest.raises(ApplicationError, match="任务队列暂不可用"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.audit_runs_sweep(now=later)
    assert set(AuditRun.objects.values_list("pk", "status", "error")) == {
        (queued.pk, "failed", "任务队列暂不可用"),
        (running.pk, "failed", "任务队列暂不可用"),
    }


# A scope audited again --------------------------------------------------------------------------


def test_a_rerun_reports_what_appeared_persisted_and_cleared(world, admin, audit):
    staying = _four_in_a_year(world)
    going = _four_in_a_year(world)
    first = audit()
    assert (first.findings_count, first.appeared_count, first.previous) == (2, 2, None)
    going[1].decision = "rejected"
    going[1].save()
    coming = _four_in_a_year(world)
    second = audit()
    assert second.previous == first
    assert (second.findings_count, second.appeared_count, second.persisting_count, second.cleared_count) == (
        2,
        1,
        1,
        1,
    )
    changes = {(f.line_id, f.change) for f in second.findings.all()}
    assert changes == {(staying[3].pk, "persisting"), (coming[3].pk, "appeared"), (going[3].pk, "cleared")}
    assert first.findings.count() == 2  # the first run keeps what it found


def test_an_officers_decision_follows_the_finding_into_later_runs_until_it_clears(world, officer, audit):
    lines = _four_in_a_year(world)
    first = audit("district", actor=officer, district=world.yuzhong)
    finding = first.findings.get()
    services.audit_finding_resolve(
        finding=finding, actor=officer, to="dismissed", reason="第四次为补录，已核实"
    )
    again = audit()  # another scope: the nightly city-wide run
    kept = again.findings.get()
    assert (kept.status, kept.resolution_reason, kept.resolved_by) == (
        "dismissed",
        "第四次为补录，已核实",
        officer,
    )
    lines[3].decision = "rejected"
    lines[3].save()
    cleared = audit()
    assert cleared.findings.get().change == "cleared"
    lines[3].decision = "pending"
    lines[3].save()
    back = audit()
    assert back.findings.get().status == "open"


FINDING_STATUSES = ["open", "confirmed", "dismissed"]


@pytest.mark.parametrize("before", FINDING_STATUSES)
@pytest.mark.parametrize("after", FINDING_STATUSES)
def test_the_finding_lifecycle_allows_only_its_table(world, officer, audit, before, after):
    _four_in_a_year(world)
    finding = audit().findings.get()
    AuditFinding.objects.filter(pk=finding.pk).update(status=before)
    finding.refresh_from_db()
    if (before, after) in services.FINDING_TRANSITIONS:
        services.audit_finding_resolve(finding=finding, actor=officer, to=after, reason="核实")
        finding.refresh_from_db()
        assert finding.status == after
        assert state_changes_for(obj=finding).filter(to_state=after).exists()
    else:
        with pytest.raises(ApplicationError, match="稽核疑点不能从"):
            services.audit_finding_resolve(finding=finding, actor=officer, to=after, reason="核实")
        finding.refresh_from_db()
        assert finding.status == before
        assert not state_changes_for(obj=finding).exists()


def test_a_decision_needs_a_reason_and_an_officer_of_the_district(world, officer, audit):
    _four_in_a_year(world, district=world.wanzhou)
    finding = audit().findings.get()
    with pytest.raises(ApplicationError, match="只有疑点所在区县的经办人员"):
        services.audit_finding_resolve(finding=finding, actor=officer, to="confirmed", reason="核实")
    wanzhou_officer = UserFactory(officer=True, district=world.wanzhou)
    with pytest.raises(ApplicationError, match="确认疑点须填写处理意见") as raised:
        services.audit_finding_resolve(finding=finding, actor=wanzhou_officer, to="confirmed", reason="  ")
    assert raised.value.field == "reason"
    finding.refresh_from_db()
    assert (finding.status, finding.resolved_by) == ("open", None)


def test_a_cleared_finding_needs_no_decision(world, officer, audit):
    lines = _four_in_a_year(world)
    audit()
    lines[3].decision = "rejected"
    lines[3].save()
    cleared = audit().findings.get()
    with pytest.raises(ApplicationError, match="已消除"):
        services.audit_finding_resolve(finding=cleared, actor=officer, to="dismissed", reason="核实")


def test_scratch_names_come_from_the_run_id_only(world):
    run = AuditRun(pk=42)
    assert (checks.lines_table(run), checks.limits_table(run)) == (
        "audit_run_42_lines",
        "audit_run_42_limits",
    )
