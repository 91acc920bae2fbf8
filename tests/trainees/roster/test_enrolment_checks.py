"""enrolment_create and enrolment_withdraw: the checks at enrolment, each with its rule ID —
age (R11.2), overlapping classes, the per-year limit (R10.1, a stored warning), the same
occupation and level once (R10.2), lower after higher (R10.3, W), the enterprise relation (R4.2)."""

from datetime import date
from decimal import Decimal

import pytest

from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.trainees.models import Enrolment, EnrolmentStatus, Result
from apps.trainees.services.enrolment import enrolment_create, enrolment_withdraw
from tests.factories import DistrictSettingFactory, OccupationFactory
from tests.trainees.roster_factories import EnrolmentFactory, PersonFactory, TrainingClassFactory, id_number

pytestmark = pytest.mark.django_db
ADULT = id_number(date(1990, 1, 1))


def _enrol(training_class, actor, number=ADULT, name="张三", **extra):
    return enrolment_create(training_class=training_class, actor=actor, id_number=number, name=name, **extra)


def _refused(training_class, actor, number=ADULT, name="张三", **extra) -> ApplicationError:
    before = Enrolment.objects.filter(training_class=training_class).count()
    with pytest.raises(ApplicationError) as caught:
        _enrol(training_class, actor, number, name, **extra)
    assert Enrolment.objects.filter(training_class=training_class).count() == before
    return caught.value


def _elsewhere(person, **class_values):
    """The person enrolled in another school's class (by default 中式烹调师 level 5, 2026-06)."""
    values = {
        "occupation": OccupationFactory(cook=True),
        "level": 5,
        "start_date": date(2026, 6, 1),
        "end_date": date(2026, 6, 20),
        "name": "中式烹调师初级班",
    }
    values.update(class_values)
    return EnrolmentFactory(person=person, training_class=TrainingClassFactory(**values))


def test_enrol_one_registers_the_person_and_logs(approved_class, operator):
    enrolment = _enrol(approved_class, operator, phone="13812345678", groups=["脱贫人口"])
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.warnings, enrolment.person.name) == ("enrolled", [], "张三")
    log = StateChange.objects.get(object_id=str(enrolment.pk), to_state="enrolled")
    assert (log.from_state, log.actor) == ("", operator)
    assert ADULT not in log.reason


@pytest.mark.parametrize(
    ("case", "birth", "allowed"),
    [
        ("16 the day before the class starts", date(2010, 12, 4), True),
        ("16 on the day the class starts", date(2010, 12, 5), True),
        ("16 the day after the class starts", date(2010, 12, 6), False),
    ],
)
def test_age_at_class_start_r11_2(approved_class, operator, case, birth, allowed):
    number = id_number(birth)
    if allowed:
        assert _enrol(approved_class, operator, number).pk
    else:
        error = _refused(approved_class, operator, number)
        assert (error.rule, error.field) == ("R11.2", "id_number")
        assert "15 周岁" in error.message and "未满 16 周岁" in error.message


@pytest.mark.parametrize(
    ("case", "start", "end", "overlapping"),
    [
        ("inside", date(2026, 12, 10), date(2026, 12, 12), True),
        ("ends on our first day", date(2026, 11, 20), date(2026, 12, 5), True),
        ("starts on our last day", date(2026, 12, 20), date(2027, 1, 10), True),
        ("ends the day before", date(2026, 11, 20), date(2026, 12, 4), False),
        ("starts the day after", date(2026, 12, 21), date(2027, 1, 10), False),
    ],
)
def test_overlapping_class_is_refused_naming_it(approved_class, operator, case, start, end, overlapping):
    person = PersonFactory(id_number=ADULT, name="张三")
    _elsewhere(person, start_date=start, end_date=end, name="中式烹调师夜间班")
    if overlapping:
        error = _refused(approved_class, operator)
        assert error.field == "id_number"
        assert "「中式烹调师夜间班」" in error.message and "培训日期重叠" in error.message
    else:
        assert _enrol(approved_class, operator).status == "enrolled"


def test_a_withdrawn_enrolment_does_not_overlap(approved_class, operator):
    person = PersonFactory(id_number=ADULT, name="张三")
    other = _elsewhere(person, start_date=date(2026, 12, 10), end_date=date(2026, 12, 12))
    other.status = EnrolmentStatus.WITHDRAWN
    other.save()
    assert _enrol(approved_class, operator).status == "enrolled"


def _three_others_in_2026(person):
    for n, (month, code) in enumerate([(3, "4-03-02-01"), (6, "6-18-01-01"), (9, "4-03-02-01")]):
        _elsewhere(
            person,
            occupation=OccupationFactory(code=code),
            level=5 - (n == 2),
            start_date=date(2026, month, 1),
            end_date=date(2026, month, 20),
            name=f"第{n + 1}个班",
        )


def test_fourth_training_of_the_year_is_enrolled_with_a_stored_r10_1_warning(approved_class, operator):
    person = PersonFactory(id_number=ADULT, name="张三")
    _three_others_in_2026(person)
    enrolment = _enrol(approved_class, operator)
    enrolment.refresh_from_db()
    assert [(w["rule"], w["severity"]) for w in enrolment.warnings] == [("R10.1", "W")]
    assert "2026 年已有 3 次补贴性培训，本次为第 4 次" in enrolment.warnings[0]["message"]


def test_per_year_limit_counts_only_this_year_and_not_withdrawn(approved_class, operator):
    person = PersonFactory(id_number=ADULT, name="张三")
    _three_others_in_2026(person)
    Enrolment.objects.filter(training_class__name="第3个班").update(status=EnrolmentStatus.WITHDRAWN)
    _elsewhere(person, start_date=date(2025, 12, 1), end_date=date(2025, 12, 20), name="去年的班")
    assert _enrol(approved_class, operator).warnings == []


