"""The one lifecycle mechanism (apps.core.lifecycle), on a table of its own over the audit run:
the table, the role, the guards, the reason, the log row, and what a refusal leaves behind."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.audits.models import AuditRun, RunStatus
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Guard, Lifecycle, Transition, Who, anyone, move, nobody
from apps.core.selectors import state_changes_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

R = RunStatus


def _too_early(run, actor, context):
    return ApplicationError("还不能完成", field="status") if context.get("early") else None


def _no_scratch(run, actor, context):
    return ApplicationError("没有分片") if run.scope_key == "bare" else None


TABLE = Lifecycle(
    name="测试运行",
    model=AuditRun,
    states=R,
    transitions=(
        Transition(R.QUEUED, R.RUNNING, "开始", "admin"),
        Transition(R.RUNNING, R.FINISHED, "完成", "admin", guards=(Guard("时间已到", _too_early),)),
        Transition(
            R.RUNNING, R.FAILED, "失败", "admin", True, guards=(Guard("有分片", _no_scratch, offered=True),)
        ),
        Transition(R.QUEUED, R.FAILED, "放弃", "workers"),
    ),
    roles={
        "admin": Who("管理员", lambda actor, run: actor.is_municipal_admin),
        "workers": Who("任务", nobody),
    },
)


def _run(status=R.QUEUED, key="all"):
    return AuditRun.objects.create(scope="all", scope_key=key, rules_version="x", status=status)


@pytest.fixture
def admin():
    return UserFactory(municipal_admin=True)


def test_a_move_of_the_table_saves_and_logs_in_one_go(admin):
    run = _run()
    moved = move(TABLE, run, actor=admin, to=R.RUNNING, reason="  开始吧 ")
    run.refresh_from_db()
    assert moved.status == run.status == R.RUNNING
    (row,) = state_changes_for(obj=run)
    assert (row.actor, row.from_state, row.to_state, row.reason) == (admin, R.QUEUED, R.RUNNING, "开始吧")


@pytest.mark.parametrize(
    ("status", "to", "actor", "given", "key", "reason", "message"),
    [
        pytest.param(
            R.QUEUED,
            R.FINISHED,
            "admin",
            {},
            "all",
            "",
            "测试运行不能从“排队中”变为“已完成”",
            id="not in the table",
        ),
        pytest.param(
            R.QUEUED,
            "nowhere",
            "admin",
            {},
            "all",
            "",
            "测试运行不能从“排队中”变为“nowhere”",
            id="unknown state",
        ),
        pytest.param(
            R.QUEUED, R.RUNNING, "officer", {}, "all", "", "您无权对该测试运行执行“开始”", id="wrong role"
        ),
        pytest.param(R.RUNNING, R.FINISHED, "admin", {"early": True}, "all", "", "还不能完成", id="guard"),
        pytest.param(R.RUNNING, R.FAILED, "admin", {}, "all", " ", "失败须填写原因", id="reason"),
        pytest.param(R.RUNNING, R.FAILED, "admin", {}, "bare", "x", "没有分片", id="guard before reason"),
    ],
)
def test_a_refusal_is_one_application_error_and_writes_nothing(
    admin, status, to, actor, given, key, reason, message
):
    run = _run(status, key)
    who = admin if actor == "admin" else UserFactory(officer=True)
    with pytest.raises(ApplicationError) as exc:
        move(TABLE, run, actor=who, to=to, reason=reason, context=given)
    assert exc.value.message == message
    run.refresh_from_db()
    assert run.status == status
    assert not state_changes_for(obj=run).exists()


def test_a_move_reserved_to_a_role_is_made_only_by_the_service_that_holds_it(admin):
    run = _run()
    with pytest.raises(ApplicationError, match="您无权"):
        move(TABLE, run, actor=admin, to=R.FAILED)
    with pytest.raises(ApplicationError, match="不能从“排队中”变为“稽核中”"):
        move(TABLE, run, actor=None, to=R.RUNNING, as_role="workers")
    move(TABLE, run, actor=None, to=R.FAILED, as_role="workers", lock=False, log_reason="放弃了")
    assert list(state_changes_for(obj=run).values_list("reason", flat=True)) == ["放弃了"]


def test_a_lifecycle_may_admit_first_and_answer_in_its_own_words(admin):
    def admit(run, actor):
        raise PermissionDenied("您无权执行此操作")

    strict = Lifecycle(
        name="严格", model=AuditRun, states=R, transitions=TABLE.transitions, roles=TABLE.roles, admit=admit
    )
    with pytest.raises(PermissionDenied):
        move(strict, _run(), actor=admin, to=R.RUNNING)


def test_options_say_which_moves_the_actor_may_make_and_why_not_the_others(admin):
    run = _run(R.RUNNING, key="bare")
    options = {option.transition.target: option for option in TABLE.options(run, admin)}
    assert set(options) == {R.FINISHED, R.FAILED}
    assert options[R.FINISHED].allowed  # its guard is asked only when the move is made
    assert str(options[R.FAILED].refusal) == "没有分片"  # an offered guard is asked now
    officer = UserFactory(officer=True)
    assert TABLE.allowed(run, officer) == []
    assert "您无权" in str(TABLE.options(run, officer)[0].refusal)


def test_a_table_names_each_move_once_and_only_known_roles():
    with pytest.raises(ValueError, match="twice"):
        Lifecycle(
            name="重复",
            model=AuditRun,
            states=R,
            transitions=(
                Transition(R.QUEUED, R.RUNNING, "a", "x"),
                Transition(R.QUEUED, R.RUNNING, "b", "x"),
            ),
            roles={"x": Who("x", anyone)},
        )
    with pytest.raises(ValueError, match="unknown role"):
        Lifecycle(
            name="无名",
            model=AuditRun,
            states=R,
            transitions=(Transition(R.QUEUED, R.RUNNING, "a", "y"),),
            roles={},
        )


def test_targets_list_every_state_with_where_it_may_go():
    assert TABLE.targets() == {
        R.QUEUED: {R.RUNNING, R.FAILED},
        R.RUNNING: {R.FINISHED, R.FAILED},
        R.FINISHED: set(),
        R.FAILED: set(),
    }
