"""Issue 14 on class applications: every edit is logged as a diff of fields and sessions and shown
in the page's history; the latest return reason stands at the top of the page and on the home
page; a third-party agency engaged by the district pre-reviews a submitted application (R7.1)
and the officer reads its advice; reviewers and auditors never see an institution's draft."""

from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.classes.models import ClassStatus, TrainingClass
from apps.classes.services import SessionInput, class_recommend, class_transition, class_update
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from tests.factories import UserFactory, district

from .conftest import WEEKEND_SESSIONS, class_values

pytestmark = pytest.mark.django_db
S = ClassStatus


@pytest.fixture
def officer(db):
    return UserFactory(officer=True)


@pytest.fixture
def users(operator, officer):
    yuzhong = district("500103")
    return {
        "operator_own": operator,
        "operator_other": UserFactory(operator=True),
        "officer_of_district": officer,
        "officer_other_district": UserFactory(officer=True, district=district("500101")),
        "municipal_admin": UserFactory(municipal_admin=True),
        "reviewer_engaged": UserFactory(reviewer=True, engaged=[yuzhong]),
        "reviewer_not_engaged": UserFactory(reviewer=True, engaged=[district("500101")]),
        "auditor": UserFactory(auditor=True),
        "filer": UserFactory(filer=True),
    }


def _page(user, name, *args):
    client = Client()
    client.force_login(user)
    return client, reverse(name, args=args)


# The change log as a diff ------------------------------------------------------------------------


def test_an_edit_is_logged_field_by_field_and_session_by_session(make_class, operator, lathe):
    training_class = make_class()
    sessions = [
        *WEEKEND_SESSIONS[:5],  # the sixth offline session (12-20) is removed
        SessionInput(date(2026, 12, 9), time(19, 0), time(21, 45), "live", "直播理论课"),  # longer
        SessionInput(date(2026, 12, 16), time(19, 0), time(21, 15), "recorded", "录播理论课"),
        SessionInput(date(2026, 12, 18), time(19, 0), time(21, 15), "live", "答疑"),  # added
    ]
    class_update(
        actor=operator,
        training_class=training_class,
        values=class_values(lathe, venue="渝中区较场口实训基地", planned_trainees=25),
        sessions=sessions,
    )
    change = StateChange.objects.filter(object_id=str(training_class.pk), reason="修改开班申请").get()
    assert change.changes == {
        "fields": {
            "培训地点": ["渝中区解放碑实训基地", "渝中区较场口实训基地"],
            "计划人数": ["30", "25"],
        },
        "sessions": {
            "added": ["2026-12-18 19:00–21:15 线上直播 答疑"],
            "removed": ["2026-12-20 09:00–15:45 线下 实操"],
            "changed": [
                ["2026-12-09 19:00–21:15 线上直播 直播理论课", "2026-12-09 19:00–21:45 线上直播 直播理论课"]
            ],
        },
    }
    client, url = _page(operator, "classes:detail", training_class.pk)
    html = client.get(url).content.decode()
    assert "培训地点：渝中区解放碑实训基地 → 渝中区较场口实训基地" in html
    assert "删除课程 2026-12-20 09:00–15:45 线下 实操" in html
    assert "新增课程 2026-12-18 19:00–21:15 线上直播 答疑" in html
    assert "修改课程 2026-12-09 19:00–21:15 线上直播 直播理论课 → 2026-12-09 19:00–21:45" in html


def test_an_edit_that_changes_nothing_says_so(make_class, operator, lathe):
    training_class = make_class()
    class_update(
        actor=operator, training_class=training_class, values=class_values(lathe), sessions=WEEKEND_SESSIONS
    )
    change = StateChange.objects.filter(object_id=str(training_class.pk), reason="修改开班申请").get()
    assert change.changes == {"unchanged": True}
    client, url = _page(operator, "classes:detail", training_class.pk)
    assert "未修改任何内容" in client.get(url).content.decode()


# The return reason -------------------------------------------------------------------------------


def test_the_return_reason_is_at_the_top_of_the_page_and_on_the_home_page(make_class, operator, officer):
    training_class = make_class()
    class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    class_transition(
        training_class=training_class, actor=officer, to=S.RETURNED, reason="授课教师须附职业资格证书"
    )
    client, url = _page(operator, "classes:detail", training_class.pk)
    html = client.get(url).content.decode()
    assert "授课教师须附职业资格证书" in html
    assert html.index("退回修改原因") < html.index("班级计划")
    home = client.get("/").content.decode()
    assert "1 件申请被退回修改" in home
    assert f'<a href="{url}">车工中级周末班</a>：退回原因“授课教师须附职业资格证书”' in home
    # Resubmitted, the banner goes.
    class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    assert "退回修改原因" not in client.get(url).content.decode()


# Third-party pre-review (R7.1) -----------------------------------------------------------------


