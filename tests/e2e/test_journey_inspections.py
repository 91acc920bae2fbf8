"""Journey (issue 18, 过程监管): 渝中区 samples every session of a week (inspection_rate 100 %).
A running 车工 class of 渝中区 had its first weekend last week; its three trainees (张三, 李四,
王五) signed in for every session. The district officer draws last week on the draws page, opens
the inspection of the Saturday session (assigned to them, the district's only inspector) from the
list and records the visit: 张三 present, 李四 and 王五 seen absent, one person in the room. The
class then completes and its institution submits the completion claim (services: the claim
journey walks that part), which gets the A7 findings on the two lines; the claim page shows them,
the officer's approval of 李四's line is refused and approving the rest in bulk leaves both
pending. Through the UI only, every page scanned with axe-core; a second journey measures the
inspection pages on a 390 px screen."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.audits.models import AuditFinding
from apps.catalog.models import SettingKey
from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.inspections import services
from apps.inspections.models import Inspection, InspectionStatus
from apps.trainees.models import Attendance, Enrolment, Result
from tests.audits.conftest import at
from tests.claims.conftest import person
from tests.classes.conftest import WEEKEND_SESSIONS
from tests.factories import DistrictSettingFactory, district

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
NAMES = ("张三", "李四", "王五")
FIRST_DAY = date(2026, 12, 5)  # the class fixtures' first Saturday, moved to last week's


@pytest.fixture
def running_class(make_class, operator, officer):
    """The class world's weekend class moved so that its first weekend is last week's, running,
    with 张三, 李四 and 王五 on its roster, signed in for every session; 渝中区 samples 100 %."""
    DistrictSettingFactory(
        district=district("500103"), key=SettingKey.INSPECTION_RATE, value=1, effective_from=date(2021, 1, 1)
    )
    shift = services.week_of(timezone.localdate()) - timedelta(days=2) - FIRST_DAY
    training_class = make_class(
        sessions=[replace(s, date=s.date + shift) for s in WEEKEND_SESSIONS],
        start_date=FIRST_DAY + shift,
        end_date=date(2026, 12, 20) + shift,
    )
    for to, actor in ((ClassStatus.SUBMITTED, operator), (ClassStatus.APPROVED, officer)):
        training_class = class_transition(training_class=training_class, actor=actor, to=to)
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.RUNNING)
    sessions = list(training_class.sessions.all())
    for serial, name in enumerate(NAMES, start=1):
        enrolment = Enrolment.objects.create(
            training_class=training_class, person=person(name, f"00{serial}")
        )
        for session in sessions:
            Attendance.objects.create(
                session=session,
                enrolment=enrolment,
                minutes=session.minutes,
                mode=session.mode,
                source="manual",
                signed_in_at=at(session.date, session.start_time.strftime("%H:%M")),
            )
    return training_class


def _complete_and_claim(training_class, operator) -> Claim:
    """The institution's part after the visit: results, completion, the claim submitted."""
    for enrolment in training_class.enrolments.all():
        Result.objects.create(
            enrolment=enrolment,
            outcome="passed",
            certificate_type="skill_level",
            certificate_number=f"S{enrolment.person_id:06d}",
            certificate_date=training_class.end_date + timedelta(days=5),
        )
    training_class = class_transition(
        training_class=training_class, actor=operator, to=ClassStatus.COMPLETED, on=training_class.end_date
    )
    claim = claim_create_for_class(actor=operator, training_class=training_class)
    return claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)


def _act(portal, label: str) -> None:
    page = portal.page
    form = page.locator("form.action-form").filter(has=page.get_by_role("button", name=label, exact=True))
    form.get_by_role("checkbox").first.check()
    portal.submit(form.get_by_role("button", name=label, exact=True))


def _check(portal, group: str, name: str) -> None:
    """Tick `name` in the roster check group `group` (present or absent)."""
    portal.page.locator(f"#id_{group}").get_by_label(name, exact=True).check()


