"""The audit rules of docs/audit-rules.md on classes, sessions and sign-ins (A1–A4), the yearly
plan quota (A5) and the high-skill bases (R6.1), and what each scope writes findings on."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.audits.engine.catalogue import message
from apps.institutions.models import InstitutionYear
from apps.trainees.models import Enrolment
from tests.audits.conftest import at, found
from tests.factories import NumberedInstitutionFactory

D = date
SAT = D(2021, 6, 5)
ONLINE = "online_platform"


def _two_classes(world, second_session):
    first = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")], name="车工中级周末班")
    second = world.training_class(SAT, SAT, [second_session], name="车工高级周末班", level=3)
    return world.completion(first), world.completion(second)


@pytest.mark.parametrize(
    ("session", "flagged"),
    [
        pytest.param((SAT, "11:00", "14:00", "offline"), True, id="overlapping by an hour"),
        pytest.param((SAT, "12:00", "15:00", "offline"), False, id="starting when the other ends"),
        pytest.param((SAT, "09:00", "12:00", "recorded"), False, id="a recorded session is watched any time"),
        pytest.param((SAT + timedelta(days=1), "09:00", "12:00", "live"), False, id="another day"),
    ],
)
def test_one_person_in_two_classes_at_overlapping_times(world, audit, session, flagged):
    first_claim, second_claim = _two_classes(world, session)
    p = world.person()
    first = world.enrol(first_claim, p)
    second = world.enrol(second_claim, p)
    run = audit()
    assert (found(run, "A1") == {("A1", second.pk, first.pk)}) is flagged
    if flagged:
        text = message("A1", run.findings.get(rule="A1").details)
        assert text.startswith("2021-06-05 本班课次 11:00–14:00 与另一班级")


def test_five_trainees_signed_in_at_the_same_second_are_flagged_four_are_not(world, audit):
    training_class = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")])
    session = training_class.sessions.get()
    claim = world.completion(training_class)
    lines = [world.enrol(claim, world.person()) for _ in range(6)]
    moment = at(SAT, "08:55:07")
    for n, line in enumerate(lines[:4]):
        world.sign_in(line.enrolment, session, moment + timedelta(microseconds=100_000 * n), source=ONLINE)
    world.sign_in(lines[5].enrolment, session, moment + timedelta(seconds=1), source=ONLINE)
    assert found(audit(), "A2") == set()
    world.sign_in(lines[4].enrolment, session, moment + timedelta(microseconds=900_000), source=ONLINE)
    run = audit()
    assert {line for _, line, _ in found(run, "A2")} == {line.pk for line in lines[:5]}
    details = run.findings.filter(rule="A2").first().details
    assert details["count"] == 5 and details["session"] == session.pk
    assert "有 5 名学员在同一秒（2021-06-05 08:55:07）签到" in message("A2", details)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        pytest.param("sign_in_sheet", False, id="the portal's sign-in sheet records minutes only"),
        pytest.param("manual", False, id="typed by hand"),
        pytest.param("online_platform", True, id="an online platform records seconds"),
    ],
)
def test_a2_reads_only_sign_ins_recorded_to_the_second(world, audit, source, flagged):
    """Issue 13: a class whose sheet was filled from the portal's template had every trainee who
    signed in within one minute "at the same second" (08:55:00), and A2 fired on all of them."""
    training_class = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")])
    session = training_class.sessions.get()
    claim = world.completion(training_class)
    lines = [world.enrol(claim, world.person()) for _ in range(5)]
    for line in lines:
        world.sign_in(line.enrolment, session, at(SAT, "08:55"), source=source)
    run = audit()
    assert found(run, "A2") == ({("A2", line.pk, None) for line in lines} if flagged else set())
    if flagged:
        assert "有 5 名学员在同一秒（2021-06-05 08:55:00）签到" in message("A2", run.findings.first().details)


def test_a2_counts_and_flags_no_sheet_sign_in_at_the_second_of_online_ones(world, audit):
    training_class = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")])
    session = training_class.sessions.get()
    claim = world.completion(training_class)
    online = [world.enrol(claim, world.person()) for _ in range(4)]
    sheet = world.enrol(claim, world.person())
    moment = at(SAT, "08:55")
    for line in online:
        world.sign_in(line.enrolment, session, moment, source=ONLINE)
    world.sign_in(sheet.enrolment, session, moment)
    assert found(audit(), "A2") == set()  # four to the second, and a sheet's minute
    fifth = world.enrol(claim, world.person())
    world.sign_in(fifth.enrolment, session, moment, source=ONLINE)
    run = audit()
    assert {line for _, line, _ in found(run, "A2")} == {line.pk for line in [*online, fifth]}
    assert run.findings.filter(rule="A2").first().details["count"] == 5


@pytest.mark.parametrize(
    ("second_in", "flagged"),
    [
        pytest.param("10:30", True, id="signed in elsewhere before signing out"),
        pytest.param("12:00", False, id="signed in elsewhere when signing out"),
    ],
)
def test_a_person_signed_in_to_two_places_at_once(world, audit, second_in, flagged):
    first_claim, second_claim = _two_classes(world, (SAT + timedelta(days=1), "09:00", "12:00", "offline"))
    p = world.person()
    first = world.enrol(first_claim, p)
    second = world.enrol(second_claim, p)
    world.sign_in(
        first.enrolment, first_claim.training_class.sessions.get(), at(SAT, "09:00"), at(SAT, "12:00")
    )
    world.sign_in(
        second.enrolment,
        second_claim.training_class.sessions.get(),
        at(SAT, second_in),
        at(SAT + timedelta(days=1), "12:00"),
    )
    run = audit()
    assert (found(run, "A3") == {("A3", second.pk, first.pk)}) is flagged


def test_a_sign_in_without_sign_out_counts_as_its_moment(world, audit):
    first_claim, second_claim = _two_classes(world, (SAT + timedelta(days=1), "09:00", "12:00", "offline"))
    p = world.person()
    first = world.enrol(first_claim, p)
    second = world.enrol(second_claim, p)
    world.sign_in(first.enrolment, first_claim.training_class.sessions.get(), at(SAT, "09:00"))
    world.sign_in(second.enrolment, second_claim.training_class.sessions.get(), at(SAT, "09:00"))
    run = audit()
    assert found(run, "A3") == {("A3", second.pk, first.pk)}
    assert message("A3", run.findings.get(rule="A3").details).startswith(
        "2021-06-05 09:00:00 该学员在本班课次"
    )


def test_a_sign_in_elsewhere_is_flagged_even_where_the_other_class_claimed_nothing(world, audit):
    first_claim, _ = _two_classes(world, (SAT, "09:00", "12:00", "offline"))
    other = world.training_class(SAT, SAT, [(SAT, "10:00", "11:00", "offline")], name="未申领的班级")
    p = world.person()
    line = world.enrol(first_claim, p)
    elsewhere = Enrolment.objects.create(training_class=other, person=p)
    world.sign_in(
        line.enrolment, first_claim.training_class.sessions.get(), at(SAT, "09:00"), at(SAT, "12:00")
    )
    world.sign_in(elsewhere, other.sessions.get(), at(SAT, "10:00"), at(SAT, "11:00"))
    assert found(audit(), "A3") == {("A3", line.pk, None)}


@pytest.mark.parametrize(
    ("attended", "flagged"),
    [
        pytest.param((4, 0), False, id="as many as planned"),
        pytest.param((4, 1), True, id="one more than planned"),
    ],
)
def test_claimed_hours_above_the_approved_plan(world, audit, attended, flagged):
    # 09:00–12:00 is 180 minutes = 4 class-hours (R2.1: 180 // 45).
    training_class = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")])
    line = world.enrol(world.completion(training_class), world.person(), attended=attended)
    run = audit()
    assert (found(run, "A4") == {("A4", line.pk, None)}) is flagged
    if flagged:
        assert (
            message("A4", run.findings.get().details)
            == "申领实到 5 课时，超过审核通过的课程安排合计 4 课时 (A4)"
        )


@pytest.mark.parametrize(
    ("quota", "flagged"),
    [pytest.param(3, 0, id="as many as the quota"), pytest.param(2, 1, id="one over the quota")],
)
def test_an_institution_over_its_yearly_plan_quota(world, audit, quota, flagged):
    InstitutionYear.objects.create(institution=world.school, year=2021, plan_quota=quota)
    training_class = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")])
    claim = world.completion(training_class)
    lines = [world.enrol(claim, world.person()) for _ in range(3)]
    run = audit()
    assert found(run, "A5") == ({("A5", lines[2].pk, None)} if flagged else set())
    if flagged:
        finding = run.findings.get(rule="A5")
        assert finding.institution_id == world.school.pk
        assert "年度培训计划额度 2 人次，已申领 3 人次，本条为第 3 人次" in message("A5", finding.details)


def test_no_plan_for_the_year_means_no_quota_check(world, audit):
    InstitutionYear.objects.create(institution=world.school, year=2022, plan_quota=0)
    training_class = world.training_class(SAT, SAT, [(SAT, "09:00", "12:00", "offline")])
    world.enrol(world.completion(training_class), world.person())
    assert found(audit(), "A5") == set()


def test_a_high_skill_base_below_target_in_a_completed_year(world, audit):
    base = NumberedInstitutionFactory(high_skill_base="municipal", municipal_school=True)
    last_year = timezone.localdate().year - 1
    end = D(last_year, 6, 30)
    training_class = world.training_class(
        end, end, [(end, "09:00", "12:00", "offline")], institution=base, level=3
    )
    for _ in range(2):
        Enrolment.objects.create(training_class=training_class, person=world.person())
    this_year = D(last_year + 1, 1, 10)
    world.training_class(this_year, this_year, [], institution=base, level=3)
    run = audit()
    finding = run.findings.get(rule="R6.1")
    assert (finding.subject, finding.institution_id, finding.line_id) == (
        f"institution:{base.pk}:{last_year}",
        base.pk,
        None,
    )
    assert finding.details == {"year": last_year, "tier": "municipal", "person_times": 2, "target": 300}
    assert message("R6.1", finding.details) == (
        f"{last_year} 年：市级高技能人才培训基地年均高级工及以上培训 2.0 人次，低于 300 人次："
        "拟取消基地资格，暂缓拨付尚未拨付的建设补助资金 (R6.1)"
    )
    assert finding.change == "appeared"
    assert audit().findings.get(rule="R6.1").change == "persisting"  # found again by the next run


def test_a_base_without_classes_has_nothing_to_judge(world, audit):
    NumberedInstitutionFactory(high_skill_base="national")
    assert found(audit(), "R6.1") == set()


def test_an_audit_of_one_claim_writes_findings_on_that_claim_only(world, audit):
    p, q = world.person(), world.person()
    lines = {
        who: [world.training(who, D(2021, m, 1), D(2021, m, 20)) for m in (3, 5, 7, 9)] for who in (p, q)
    }
    fourth = lines[p][3]
    run = audit("claim", claim=fourth.claim)
    assert found(run) == {("R10.1", fourth.pk, lines[p][0].pk)}


def test_an_audit_of_a_district_counts_every_district_but_writes_on_its_own(world, audit):
    p = world.person()
    for month in (3, 5):
        world.training(p, D(2021, month, 1), D(2021, month, 20), district=world.wanzhou)
    third = world.training(p, D(2021, 7, 1), D(2021, 7, 20))
    fourth_wanzhou = world.training(p, D(2021, 8, 1), D(2021, 8, 20), district=world.wanzhou)
    fifth = world.training(p, D(2021, 9, 1), D(2021, 9, 20))
    run = audit("district", district=world.yuzhong)
    assert {line for _, line, _ in found(run)} == {fifth.pk}
    assert fourth_wanzhou.pk in {line for _, line, _ in found(audit("district", district=world.wanzhou))}
    assert third.pk not in {line for _, line, _ in found(run)}
