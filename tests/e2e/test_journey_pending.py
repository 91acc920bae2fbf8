"""Journeys that hit bugs owned by other parts of issue 14. Each is marked
xfail(strict=True, raises=AssertionError) naming the bug: it fails today on its assertion (any
other error, in setup or in the browser, is a real failure), and turns into an error (XPASS) the
day the fix lands, so the marker is removed with it."""

import re
from datetime import date

import pytest

from apps.catalog.models import District
from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.trainees.models import Enrolment
from tests.factories import UserFactory

from .test_journey_roster import SESSIONS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def running_class(make_class, operator, officer):
    training_class = make_class(sessions=SESSIONS, start_date=date(2026, 11, 14), end_date=date(2026, 11, 15))
    for actor, to in ((operator, ClassStatus.SUBMITTED), (officer, ClassStatus.APPROVED)):
        training_class = class_transition(training_class=training_class, actor=actor, to=to)
    return training_class


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 14 (uploads): a text file named .xlsx answers HTTP 500 on the roster upload "
    "instead of a Chinese error naming the file",
)
def test_a_text_file_named_xlsx_is_refused_with_a_message(portal, running_class, operator, tmp_path):
    school = portal(operator)
    school.goto(f"/classes/{running_class.pk}/")
    school.follow("学员名册（实名制）")
    school.follow("上传花名册")
    fake = tmp_path / "花名册.xlsx"
    fake.write_text("姓名,身份证号码\n张三,11010519491231002X\n", encoding="utf-8")
    school.field("花名册文件 (.xlsx)").set_input_files(str(fake))
    school.submit("上传并导入")
    assert school.page.locator(".error-summary").count() == 1, school.page.title()
    assert Enrolment.objects.count() == 0


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 14 (return reasons): the institution's home page says '1 件申请被退回修改' "
    "without the officer's reason",
)
def test_the_home_page_shows_the_return_reason(portal, make_class, operator, officer):
    training_class = make_class()
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    class_transition(
        training_class=training_class, actor=officer, to=ClassStatus.RETURNED, reason="请补充授课教师资格证明"
    )
    school = portal(operator)
    school.goto("/")
    assert "请补充授课教师资格证明" in school.text()


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 14 (notifications): no 消息 inbox; an institution is not told its class was returned",
)
def test_the_institution_is_told_in_its_inbox(portal, make_class, operator, officer):
    training_class = make_class()
    training_class = class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    class_transition(
        training_class=training_class, actor=officer, to=ClassStatus.RETURNED, reason="请补充材料"
    )
    school = portal(operator)
    school.goto("/")
    assert school.page.get_by_role("link", name="消息").count() == 1
    school.follow("消息", exact=False)
    assert "请补充材料" in school.text()


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 14 (layout): at 390 px the pages scroll sideways",
)
def test_the_institution_pages_hold_at_390_px(portal, running_class, operator):
    school = portal(operator)
    school.page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    for path in ("/", "/classes/", f"/classes/{running_class.pk}/", f"/classes/{running_class.pk}/edit/"):
        school.goto(path)
        widths[path] = school.page.evaluate("document.documentElement.scrollWidth")
    assert all(width <= 390 for width in widths.values()), widths


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 14 (claim drafts): a claim draft can be neither edited nor deleted by its owner",
)
def test_a_claim_draft_can_be_deleted_by_its_owner(portal, completed_class, operator):
    school = portal(operator)
    school.goto(f"/classes/{completed_class.pk}/")
    school.follow("申领补贴")
    school.page.get_by_label("培训补贴（按学员出勤和考核结果测算）").check()
    school.page.get_by_label("我已核对以上内容，确认执行").check()
    school.submit("生成申领草稿")
    assert "/claims/" in school.page.url
    actions = school.page.locator("#actions")
    assert actions.get_by_role("button", name=re.compile("删除")).count() >= 1, actions.inner_text()


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 14 (third-party pre-review): a third-party reviewer cannot pre-review a class "
    "application (R7.1)",
)
def test_a_third_party_reviewer_can_pre_review_a_class_application(portal, make_class, operator):
    training_class = make_class()
    class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)
    reviewer = UserFactory(
        reviewer=True, username="third.party", engaged=[District.objects.get(code="500103")]
    )
    agency = portal(reviewer)
    agency.goto(f"/classes/{training_class.pk}/")
    assert agency.page.get_by_role("textbox", name=re.compile("第三方")).count() == 1, agency.text()
