"""Journey (b): an institution applies for a class of 20 sessions (3 blank rows per page: the
blank ones are left alone, one even with 删除 ticked), submits it; the officer returns it with a
reason; the institution sees the reason, corrects one field and resubmits; nothing is lost (the
sessions and the hours on the page and in the database are the same before and after); the
officer approves it. Through the UI only, every page scanned with axe-core."""

from datetime import date, time, timedelta

import pytest

from apps.classes.models import ClassStatus, TrainingClass
from apps.core.models import StateChange
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIRST = date(2027, 1, 4)
# 20 sessions on 20 consecutive days: 16 offline mornings of 4 class-hours (08:30–11:30) and,
# every fifth day, a live evening of 3 class-hours (19:00–21:15): 64 + 12 = 76 class-hours.
PLAN = [
    (FIRST + timedelta(days=i), "19:00", "21:15", "live", f"第{i + 1}讲 直播理论")
    if i % 5 == 4
    else (FIRST + timedelta(days=i), "08:30", "11:30", "offline", f"第{i + 1}讲 实操")
    for i in range(20)
]


def _db_sessions(training_class):
    return [
        (s.date, s.start_time.strftime("%H:%M"), s.end_time.strftime("%H:%M"), s.mode, s.topic)
        for s in training_class.sessions.order_by("date", "start_time")
    ]


def _page_sessions(school):
    """The session table of the class page, row by row."""
    rows = school.page.locator("section", has_text="课程安排").locator("tbody tr")
    return [row.locator("td").all_inner_texts() for row in rows.all()]


def _fill_row(school, row, session):
    day, start, end, mode, topic = session
    school.field(f"第 {row} 行 日期").fill(day.isoformat())
    school.field(f"第 {row} 行 开始时间").fill(start)
    school.field(f"第 {row} 行 结束时间").fill(end)
    school.field(f"第 {row} 行 方式").select_option(value=mode)
    school.field(f"第 {row} 行 内容").fill(topic)


def _act(portal, label, reason=None):
    form = portal.page.locator("form.action-form").filter(
        has=portal.page.get_by_role("button", name=label, exact=True)
    )
    if reason is not None:
        form.get_by_role("textbox").first.fill(reason)
    form.get_by_role("checkbox").check()
    portal.submit(form.get_by_role("button", name=label, exact=True))


def test_a_class_of_20_sessions_is_returned_corrected_and_approved_with_nothing_lost(
    portal, operator, lathe, rates
):
    officer = UserFactory(officer=True, username="officer.yuzhong")
    school = portal(operator)

    school.goto("/classes/")
    school.follow("新建开班申请", exact=False)
    school.field("班级名称").fill("车工中级二十讲班")
    school.field("职业（工种）").select_option(value=str(lathe.pk))
    school.field("等级").select_option(value="4")
    school.field("开班日期").fill(PLAN[0][0].isoformat())
    school.field("结业日期").fill(PLAN[-1][0].isoformat())
    school.field("培训地点").fill("渝中区解放碑实训基地")
    school.field("授课教师").fill("李师傅")
    school.field("计划人数").fill("30")
    _fill_row(school, 1, PLAN[0])  # rows 2 and 3 left blank, row 3 with 删除 ticked
    school.field("第 3 行 删除").check()
    school.submit("保存草稿")
    assert "草稿已保存" in school.message()
    training_class = TrainingClass.objects.get(name="车工中级二十讲班")

    # the rest, three rows a page: every edit shows the saved dates and adds three blank rows
    done = 1
    while done < len(PLAN):
        school.follow("修改")
        assert school.field(f"第 {done} 行 日期").input_value() == PLAN[done - 1][0].isoformat()
        assert school.field("开班日期").input_value() == PLAN[0][0].isoformat()
        batch = PLAN[done : done + 3]
        for offset, session in enumerate(batch):
            _fill_row(school, done + 1 + offset, session)
        school.submit("保存草稿")
        assert "开班申请已修改" in school.message(), school.text()
        done += len(batch)

    expected = [(d, s, e, m, t) for d, s, e, m, t in PLAN]
    assert _db_sessions(training_class) == expected
    hours = "共 76 课时，其中线上 12 课时"
    assert hours in school.text()
    page_before = _page_sessions(school)
    assert len(page_before) == 20 and page_before[0][1] == "2027-01-04"

    _act(school, "提交")
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.SUBMITTED

    district = portal(officer)
    district.goto("/classes/?status=submitted")
    district.follow("车工中级二十讲班")
    _act(district, "退回修改", reason="请补充授课教师资格证明")
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RETURNED

    school.goto(f"/classes/{training_class.pk}/")
    assert "请补充授课教师资格证明" in school.text()
    school.follow("修改")
    shown = [school.field(f"第 {n} 行 日期").input_value() for n in range(1, 21)]
    assert shown == [d.isoformat() for d, *_ in PLAN]  # no blank date: nothing to retype
    assert school.field("第 21 行 日期").input_value() == ""
    school.field("授课教师").fill("李师傅（高级技师，证书编号 2019-0001）")
    school.submit("保存草稿")
    assert "开班申请已修改" in school.message()
    assert _db_sessions(training_class) == expected  # the 20 sessions, every field, unchanged
    assert hours in school.text() and _page_sessions(school) == page_before
    _act(school, "重新提交")
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.SUBMITTED
    assert training_class.teachers == "李师傅（高级技师，证书编号 2019-0001）"

    district.goto(f"/classes/{training_class.pk}/")
    _act(district, "审核通过", reason="材料齐全")
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.APPROVED
    assert _db_sessions(training_class) == expected
    steps = list(
        StateChange.objects.filter(object_id=training_class.pk)
        .order_by("pk")
        .values_list("to_state", "reason")
    )
    assert ("returned", "请补充授课教师资格证明") in steps and steps[-1][0] == "approved"
    assert time(8, 30) == training_class.sessions.order_by("date").first().start_time


def test_approving_a_class_beyond_the_institutions_plan_is_refused(portal, make_class, operator, officer):
    """Issue 19, part 3: the school's plan for the year is the first class's 30 trainees; the
    officer's approval of a second class of 30 is refused with the plan and what is approved."""
    from apps.classes.services import class_transition
    from tests.factories import InstitutionYearFactory

    first = make_class()
    InstitutionYearFactory(
        institution=first.institution, year=first.end_date.year, plan_quota=first.planned_trainees
    )
    for to, actor in ((ClassStatus.SUBMITTED, operator), (ClassStatus.APPROVED, officer)):
        first = class_transition(training_class=first, actor=actor, to=to)
    second = class_transition(
        training_class=make_class(name="车工中级二班"), actor=operator, to=ClassStatus.SUBMITTED
    )
    district = portal(officer)
    district.goto(f"/classes/{second.pk}/")
    _act(district, "审核通过", reason="材料齐全")
    assert f"培训计划额度 {first.planned_trainees} 人次" in district.text(), district.text()
    assert "已批准开班 1 个" in district.text()
    second.refresh_from_db()
    assert second.status == ClassStatus.SUBMITTED
