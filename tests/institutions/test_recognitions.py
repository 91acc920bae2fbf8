"""Recognised occupations and levels (R4.1, R6.2), high-skill bases, the yearly evaluation and
the organisation's own details: who may change them, and the log row each change writes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.selectors import state_changes_for
from apps.institutions import services
from apps.institutions.models import InstitutionKind, InstitutionOccupation, InstitutionYear
from apps.institutions.selectors import history_for
from tests.factories import (
    InstitutionOccupationFactory,
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    OccupationFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return NumberedInstitutionFactory(kind=InstitutionKind.DISTRICT_PRIVATE_SCHOOL)


@pytest.fixture
def cook():
    return OccupationFactory(cook=True)


def test_the_officer_recognises_an_occupation_and_level_and_it_is_logged(school, cook, officer_yuzhong):
    row = services.institution_recognition_add(
        institution=school, actor=officer_yuzhong, occupation=cook, level=4, recognised_on=date(2021, 4, 1)
    )

    assert (row.occupation, row.level, row.recognised_on) == (cook, 4, date(2021, 4, 1))
    [log] = state_changes_for(obj=school)
    assert (log.actor, log.to_state) == (officer_yuzhong, "recognition_added")
    assert (log.changes["occupation"], log.changes["level"]) == ("4-03-02-01", 4)
    assert history_for(obj=school)[0].detail == "4-03-02-01 中式烹调师（四级/中级工），认定日期 2021-04-01"


@pytest.mark.parametrize(
    ("level", "says"),
    [
        pytest.param(2, "不得开展技师培训", id="level 2 refused"),
        pytest.param(1, "不得开展高级技师培训", id="level 1 refused"),
    ],
)
def test_a_district_private_school_is_not_recognised_above_level_3(
    school, cook, officer_yuzhong, level, says
):
    with pytest.raises(ApplicationError) as exc:
        services.institution_recognition_add(
            institution=school, actor=officer_yuzhong, occupation=cook, level=level
        )

    assert (exc.value.rule, exc.value.field) == ("R6.2", "level")
    assert says in exc.value.message and "区县级民办职业培训学校" in exc.value.message
    assert not InstitutionOccupation.objects.exists()
    assert not state_changes_for(obj=school).exists()


@pytest.mark.parametrize(
    ("kind", "level"),
    [
        pytest.param(
            InstitutionKind.DISTRICT_PRIVATE_SCHOOL, 3, id="district school at level 3 (R6.2 recognition)"
        ),
        pytest.param(
            InstitutionKind.DISTRICT_PRIVATE_SCHOOL, None, id="district school for a special ability"
        ),
        pytest.param(InstitutionKind.MUNICIPAL_PRIVATE_SCHOOL, 2, id="municipal school at level 2"),
        pytest.param(InstitutionKind.TECHNICAL_COLLEGE, 1, id="technical college at level 1"),
    ],
)
def test_levels_that_may_be_recognised(cook, officer_yuzhong, kind, level):
    institution = NumberedInstitutionFactory(kind=kind)
    row = services.institution_recognition_add(
        institution=institution, actor=officer_yuzhong, occupation=cook, level=level
    )
    assert row.level == level and row.recognised_on == timezone.localdate()


def test_the_same_occupation_and_level_is_recognised_once(school, cook, officer_yuzhong):
    services.institution_recognition_add(
        institution=school, actor=officer_yuzhong, occupation=cook, level=None
    )
    with pytest.raises(ApplicationError) as exc:
        services.institution_recognition_add(
            institution=school, actor=officer_yuzhong, occupation=cook, level=None
        )
    assert "已认定，无需重复认定" in exc.value.message
    assert InstitutionOccupation.objects.count() == 1


def test_a_recognition_date_in_the_future_and_a_revoked_institution_are_refused(cook, officer_yuzhong):
    school = NumberedInstitutionFactory()
    with pytest.raises(ApplicationError) as exc:
        services.institution_recognition_add(
            institution=school,
            actor=officer_yuzhong,
            occupation=cook,
            level=5,
            recognised_on=timezone.localdate() + timedelta(days=1),
        )
    assert exc.value.field == "recognised_on"
    revoked = NumberedInstitutionFactory(revoked=True)
    with pytest.raises(ApplicationError) as exc:
        services.institution_recognition_add(
            institution=revoked, actor=officer_yuzhong, occupation=cook, level=5
        )
    assert "已撤销" in exc.value.message
    assert not InstitutionOccupation.objects.exists()


@pytest.mark.parametrize(
    "make_actor",
    [
        pytest.param(
            lambda: UserFactory(officer=True, district=district("500101")), id="officer of another district"
        ),
        pytest.param(lambda: UserFactory(auditor=True), id="auditor"),
        pytest.param(lambda: UserFactory(reviewer=True, engaged=[district("500103")]), id="reviewer"),
        pytest.param(lambda: UserFactory(operator=True), id="operator"),
    ],
)
def test_others_may_not_recognise(school, cook, make_actor):
    with pytest.raises(PermissionDenied):
        services.institution_recognition_add(institution=school, actor=make_actor(), occupation=cook, level=5)
    assert not InstitutionOccupation.objects.exists()


def test_removing_a_recognition_needs_a_reason_and_is_logged(officer_yuzhong):
    row = InstitutionOccupationFactory(level=3)
    school = row.institution
    with pytest.raises(ApplicationError) as exc:
        services.institution_recognition_remove(recognition=row, actor=officer_yuzhong, reason=" ")
    assert exc.value.field == "reason"
    assert InstitutionOccupation.objects.count() == 1

    services.institution_recognition_remove(recognition=row, actor=officer_yuzhong, reason="师资不足")

    assert not InstitutionOccupation.objects.exists()
    [log] = state_changes_for(obj=school)
    assert (log.to_state, log.reason, log.changes["occupation"], log.changes["level"]) == (
        "recognition_removed",
        "师资不足",
        "4-03-02-01",
        3,
    )


def test_the_admin_names_a_high_skill_base_others_may_not(school, municipal_admin, officer_yuzhong):
    with pytest.raises(PermissionDenied):
        services.institution_high_skill_set(
            institution=school, actor=officer_yuzhong, base="national", reason="x"
        )

    services.institution_high_skill_set(
        institution=school, actor=municipal_admin, base="municipal", reason="渝人社〔2021〕 第二批"
    )

    school.refresh_from_db()
    assert school.high_skill_base == "municipal"
    [log] = state_changes_for(obj=school)
    assert log.changes == {"high_skill_base": ["none", "municipal"]}
    with pytest.raises(ApplicationError):
        services.institution_high_skill_set(
            institution=school, actor=municipal_admin, base="municipal", reason="x"
        )
    with pytest.raises(ApplicationError) as exc:
        services.institution_high_skill_set(
            institution=school, actor=municipal_admin, base="national", reason=""
        )
    assert exc.value.field == "reason"


def test_the_yearly_evaluation_is_one_row_per_year_updated_in_place(school, officer_yuzhong):
    services.institution_year_set(
        institution=school,
        actor=officer_yuzhong,
        year=2021,
        evaluation_score=Decimal("78.50"),
        plan_quota=200,
        reason="现场评估",
    )
    services.institution_year_set(
        institution=school,
        actor=officer_yuzhong,
        year=2021,
        evaluation_score=Decimal("91"),
        plan_quota=260,
        reason="复核后改分",
    )

    row = InstitutionYear.objects.get()
    assert (row.year, row.evaluation_score, row.plan_quota) == (2021, Decimal("91.00"), 260)
    first, second = state_changes_for(obj=school)
    assert first.changes == {"year": 2021, "evaluation_score": [None, "78.50"], "plan_quota": [None, 200]}
    assert second.changes == {"year": 2021, "evaluation_score": ["78.50", "91.00"], "plan_quota": [200, 260]}


@pytest.mark.parametrize(
    ("year", "score", "quota", "field"),
    [
        pytest.param(2021, Decimal("100.01"), 10, "evaluation_score", id="score above 100"),
        pytest.param(2021, Decimal("-0.01"), 10, "evaluation_score", id="negative score"),
        pytest.param(2021, Decimal("80.125"), 10, "evaluation_score", id="three decimals"),
        pytest.param(2021, None, -1, "plan_quota", id="negative quota"),
        pytest.param(2020, None, 10, "year", id="before the notice"),
        pytest.param(2100, None, 10, "year", id="far future"),
    ],
)
def test_bad_yearly_values_are_refused(school, officer_yuzhong, year, score, quota, field):
    with pytest.raises(ApplicationError) as exc:
        services.institution_year_set(
            institution=school, actor=officer_yuzhong, year=year, evaluation_score=score, plan_quota=quota
        )
    assert exc.value.field == field
    assert not InstitutionYear.objects.exists() and not state_changes_for(obj=school).exists()


def test_score_bounds_0_and_100_are_accepted(school, municipal_admin):
    for score in (Decimal("0"), Decimal("100")):
        services.institution_year_set(
            institution=school,
            actor=municipal_admin,
            year=2022,
            evaluation_score=score,
            plan_quota=0,
            reason="边界",
        )
    assert InstitutionYear.objects.get().evaluation_score == Decimal("100")


def test_typing_or_changing_the_score_overrides_the_computed_one_and_needs_a_reason(school, officer_yuzhong):
    """Issue 19, part 2: the score is computed (apps.evaluations); a typed one is an override."""

    def save(score: Decimal | None, quota: int = 100, reason: str = "") -> InstitutionYear:
        return services.institution_year_set(
            institution=school,
            actor=officer_yuzhong,
            year=2022,
            evaluation_score=score,
            plan_quota=quota,
            reason=reason,
        )

    with pytest.raises(ApplicationError) as exc:
        save(Decimal("80"), reason="   ")
    assert exc.value.field == "reason" and str(exc.value.message) == services.OVERRIDE_REASON_REQUIRED
    assert not InstitutionYear.objects.exists() and not state_changes_for(obj=school).exists()
    save(None)  # no score: no reason needed
    save(Decimal("80"), reason="整改到位，现场复核")
    assert save(Decimal("80.00"), quota=120).plan_quota == 120  # unchanged score: no reason needed
    with pytest.raises(ApplicationError) as exc:
        save(Decimal("85"), quota=120)
    assert exc.value.field == "reason"
    assert save(None, quota=120).evaluation_score is None  # clearing it needs none either
    assert [c.reason for c in state_changes_for(obj=school)] == ["", "整改到位，现场复核", "", ""]


def test_the_plan_confirmed_from_the_evaluation_keeps_the_years_override(school, officer_yuzhong):
    services.institution_year_set(
        institution=school,
        actor=officer_yuzhong,
        year=2022,
        evaluation_score=Decimal("70"),
        plan_quota=50,
        reason="复核",
    )
    row = services.institution_plan_set(
        institution=school, actor=officer_yuzhong, year=2022, plan_quota=80, reason="按评估"
    )
    assert (row.evaluation_score, row.plan_quota) == (Decimal("70.00"), 80)


def test_the_auditor_may_not_set_the_yearly_evaluation(school, auditor):
    with pytest.raises(PermissionDenied):
        services.institution_year_set(
            institution=school, actor=auditor, year=2021, evaluation_score=None, plan_quota=10
        )


def test_the_operator_updates_details_and_the_log_keeps_the_bank_account_masked():
    operator = UserFactory(operator=True)
    school = NumberedInstitutionFactory(bank_account="6222000011112222333", members=[operator])

    services.institution_details_update(
        institution=school,
        actor=operator,
        address="重庆市渝中区新华路 2 号",
        contact_name=school.contact_name,
        contact_phone="023-63002222",
        bank_name=school.bank_name,
        bank_account="6222 0000 9999 8888 777",
    )

    school.refresh_from_db()
    assert (school.address, school.bank_account) == ("重庆市渝中区新华路 2 号", "6222000099998888777")
    [log] = state_changes_for(obj=school)
    assert log.to_state == "details_changed"
    assert log.changes["bank_account"] == ["6222***********2333", "6222***********8777"]
    assert log.changes["contact_phone"] == ["", "023-63002222"]


def test_details_of_an_institution_are_changed_only_by_its_own_operators(officer_yuzhong, municipal_admin):
    school = NumberedInstitutionFactory(members=[UserFactory(operator=True)])
    for actor in (officer_yuzhong, municipal_admin, UserFactory(operator=True)):
        with pytest.raises(PermissionDenied):
            services.institution_details_update(
                institution=school,
                actor=actor,
                address="x",
                contact_name="",
                contact_phone="",
                bank_name="",
                bank_account="",
            )
    assert not state_changes_for(obj=school).exists()


def test_a_bad_bank_account_is_refused_and_nothing_is_saved():
    operator = UserFactory(operator=True)
    school = NumberedInstitutionFactory(members=[operator])
    with pytest.raises(ApplicationError) as exc:
        services.institution_details_update(
            institution=school,
            actor=operator,
            address="新地址",
            contact_name="",
            contact_phone="",
            bank_name="",
            bank_account="ABC",
        )
    assert exc.value.field == "bank_account"
    school.refresh_from_db()
    assert school.address == "" and not state_changes_for(obj=school).exists()


def test_the_filer_updates_its_employer_details():
    filer = UserFactory(filer=True)
    employer = NumberedEmployerFactory(members=[filer])
    services.employer_details_update(
        employer=employer, actor=filer, address="万州区 1 号", contact_name="王", contact_phone=""
    )
    employer.refresh_from_db()
    assert employer.address == "万州区 1 号"
    assert state_changes_for(obj=employer).get().changes == {
        "address": ["", "万州区 1 号"],
        "contact_name": ["", "王"],
    }
    with pytest.raises(PermissionDenied):
        services.employer_details_update(
            employer=employer, actor=UserFactory(filer=True), address="x", contact_name="", contact_phone=""
        )
