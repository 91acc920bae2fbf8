"""Every allowed and every forbidden move of the class lifecycle table, the R2.3 override,
R6.2 and the approval snapshot (R9.2)."""

from datetime import date, time
from decimal import Decimal

import pytest

from apps.catalog.services import rate_row_save
from apps.classes.models import ClassStatus
from apps.classes.services import TRANSITIONS, SessionInput, class_transition, class_update
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.selectors import state_changes_for
from apps.institutions.models import InstitutionOccupation
from apps.rules import RULES_VERSION
from tests.classes.conftest import WEEKEND_SESSIONS, class_values
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db
S = ClassStatus

# The path from a draft to each status, and who makes each move.
PATH = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.APPROVED: [S.SUBMITTED, S.APPROVED],
    S.RETURNED: [S.SUBMITTED, S.RETURNED],
    S.REJECTED: [S.SUBMITTED, S.REJECTED],
    S.RUNNING: [S.SUBMITTED, S.APPROVED, S.RUNNING],
    S.COMPLETED: [S.SUBMITTED, S.APPROVED, S.RUNNING, S.COMPLETED],
    S.CLOSED: [S.SUBMITTED, S.APPROVED, S.RUNNING, S.COMPLETED, S.CLOSED],
}


@pytest.fixture
def officer(db):
    return UserFactory(officer=True)


@pytest.fixture(autouse=True)
def after_the_class(monkeypatch):
    """The walks complete the class (ending 2026-12-20): a day after it, whatever the clock says."""
    from apps.core import dates

    monkeypatch.setattr(dates, "today", lambda: date(2026, 12, 31))


def _actor(to, operator, officer):
    return (
        operator if TRANSITIONS[next(k for k in TRANSITIONS if k[1] == to)].actor == "operator" else officer
    )


def _walk(training_class, target, operator, officer):
    for to in PATH[target]:
        training_class = class_transition(
            training_class=training_class, actor=_actor(to, operator, officer), to=to, reason="测试原因"
        )
    return training_class


@pytest.mark.parametrize(("current", "to"), list(TRANSITIONS), ids=[f"{a}->{b}" for a, b in TRANSITIONS])
def test_allowed_transition(make_class, operator, officer, current, to):
    training_class = _walk(make_class(), current, operator, officer)
    actor = operator if TRANSITIONS[(current, to)].actor == "operator" else officer
    moved = class_transition(training_class=training_class, actor=actor, to=to, reason="测试原因")
    assert moved.status == to
    last = list(state_changes_for(obj=moved))[-1]
    assert (last.from_state, last.to_state, last.actor, last.reason) == (current, to, actor, "测试原因")


FORBIDDEN = [(a, b) for a in S.values for b in S.values if (a, b) not in TRANSITIONS]


@pytest.mark.parametrize(("current", "to"), FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_forbidden_transition_changes_nothing(make_class, operator, officer, current, to):
    training_class = _walk(make_class(), current, operator, officer)
    logged = StateChange.objects.count()
    for actor in (operator, officer):
        with pytest.raises(ApplicationError):
            class_transition(training_class=training_class, actor=actor, to=to, reason="x")
    training_class.refresh_from_db()
    assert training_class.status == current
    assert StateChange.objects.count() == logged


@pytest.mark.parametrize(("current", "to"), list(TRANSITIONS), ids=[f"{a}->{b}" for a, b in TRANSITIONS])
def test_the_wrong_party_cannot_move(make_class, operator, officer, current, to):
    training_class = _walk(make_class(), current, operator, officer)
    wrong = officer if TRANSITIONS[(current, to)].actor == "operator" else operator
    other_officer = UserFactory(officer=True, district=district("500101"))
    for actor in (wrong, other_officer, UserFactory(auditor=True)):
        with pytest.raises(ApplicationError):
            class_transition(training_class=training_class, actor=actor, to=to, reason="x")
    training_class.refresh_from_db()
    assert training_class.status == current


def test_return_and_reject_need_a_reason(make_class, operator, officer):
    training_class = class_transition(training_class=make_class(), actor=operator, to=S.SUBMITTED)
    for to in (S.RETURNED, S.REJECTED):
        with pytest.raises(ApplicationError) as exc:
            class_transition(training_class=training_class, actor=officer, to=to, reason="  ")
        assert exc.value.field == "reason"


def test_returned_application_is_edited_and_resubmitted(make_class, operator, officer, lathe):
    training_class = _walk(make_class(), S.RETURNED, operator, officer)
    class_update(
        actor=operator,
        training_class=training_class,
        values=class_values(lathe, venue="新场地"),
        sessions=WEEKEND_SESSIONS,
    )
    resubmitted = class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    assert (resubmitted.status, resubmitted.venue) == (S.SUBMITTED, "新场地")


def test_submitted_application_cannot_be_edited(make_class, operator, lathe):
    training_class = class_transition(training_class=make_class(), actor=operator, to=S.SUBMITTED)
    with pytest.raises(ApplicationError):
        class_update(
            actor=operator,
            training_class=training_class,
            values=class_values(lathe),
            sessions=WEEKEND_SESSIONS,
        )


def test_approval_copies_the_rate_row_in_force_and_versions_r1_6(make_class, operator, officer, rates):
    approved = _walk(make_class(), S.APPROVED, operator, officer)
    assert approved.rate_row == rates[4]
    assert (approved.standard, approved.rate, approved.class_hours, approved.online_rate) == (
        Decimal("1500.00"),
        Decimal("150.00"),
        60,
        Decimal("60.00"),
    )
    assert approved.rules_version == RULES_VERSION
    assert approved.policy_version == "渝人社发〔2021〕12号"


def test_snapshot_is_unchanged_after_the_rate_table_changes(make_class, operator, officer, rates):
    from apps.classes.engine import class_quote_current

    approved = _walk(make_class(), S.APPROVED, operator, officer)
    before = class_quote_current(
        training_class=approved, sessions=list(approved.sessions.all())
    ).per_trainee.amount
    rate_row_save(
        actor=UserFactory(municipal_admin=True),
        district=district("500103"),
        occupation=None,
        major_category=6,
        level=4,
        standard=Decimal("1500"),
        rate=Decimal("200"),
        effective_from=approved.approved_on,
        effective_to=None,
        row=rates[4],
        reason="上调",
    )
    approved.refresh_from_db()
    assert (approved.rate, approved.class_hours) == (Decimal("150.00"), 60)
    after = class_quote_current(
        training_class=approved, sessions=list(approved.sessions.all())
    ).per_trainee.amount
    assert before == after == Decimal("1410.00")  # 150 × 54 / 6 + 60 × 6 / 6


def test_online_over_30_percent_needs_the_officers_written_override(make_class, operator, officer):
    # 40 class-hours online of 60 planned: over ⌊0.30 × 60⌋ = 18
    online_heavy = [
        SessionInput(date(2026, 12, 5), time(9, 0), time(12, 0), "offline"),  # 4
        SessionInput(date(2026, 12, 6), time(9, 0), time(12, 0), "offline"),  # 4
        *[SessionInput(date(2026, 12, d), time(8, 0), time(15, 30), "live") for d in (7, 8, 9, 10)],  # 4 × 10
    ]
    training_class = class_transition(
        training_class=make_class(sessions=online_heavy), actor=operator, to=S.SUBMITTED
    )
    assert any(f["rule"] == "R2.3" and f["severity"] == "O" for f in training_class.findings)
    assert training_class.has_findings
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=training_class, actor=officer, to=S.APPROVED)
    assert exc.value.rule == "R2.3"
    training_class.refresh_from_db()
    assert training_class.status == S.SUBMITTED
    approved = class_transition(
        training_class=training_class,
        actor=officer,
        to=S.APPROVED,
        online_override_reason="疫情期间集中线上授课，经局务会同意",
    )
    assert approved.status == S.APPROVED
    assert approved.online_override_reason == "疫情期间集中线上授课，经局务会同意"


