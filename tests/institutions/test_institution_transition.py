"""The institution lifecycle (R4.1): every move of the transition table, every move it refuses,
and who may make them. A refused move changes nothing and writes no log row."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.selectors import state_changes_for
from apps.core.services import state_change_record
from apps.institutions.models import InstitutionKind, InstitutionStatus
from apps.institutions.services import TRANSITIONS, institution_transition
from tests.factories import NumberedInstitutionFactory, UserFactory, district

pytestmark = pytest.mark.django_db

S = InstitutionStatus
SCHOOL = InstitutionKind.DISTRICT_PRIVATE_SCHOOL
CENTRE = InstitutionKind.ENTERPRISE_CENTRE


def _actor(who: str):
    if who == "admin":
        return UserFactory(municipal_admin=True)
    return UserFactory(officer=True, district=district("500103"))


def _institution(status: str, kind: str = SCHOOL, *, suspended_from: str | None = None):
    institution = NumberedInstitutionFactory(status=status, kind=kind)
    if suspended_from is not None:
        state_change_record(obj=institution, actor=None, from_state=suspended_from, to_state=S.SUSPENDED)
    return institution


ALLOWED = [
    pytest.param(
        S.APPLIED, S.RECOGNISED, SCHOOL, None, "officer", "", id="applied -> recognised by the officer"
    ),
    pytest.param(S.APPLIED, S.RECOGNISED, CENTRE, None, "admin", "", id="applied -> recognised by the admin"),
    pytest.param(
        S.RECOGNISED, S.FILED, CENTRE, None, "admin", "", id="centre recognised -> filed by the admin"
    ),
    pytest.param(
        S.RECOGNISED, S.SUSPENDED, SCHOOL, None, "officer", "投诉核查", id="recognised -> suspended"
    ),
    pytest.param(S.FILED, S.SUSPENDED, CENTRE, None, "admin", "投诉核查", id="filed -> suspended"),
    pytest.param(
        S.SUSPENDED, S.RECOGNISED, SCHOOL, S.RECOGNISED, "officer", "整改完成", id="suspended -> recognised"
    ),
    pytest.param(
        S.SUSPENDED,
        S.FILED,
        CENTRE,
        S.FILED,
        "admin",
        "整改完成",
        id="suspended -> filed when it had been filed",
    ),
    pytest.param(
        S.SUSPENDED,
        S.RECOGNISED,
        SCHOOL,
        None,
        "officer",
        "整改完成",
        id="suspended -> recognised, no record",
    ),
    pytest.param(S.APPLIED, S.REVOKED, SCHOOL, None, "officer", "材料造假", id="applied -> revoked"),
    pytest.param(S.RECOGNISED, S.REVOKED, SCHOOL, None, "officer", "骗取补贴", id="recognised -> revoked"),
    pytest.param(S.FILED, S.REVOKED, CENTRE, None, "admin", "骗取补贴", id="filed -> revoked"),
    pytest.param(
        S.SUSPENDED, S.REVOKED, SCHOOL, S.RECOGNISED, "officer", "逾期未整改", id="suspended -> revoked"
    ),
]


@pytest.mark.parametrize(("source", "target", "kind", "suspended_from", "who", "reason"), ALLOWED)
def test_allowed_transition_changes_status_and_logs_it(source, target, kind, suspended_from, who, reason):
    institution = _institution(source, kind, suspended_from=suspended_from)
    actor = _actor(who)
    before = state_changes_for(obj=institution).count()

    changed = institution_transition(institution=institution, actor=actor, to=target, reason=reason)

    institution.refresh_from_db()
    assert changed.status == institution.status == target
    log = list(state_changes_for(obj=institution))
    assert len(log) == before + 1
    last = log[-1]
    assert (last.actor, last.from_state, last.to_state, last.reason) == (actor, source, target, reason)


def test_every_pair_of_the_table_is_walked_above():
    walked = {(p.values[0], p.values[1]) for p in ALLOWED}
    assert walked == set(TRANSITIONS)


FORBIDDEN_PAIRS = [
    pytest.param(source, target, id=f"{source} -> {target} is refused")
    for source in S.values
    for target in S.values
    if (source, target) not in TRANSITIONS
]


def _assert_unchanged(institution, status: str, log_rows: int) -> None:
    institution.refresh_from_db()
    assert institution.status == status
    assert state_changes_for(obj=institution).count() == log_rows


@pytest.mark.parametrize(("source", "target"), FORBIDDEN_PAIRS)
def test_moves_outside_the_table_are_refused_naming_from_and_to(source, target):
    institution = _institution(source, CENTRE)
    admin = UserFactory(municipal_admin=True)

    with pytest.raises(ApplicationError) as exc:
        institution_transition(institution=institution, actor=admin, to=target, reason="试图变更")

    assert exc.value.rule == "R4.1"
    assert f"“{S(target).label}”" in exc.value.message
    assert str(S(source).label) in exc.value.message
    _assert_unchanged(institution, source, 0)


REFUSED_BY_RULE = [
    pytest.param(
        S.RECOGNISED, S.FILED, SCHOOL, None, "admin", "", "只有企业职工培训中心", id="a school is not filed"
    ),
    pytest.param(
        S.RECOGNISED,
        S.FILED,
        InstitutionKind.TECHNICAL_COLLEGE,
        None,
        "admin",
        "",
        "技工院校不能备案",
        id="a technical college is not filed",
    ),
    pytest.param(
        S.SUSPENDED,
        S.RECOGNISED,
        CENTRE,
        S.FILED,
        "admin",
        "整改完成",
        "只能恢复为“已备案”",
        id="a filed centre is reinstated as filed, not recognised",
    ),
    pytest.param(
        S.SUSPENDED,
        S.FILED,
        CENTRE,
        S.RECOGNISED,
        "admin",
        "整改完成",
        "只能恢复为“已认定”",
        id="a centre suspended before filing is not filed by reinstatement",
    ),
    pytest.param(
        S.RECOGNISED, S.SUSPENDED, SCHOOL, None, "officer", "  ", "须填写原因", id="suspend needs a reason"
    ),
    pytest.param(
        S.SUSPENDED,
        S.RECOGNISED,
        SCHOOL,
        S.RECOGNISED,
        "officer",
        "",
        "须填写原因",
        id="reinstate needs a reason",
    ),
    pytest.param(S.APPLIED, S.REVOKED, SCHOOL, None, "officer", "", "须填写原因", id="revoke needs a reason"),
    pytest.param(S.APPLIED, "approved", SCHOOL, None, "officer", "", "未知的机构状态", id="unknown status"),
]


@pytest.mark.parametrize(
    ("source", "target", "kind", "suspended_from", "who", "reason", "says"), REFUSED_BY_RULE
)
def test_moves_refused_by_kind_history_or_missing_reason(
    source, target, kind, suspended_from, who, reason, says
):
    institution = _institution(source, kind, suspended_from=suspended_from)
    log_rows = state_changes_for(obj=institution).count()

    with pytest.raises(ApplicationError) as exc:
        institution_transition(institution=institution, actor=_actor(who), to=target, reason=reason)

    assert says in exc.value.message
    _assert_unchanged(institution, source, log_rows)


DENIED_ACTORS = [
    pytest.param(
        lambda: UserFactory(officer=True, district=district("500101")), id="officer of another district"
    ),
    pytest.param(lambda: UserFactory(reviewer=True, engaged=[district("500103")]), id="engaged reviewer"),
    pytest.param(lambda: UserFactory(operator=True), id="institution operator"),
    pytest.param(lambda: UserFactory(filer=True), id="enterprise filer"),
    pytest.param(lambda: UserFactory(auditor=True), id="auditor"),
]


@pytest.mark.parametrize("make_actor", DENIED_ACTORS)
@pytest.mark.parametrize(
    ("source", "target"),
    [(S.APPLIED, S.RECOGNISED), (S.RECOGNISED, S.SUSPENDED), (S.RECOGNISED, S.REVOKED)],
)
def test_only_the_officer_of_the_district_or_the_admin_changes_status(make_actor, source, target):
    institution = _institution(source)
    institution.members.add(UserFactory(operator=True))
    actor = make_actor()
    if actor.role == "institution_operator":
        institution.members.add(actor)  # even its own operator may not

    with pytest.raises(PermissionDenied):
        institution_transition(institution=institution, actor=actor, to=target, reason="越权")

    _assert_unchanged(institution, source, 0)


def test_only_the_municipal_admin_files_an_enterprise_centre():
    centre = _institution(S.RECOGNISED, CENTRE)
    officer = _actor("officer")

    with pytest.raises(PermissionDenied):
        institution_transition(institution=centre, actor=officer, to=S.FILED)

    _assert_unchanged(centre, S.RECOGNISED, 0)
    assert StateChange.objects.count() == 0