def test_per_year_limit_is_the_districts_dated_setting(approved_class, operator):
    DistrictSettingFactory(key="per_year_limit", value=Decimal("1"), effective_from=date(2022, 1, 1))
    person = PersonFactory(id_number=ADULT, name="张三")
    _elsewhere(person)
    enrolment = _enrol(approved_class, operator)
    assert enrolment.warnings[0]["rule"] == "R10.1"
    assert "超过每人每年 1 次的上限" in enrolment.warnings[0]["message"]


@pytest.mark.parametrize(
    ("case", "outcome", "status", "refused"),
    [
        ("result still to come", None, "enrolled", True),
        ("passed", "passed", "enrolled", True),
        ("failed: nothing was paid", "failed", "enrolled", False),
        ("absent: nothing was paid", "absent", "enrolled", False),
        ("withdrawn", None, "withdrawn", False),
    ],
)
def test_same_occupation_and_level_once_r10_2(
    approved_class, operator, lathe, case, outcome, status, refused
):
    person = PersonFactory(id_number=ADULT, name="张三")
    earlier = _elsewhere(person, occupation=lathe, level=4, name="车工中级春季班")
    earlier.status = status
    earlier.save()
    if outcome:
        certificate = (
            {"certificate_type": "skill_level", "certificate_number": "S1"} if outcome == "passed" else {}
        )
        Result.objects.create(enrolment=earlier, outcome=outcome, **certificate)
    if refused:
        error = _refused(approved_class, operator)
        assert (error.rule, error.field) == ("R10.2", "id_number")
        assert "6-18-01-01" in error.message
    else:
        assert _enrol(approved_class, operator).warnings == []


def test_lower_level_after_higher_is_a_warning_r10_3(approved_class, operator, lathe):
    person = PersonFactory(id_number=ADULT, name="张三")
    _elsewhere(person, occupation=lathe, level=3, name="车工高级班")
    enrolment = _enrol(approved_class, operator)
    assert [(w["rule"], w["severity"]) for w in enrolment.warnings] == [("R10.3", "W")]


@pytest.fixture
def enterprise_class(operator):
    training_class = TrainingClassFactory(enterprise=True, name="企业职工车工培训班")
    training_class.institution.members.add(operator)
    return training_class


@pytest.mark.parametrize(
    ("case", "relation", "message"),
    [
        ("missing", "", "须填写学员与企业的关系"),
        ("not one of clause 四", "临时借调人员", "“临时借调人员”不在企业职工培训的人员范围内"),
    ],
)
def test_enterprise_class_needs_an_admitted_relation_r4_2(
    enterprise_class, operator, case, relation, message
):
    error = _refused(enterprise_class, operator, relation=relation)
    assert (error.rule, error.field) == ("R4.2", "relation")
    assert message in error.message


@pytest.mark.parametrize("relation", ["dispatched", "在本企业工作的劳务派遣人员"])
def test_enterprise_relation_by_key_or_label(enterprise_class, operator, relation):
    assert _enrol(enterprise_class, operator, relation=relation).relation == "dispatched"


def test_relation_is_refused_for_other_classes(approved_class, operator):
    error = _refused(approved_class, operator, relation="employee")
    assert error.field == "relation" and "只有企业职工培训班" in error.message


@pytest.mark.parametrize("status", ["submitted", "completed"])
def test_only_approved_or_running_classes_take_enrolments(operator, school, status):
    training_class = TrainingClassFactory(institution=school, **{status: True})
    error = _refused(training_class, operator)
    assert "花名册只能在开班申请审核通过后、结业前登记或变更" in error.message


def test_running_class_takes_enrolments(operator, school):
    assert _enrol(TrainingClassFactory(institution=school, running=True), operator).pk


def test_only_the_class_operators_enrol(approved_class, people):
    for role in ("other_operator", "officer", "admin"):
        assert "只有本班所属培训机构的经办人" in _refused(approved_class, people[role]).message


def test_the_same_person_twice_in_one_class_is_refused(approved_class, operator):
    _enrol(approved_class, operator)
    assert "已在本班花名册中" in _refused(approved_class, operator).message


def test_withdraw_logs_and_re_enrolling_reactivates_the_same_row(approved_class, operator):
    enrolment = _enrol(approved_class, operator)
    with pytest.raises(ApplicationError) as caught:
        enrolment_withdraw(enrolment=enrolment, actor=operator, reason=" ")
    assert caught.value.field == "reason"
    enrolment_withdraw(enrolment=enrolment, actor=operator, reason="学员因工作调动退出")
    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn"
    log = StateChange.objects.get(object_id=str(enrolment.pk), to_state="withdrawn")
    assert (log.from_state, log.reason, log.actor) == ("enrolled", "学员因工作调动退出", operator)
    with pytest.raises(ApplicationError):
        enrolment_withdraw(enrolment=enrolment, actor=operator, reason="再次退出")

    again = _enrol(approved_class, operator)
    assert again.pk == enrolment.pk and Enrolment.objects.get(pk=again.pk).status == "enrolled"
    assert StateChange.objects.filter(object_id=str(enrolment.pk), from_state="withdrawn").count() == 1


def test_no_withdrawal_after_the_class_completed(approved_class, operator):
    enrolment = _enrol(approved_class, operator)
    approved_class.status = "completed"
    approved_class.save()
    with pytest.raises(ApplicationError):
        enrolment_withdraw(enrolment=enrolment, actor=operator, reason="太晚了")
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"
