"""The 消息 inbox and the header's unread badge: each user sees their own notices only (another's
answers 404), opening one marks it read and follows its link, one or all can be marked read, and
the badge costs no query of its own."""

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.notices.models import Notice
from apps.notices.services import notify
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db

ROLE_TRAITS = {
    Role.MUNICIPAL_ADMIN: {"municipal_admin": True},
    Role.DISTRICT_OFFICER: {"officer": True},
    Role.THIRD_PARTY_REVIEWER: {"reviewer": True},
    Role.INSTITUTION_OPERATOR: {"operator": True},
    Role.ENTERPRISE_FILER: {"filer": True},
    Role.AUDITOR: {"auditor": True},
}


def _tell(user, count=1, **kwargs):
    for n in range(count):
        notify(
            recipients=[user],
            kind=kwargs.get("kind", "claim_returned"),
            title=kwargs.get("title", f"申领 #{n + 1}：退回修改"),
            body=kwargs.get("body", "原因：缺少签到表"),
            link=kwargs.get("link", "/claims/"),
        )


@pytest.mark.parametrize("role", list(ROLE_TRAITS))
def test_every_role_reads_its_own_inbox_and_nobody_elses(client, role):
    user = UserFactory(
        **ROLE_TRAITS[role], engaged=[district("500103")] if role == Role.THIRD_PARTY_REVIEWER else None
    )
    other = UserFactory(operator=True)
    _tell(user, title="您的消息")
    _tell(other, title="别人的消息")
    theirs = Notice.objects.get(recipient=other)
    client.force_login(user)

    page = client.get(reverse("notices:inbox"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "您的消息" in body and "别人的消息" not in body
    assert 'class="badge"' in body and ">1<" in body
    assert client.get(reverse("notices:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notices:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_opening_a_notice_marks_it_read_and_follows_its_link(client):
    user = UserFactory(operator=True)
    _tell(user, link="/claims/7/")
    notice = Notice.objects.get()
    client.force_login(user)
    response = client.get(reverse("notices:open", args=[notice.pk]))
    assert (response.status_code, response["Location"]) == (302, "/claims/7/")
    notice.refresh_from_db()
    assert notice.read_at is not None
    first_read = notice.read_at
    client.get(reverse("notices:open", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.read_at == first_read  # read once, the first time


def test_a_notice_without_a_link_opens_the_inbox(client):
    user = UserFactory(operator=True)
    _tell(user, link="")
    client.force_login(user)
    response = client.get(reverse("notices:open", args=[Notice.objects.get().pk]))
    assert response["Location"] == reverse("notices:inbox")


def test_mark_one_and_all_read(client):
    user = UserFactory(operator=True)
    _tell(user, count=3)
    first, *_ = Notice.objects.filter(recipient=user).order_by("pk")
    client.force_login(user)

    response = client.post(reverse("notices:read", args=[first.pk]), {"page": "1"})
    assert response["Location"] == reverse("notices:inbox") + "?page=1"
    assert Notice.objects.filter(recipient=user, read_at__isnull=True).count() == 2
    body = client.get(reverse("notices:inbox")).content.decode()
    assert "2 条未读消息" in body and body.count("标为已读") == 3  # two rows and 全部标为已读

    response = client.post(reverse("notices:read_all"), follow=True)
    assert "已将 2 条消息标为已读" in response.content.decode()
    assert not Notice.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert 'class="badge"' not in response.content.decode()


def test_marking_read_needs_a_post(client):
    user = UserFactory(operator=True)
    _tell(user)
    client.force_login(user)
    assert client.get(reverse("notices:read", args=[Notice.objects.get().pk])).status_code == 405
    assert client.get(reverse("notices:read_all")).status_code == 405
    assert Notice.objects.get().read_at is None


def test_the_inbox_is_newest_first_paginated_with_unread_marked(client, settings):
    settings.PAGINATE_BY = 5
    user = UserFactory(operator=True)
    _tell(user, count=7)
    Notice.objects.filter(title="申领 #7：退回修改").update(read_at="2026-12-01T00:00:00Z")
    client.force_login(user)
    first = client.get(reverse("notices:inbox")).content.decode()
    assert first.index("申领 #7：") < first.index("申领 #6：") < first.index("申领 #3：")
    assert "申领 #2：" not in first and "共 7 条，第 1 / 2 页" in first
    assert first.count('<li class="unread">') == 4 and first.count('<li class="read">') == 1
    second = client.get(reverse("notices:inbox") + "?page=2").content.decode()
    assert "申领 #2：" in second and "申领 #1：" in second


def test_the_badge_is_in_the_header_of_every_page(client):
    user = UserFactory(officer=True)
    _tell(user, count=3)
    client.force_login(user)
    for name in ("core:home", "claims:list", "classes:list", "notices:inbox"):
        body = client.get(reverse(name)).content.decode()
        header = body[body.index('<header class="top">') : body.index("</header>")]
        assert f'href="{reverse("notices:inbox")}"' in header
        assert '<span class="badge"' in header and ">3<" in header, name


def test_the_badge_costs_no_query_of_its_own(client, django_assert_max_num_queries):
    """The session's user is loaded with the count (apps.notices.backends): the home page makes
    as many queries with 0 or 40 unread notices, and the count is right."""
    user = UserFactory(operator=True)
    client.force_login(user)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as none:
        client.get(reverse("core:home"))
    _tell(user, count=40)
    with django_assert_max_num_queries(len(none)):
        body = client.get(reverse("core:home")).content.decode()
    assert ">40<" in body


def test_the_inbox_query_count_is_the_same_for_3_and_60_notices(client, django_assert_max_num_queries):
    # session, user (with the unread count), the user's district in the header, the page's count,
    # the page's rows
    user = UserFactory(operator=True)
    client.force_login(user)
    _tell(user, count=3)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("notices:inbox")).status_code == 200
    _tell(user, count=57)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("notices:inbox") + "?page=2").status_code == 200