def test_district_private_school_cannot_run_a_technician_class(make_class, operator, school, lathe):
    InstitutionOccupation.objects.create(
        institution=school, occupation=lathe, level=2, recognised_on=date(2021, 3, 1)
    )
    training_class = make_class(level=2)
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    assert exc.value.rule == "R6.2"
    training_class.refresh_from_db()
    assert training_class.status == S.DRAFT


def test_senior_class_needs_the_explicit_recognition(make_class, operator, school, lathe):
    InstitutionOccupation.objects.filter(institution=school, level=3).delete()
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=make_class(level=3), actor=operator, to=S.SUBMITTED)
    assert exc.value.rule == "R6.2"


def test_unrecognised_occupation_is_refused(make_class, operator, school):
    InstitutionOccupation.objects.filter(institution=school, level=4).delete()
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=make_class(), actor=operator, to=S.SUBMITTED)
    assert exc.value.rule == "R4.1"


def test_no_rate_row_means_no_submission(make_class, operator, rates):
    rates[4].delete()
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=make_class(), actor=operator, to=S.SUBMITTED)
    assert exc.value.rule == "R1.6"


def test_suspended_institution_cannot_submit(make_class, operator, school):
    training_class = make_class()
    school.status = "suspended"
    school.save()
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    assert exc.value.rule == "R4.1"


def test_sessions_outside_the_class_dates_are_refused(make_class):
    with pytest.raises(ApplicationError) as exc:
        make_class(sessions=[SessionInput(date(2027, 1, 9), time(9, 0), time(12, 0), "offline")])
    assert "第 1 次课" in exc.value.message


def test_a_class_needs_sessions(make_class):
    with pytest.raises(ApplicationError):
        make_class(sessions=[])


def test_approval_beyond_the_institutions_training_plan_is_refused(make_class, operator, officer, rates):
    """Issue 19, part 3: the plan (person-times of the classes' end year) is held at approval; audit
    rule A5 stays as the safety net on completion claims."""
    from apps.core.errors import ApplicationError
    from tests.factories import InstitutionYearFactory

    first = make_class()
    year = first.end_date.year
    plan = InstitutionYearFactory(
        institution=first.institution, year=year, plan_quota=first.planned_trainees + 5
    )
    _walk(first, S.APPROVED, operator, officer)
    second = make_class(name="车工中级二班")
    second = class_transition(training_class=second, actor=operator, to=S.SUBMITTED)
    with pytest.raises(ApplicationError) as refused:
        class_transition(training_class=second, actor=officer, to=S.APPROVED)
    message = str(refused.value)
    assert f"{year} 年培训计划额度 {plan.plan_quota} 人次" in message
    assert (
        f"已批准开班 1 个、计划 {first.planned_trainees} 人次" in message
        and refused.value.field == "planned_trainees"
    )
    second.refresh_from_db()
    assert second.status == S.SUBMITTED
    # A larger plan lets it through; no plan entered for the year is not checked.
    plan.plan_quota = first.planned_trainees + second.planned_trainees
    plan.save(update_fields=["plan_quota"])
    assert class_transition(training_class=second, actor=officer, to=S.APPROVED).status == S.APPROVED
    plan.delete()
    third = class_transition(training_class=make_class(name="车工中级三班"), actor=operator, to=S.SUBMITTED)
    assert class_transition(training_class=third, actor=officer, to=S.APPROVED).status == S.APPROVED
