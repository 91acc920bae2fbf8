"""GET /api/v1/notices and POST /api/v1/notices/mark-read: the caller's own notices only."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.notices.models import Notice
from apps.notices.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _tell(user, *titles):
    for title in titles:
        notify(recipients=[user], kind="claim_paid", title=title, body="拨付凭证号 YZ-1", link="/claims/1/")


@pytest.fixture
def me(api_client):
    user = UserFactory(filer=True)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return user


def test_lists_my_notices_newest_first_with_the_unread_count(api_client, me):
    other = UserFactory(operator=True)
    _tell(me, "第一条", "第二条")
    _tell(other, "别人的")
    Notice.objects.filter(title="第一条").update(read_at="2026-12-01T00:00:00Z")

    data = api_client.get(reverse("api-notices")).json()

    assert data["count"] == 2 and data["unread_count"] == 1
    assert [(n["title"], n["unread"]) for n in data["results"]] == [("第二条", True), ("第一条", False)]
    assert set(data["results"][0]) == {
        "id",
        "kind",
        "title",
        "body",
        "link",
        "created_at",
        "read_at",
        "unread",
    }
    unread = api_client.get(reverse("api-notices") + "?unread=1").json()
    assert [n["title"] for n in unread["results"]] == ["第二条"]


def test_mark_listed_notices_read(api_client, me):
    _tell(me, "一", "二", "三")
    one, two, _ = Notice.objects.filter(recipient=me).order_by("pk")
    response = api_client.post(reverse("api-notices-mark-read"), {"ids": [one.pk, two.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 2, "unread_count": 1}
    again = api_client.post(reverse("api-notices-mark-read"), {"ids": [one.pk]}, format="json")
    assert again.json() == {"marked": 0, "unread_count": 1}


def test_mark_all_read(api_client, me):
    _tell(me, "一", "二")
    response = api_client.post(reverse("api-notices-mark-read"), {"all": True}, format="json")
    assert response.json() == {"marked": 2, "unread_count": 0}


def test_another_users_notice_answers_404_and_nothing_is_marked(api_client, me):
    other = UserFactory(operator=True)
    _tell(me, "我的")
    _tell(other, "别人的")
    mine, theirs = Notice.objects.get(recipient=me), Notice.objects.get(recipient=other)
    response = api_client.post(reverse("api-notices-mark-read"), {"ids": [mine.pk, theirs.pk]}, format="json")
    assert response.status_code == 404
    assert not Notice.objects.filter(read_at__isnull=False).exists()


def test_nothing_to_mark_is_a_named_error(api_client, me):
    response = api_client.post(reverse("api-notices-mark-read"), {}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "ids"
    bad = api_client.post(reverse("api-notices-mark-read"), {"ids": ["x"]}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "ids[0]"
    # Any item of the list is named by its index (Schemathesis found a 500 here).
    odd = api_client.post(reverse("api-notices-mark-read"), {"ids": [3, 0, "x"]}, format="json")
    assert odd.status_code == 400 and odd.json()["field"] == "ids[1]"


def test_anonymous_is_refused(api_client):
    assert api_client.get(reverse("api-notices")).status_code == 401
    assert api_client.post(reverse("api-notices-mark-read"), {"all": True}, format="json").status_code == 401
