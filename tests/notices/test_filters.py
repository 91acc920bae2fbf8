"""The inbox's FilterSet narrows the page and the API alike and refuses what it cannot read, in
Chinese (issue 15, item 4)."""

import pytest
from django.urls import reverse

from apps.notices.models import Notice
from apps.notices.services import notify
from tests.factories import UserFactory
from tests.filtering import assert_page_and_api_agree, assert_refused

pytestmark = pytest.mark.django_db


def test_unread_narrows_page_and_api_alike(client, api_client):
    me = UserFactory(filer=True)
    notify(recipients=[me], kind="claim_paid", title="已读的", body="", link="")
    notify(recipients=[me], kind="claim_paid", title="未读的", body="", link="")
    Notice.objects.filter(title="已读的").update(read_at="2026-12-01T00:00:00Z")
    unread = Notice.objects.get(title="未读的")
    page, api = reverse("notices:inbox"), reverse("api-notices")
    assert assert_page_and_api_agree(client, api_client, me, page, api, "unread=1") == {unread.pk}
    assert assert_page_and_api_agree(client, api_client, me, page, api, "unread=true") == {unread.pk}
    assert len(assert_page_and_api_agree(client, api_client, me, page, api, "unread=")) == 2
    assert_refused(client, api_client, me, page, api, "unread=yes", "unread")
