"""The export log's FilterSet narrows the page and the API alike and refuses what it cannot read,
in Chinese (issue 15, item 4)."""

import pytest
from django.urls import reverse

from apps.exports.models import ExportJob, ExportKind
from tests.filtering import assert_page_and_api_agree, assert_refused

pytestmark = pytest.mark.django_db
API = "/api/v1/exports/log"


def test_export_log_filters_narrow_page_and_api_alike(client, api_client, municipal_admin, officer_yuzhong):
    ledger = ExportJob.objects.create(requested_by=officer_yuzhong, kind=ExportKind.LEDGER)
    lines = ExportJob.objects.create(requested_by=municipal_admin, kind=ExportKind.CLAIM_LINES)
    page = reverse("exports:log")

    def agree(query):
        return assert_page_and_api_agree(client, api_client, municipal_admin, page, API, query)

    assert agree("kind=ledger") == {ledger.pk}
    assert agree("user=admin") == {lines.pk}
    assert agree("user=admin&kind=ledger") == set()
    assert_refused(client, api_client, municipal_admin, page, API, "kind=people", "kind")
    assert_refused(client, api_client, municipal_admin, page, API, f"user={'x' * 151}", "user")


def test_the_log_stays_the_municipal_admins(client, api_client, officer_yuzhong):
    api_client.force_authenticate(officer_yuzhong)
    # The log's scope is the policy's, before any filter.
    assert api_client.get(API, {"kind": "ledger"}).status_code == 403