def test_a_visit_that_finds_two_absentees_blocks_their_claim_lines(portal, officer, operator, running_class):
    week = services.week_of(timezone.localdate()) - timedelta(days=7)
    saturday = running_class.sessions.order_by("date", "start_time").first()
    assert saturday.date == week + timedelta(days=5)

    desk = portal(officer)
    desk.goto("/inspections/draws/")
    desk.field("区县").select_option(value="500103")
    desk.field("抽查周（周一）").fill(week.isoformat())
    desk.submit("抽取")
    assert "已抽取 渝中区" in desk.message(), desk.text()
    assert "结果一致" in desk.text()
    inspection = Inspection.objects.get(session=saturday)  # the Sunday's is drawn too
    assert inspection.inspector_id == officer.pk

    desk.goto("/inspections/")
    desk.follow(f"#{inspection.pk}")
    assert f"过程监管检查 #{inspection.pk}" in desk.text("h1")
    desk.field("检查时间（课次当天）").fill("09:30")
    desk.field("现场在场人数").fill("1")
    _check(desk, "present", "张三")
    _check(desk, "absent", "李四")
    _check(desk, "absent", "王五")
    desk.field("检查意见").fill("现场点名，李四、王五不在")
    desk.submit("提交检查记录")
    assert "已记录检查结果" in desk.message(), desk.text()
    inspection.refresh_from_db()
    assert (inspection.status, inspection.head_count, inspection.signed_in) == (
        InspectionStatus.VISITED,
        1,
        3,
    )
    assert "缺席" in desk.text() and "稽核疑点（A7）" in desk.text("#findings")

    claim = _complete_and_claim(running_class, operator)
    lines = {line.person.name: line for line in claim.lines.select_related("person")}
    absent = sorted([lines["李四"].pk, lines["王五"].pk])
    findings = AuditFinding.objects.filter(rule="A7", current=True, status="confirmed", line__isnull=False)
    assert sorted(findings.values_list("line_id", flat=True)) == absent

    # The claim page: the findings on the two lines, none on 张三's.
    desk.goto(f"/claims/{claim.pk}/")
    for name in ("李四", "王五"):
        assert "A7" in desk.text(f"#line-{lines[name].pk}"), name
    assert "A7" not in desk.text(f"#line-{lines['张三'].pk}")
    _act(desk, "开始审核")

    # Approving 李四's line one by one is refused (or not offered at all).
    row = desk.page.locator(f"#line-{lines['李四'].pk}")
    approve = row.get_by_role("button", name="通过", exact=True)
    if approve.count():
        reason = row.locator("textarea[id^=accept-]")
        if reason.count():
            reason.fill("已核实")
        desk.submit(approve)
        assert f"明细 #{lines['李四'].pk}（李四）" in desk.message(), desk.text()
    # The rest pass in bulk; the two lines stay pending.
    _act(desk, "其余明细全部通过")
    decisions = {line.person.name: line.decision for line in claim.lines.select_related("person")}
    assert decisions == {
        "张三": LineDecision.APPROVED,
        "李四": LineDecision.PENDING,
        "王五": LineDecision.PENDING,
    }, decisions


def test_the_inspection_pages_fit_a_390_px_screen(portal, officer, running_class):
    week = services.week_of(timezone.localdate()) - timedelta(days=7)
    inspection, _ = services.inspection_draw(
        district=district("500103"), week_start=week, actor=officer
    ).inspections
    enrolments = {e.person.name: e.pk for e in running_class.enrolments.select_related("person")}
    screen = Screen(portal(officer), 390)
    phone = screen.portal
    for path in ("/inspections/", "/inspections/draws/", f"/inspections/{inspection.pk}/"):
        phone.goto(path)
        screen.measure()
    services.inspection_record(
        inspection=inspection,
        actor=officer,
        visited_at=at(inspection.session.date, "09:30"),
        head_count=1,
        present=[enrolments["张三"]],
        absent=[enrolments["李四"]],
    )
    phone.goto(f"/inspections/{inspection.pk}/")  # the record, its roster check and findings
    screen.measure()
    assert len(screen.widths) == 4 and not screen.too_wide(), screen.widths


def test_the_officer_reassigns_an_inspection_on_a_phone(portal, officer, running_class):
    """The drawn inspection is the officer's; they give it, with a reason, to the staff of an agency
    contracted for process supervision in 渝中区, who then finds it on their list."""
    from tests.factories import UserFactory

    reviewer = UserFactory(reviewer=True, engaged=[district("500103")])
    week = services.week_of(timezone.localdate()) - timedelta(days=7)
    inspection = services.inspection_draw(
        district=district("500103"), week_start=week, actor=officer
    ).inspections[0]
    inspection.inspector = officer
    inspection.save(update_fields=["inspector"])
    screen = Screen(portal(officer), 390)
    desk = screen.portal
    desk.goto(f"/inspections/{inspection.pk}/")
    desk.field("改派给").select_option(value=str(reviewer.pk))
    desk.field("改派原因").fill("本周外出培训，改由第三方机构检查")
    desk.submit("改派")
    assert "已改派给" in desk.message(), desk.text()
    screen.measure()
    assert not screen.too_wide(), screen.widths
    agency = portal(reviewer)
    agency.goto("/inspections/")
    assert f"#{inspection.pk}" in agency.text()