def test_an_engaged_reviewer_pre_reviews_and_the_officer_reads_it(make_class, operator, users):
    training_class = make_class()
    class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    reviewer = users["reviewer_engaged"]
    client, url = _page(reviewer, "classes:recommend", training_class.pk)
    home = client.get("/").content.decode()
    assert "待提出审核意见的开班申请" in home and training_class.name in home
    answer = client.post(
        url, {"verdict": "return", "rule": "", "text": "实训场地面积不足 30 人，建议核减计划人数"}
    )
    assert answer.status_code == 302
    training_class.refresh_from_db()
    assert (
        training_class.recommendation,
        training_class.recommendation_verdict,
        training_class.recommended_by,
        training_class.status,
    ) == ("实训场地面积不足 30 人，建议核减计划人数", "return", reviewer, S.SUBMITTED)
    officer_client, detail = _page(users["officer_of_district"], "classes:detail", training_class.pk)
    html = officer_client.get(detail).content.decode()
    assert "实训场地面积不足 30 人，建议核减计划人数" in html and "建议退回修改" in html
    assert "第三方审核意见" in html and "提出审核意见</button>" not in html
    # Advising rejection rests on a rule.
    refused = client.post(url, {"verdict": "reject", "rule": "", "text": "不符合条件"}, follow=True)
    assert "建议不予通过须选择理由规则" in refused.content.decode()


ANSWERS = {
    # role: (class page of the draft, recommend on the submitted application)
    "operator_own": (200, 403),
    "operator_other": (404, 404),
    "officer_of_district": (200, 403),
    "officer_other_district": (404, 404),
    "municipal_admin": (200, 403),
    "reviewer_engaged": (404, 302),
    "reviewer_not_engaged": (404, 404),
    "auditor": (404, 403),
    "filer": (404, 404),
}


@pytest.mark.parametrize("role", sorted(ANSWERS))
def test_who_sees_a_draft_and_who_may_pre_review(role, make_class, operator, users):
    draft = make_class()
    submitted = make_class(name="车工高级班")
    class_transition(training_class=submitted, actor=operator, to=S.SUBMITTED)
    user = users[role]
    client, url = _page(user, "classes:detail", draft.pk)
    sees_draft, recommends = ANSWERS[role]
    assert client.get(url).status_code == sees_draft
    listed = client.get(reverse("classes:list")).content.decode()
    assert (reverse("classes:detail", args=[draft.pk]) in listed) is (sees_draft == 200)
    answer = client.post(
        reverse("classes:recommend", args=[submitted.pk]), {"verdict": "approve", "text": "意见"}
    )
    assert answer.status_code == recommends
    submitted.refresh_from_db()
    assert submitted.recommendation == ("意见" if recommends == 302 else "")
    assert Client().post(reverse("classes:recommend", args=[submitted.pk]), {"text": "x"}).status_code == 302


def test_no_pre_review_of_a_draft_or_an_approved_application(make_class, operator, users):
    training_class = make_class()
    reviewer = users["reviewer_engaged"]
    with pytest.raises(ApplicationError, match="提交后才能提出审核意见"):
        class_recommend(training_class=training_class, actor=reviewer, text="意见", verdict="approve")
    class_transition(training_class=training_class, actor=operator, to=S.SUBMITTED)
    with pytest.raises(ApplicationError, match="请填写第三方审核意见"):
        class_recommend(training_class=training_class, actor=reviewer, text="  ", verdict="approve")
    with pytest.raises(ApplicationError, match="请选择审核建议"):
        class_recommend(training_class=training_class, actor=reviewer, text="意见", verdict="")
    class_transition(training_class=training_class, actor=users["officer_of_district"], to=S.APPROVED)
    with pytest.raises(ApplicationError, match="提交后才能提出审核意见"):
        class_recommend(training_class=training_class, actor=reviewer, text="意见", verdict="approve")
    assert TrainingClass.objects.get(pk=training_class.pk).recommendation == ""


@pytest.mark.parametrize("role", sorted(ANSWERS))
def test_the_api_pre_review_and_draft_visibility_per_role(role, make_class, operator, users):
    draft = make_class()
    submitted = make_class(name="车工高级班")
    class_transition(training_class=submitted, actor=operator, to=S.SUBMITTED)
    api = APIClient()
    api.force_authenticate(users[role])
    sees_draft, recommends = ANSWERS[role]
    assert api.get(f"/api/v1/classes/{draft.pk}/").status_code == sees_draft
    listed = [c["id"] for c in api.get("/api/v1/classes/").json()["results"]]
    assert (draft.pk in listed) is (sees_draft == 200)
    answer = api.post(
        f"/api/v1/classes/{submitted.pk}/recommendation",
        {"verdict": "reject", "rule": "R2.1", "text": "意见"},
        format="json",
    )
    assert answer.status_code == (200 if recommends == 302 else recommends)
    if recommends == 302:
        assert answer.json()["recommendation"] == "意见"
        assert (answer.json()["recommendation_verdict"], answer.json()["recommendation_rule"]) == (
            "reject",
            "R2.1",
        )
    submitted.refresh_from_db()
    assert submitted.recommendation == ("意见" if recommends == 302 else "")
    assert (
        APIClient().post(f"/api/v1/classes/{submitted.pk}/recommendation", {"text": "x"}).status_code == 401
    )
