"""The ledger's FilterSets (entries, payments, recoveries, allocations) narrow the pages and the
APIs alike and refuse what they cannot read, in Chinese (issue 15, item 4)."""

from datetime import date

import pytest
from django.urls import reverse

from apps.claims.models import LineDecision
from apps.ledger.models import EntryKind, LedgerEntry, Recovery
from apps.ledger.services import claim_approve, line_recover, payment_record
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import district, notice_over
from tests.filtering import assert_page_and_api_agree, assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(reviewed, officer, allocation):
    """An approved claim: its lines booked, one paid, one recovered."""
    claim = claim_approve(claim=reviewed, actor=officer)
    paid, recovered = claim.lines.filter(decision=LineDecision.APPROVED).order_by("pk")[:2]
    notice_over([paid.pk])
    payment_record(
        actor=officer,
        district=district("500103"),
        reference="P1",
        paid_on=date(2026, 12, 30),
        line_ids=[paid.pk],
    )
    line_recover(line=recovered, actor=officer, rule="R10.2", reason="核查不实")
    return claim


def test_entry_filters_narrow_page_and_api_alike(client, api_client, admin_user, booked):
    page, api = reverse("ledger:entries"), "/api/v1/ledger/entries"

    def agree(query):
        return assert_page_and_api_agree(client, api_client, admin_user, page, api, query)

    recoveries = set(LedgerEntry.objects.filter(kind=EntryKind.RECOVERY).values_list("pk", flat=True))
    assert recoveries and agree("kind=recovery") == recoveries
    every = set(LedgerEntry.objects.values_list("pk", flat=True))
    assert agree(f"claim={booked.pk}&year=2026&district=500103&share=training") == every
    assert agree("year=2025") == set() and agree("district=500101") == set()
    assert_refused(client, api_client, admin_user, page, api, "year=twenty", "year")
    assert_refused(client, api_client, admin_user, page, api, "kind=payment", "kind")
    assert_refused(client, api_client, admin_user, page, api, "claim=0", "claim")


def test_payment_and_recovery_filters_narrow_page_and_api_alike(client, api_client, admin_user, booked):
    pay_page, pay_api = reverse("ledger:payments"), "/api/v1/ledger/payments"
    rec_page, rec_api = reverse("ledger:recoveries"), "/api/v1/ledger/recoveries"
    agree = assert_page_and_api_agree
    assert len(agree(client, api_client, admin_user, pay_page, pay_api, "year=2026&district=500103")) == 1
    assert agree(client, api_client, admin_user, pay_page, pay_api, "year=2027") == set()
    assert_refused(client, api_client, admin_user, pay_page, pay_api, "year=1999", "year")
    assert_refused(client, api_client, admin_user, pay_page, pay_api, "district=999999", "district")
    recovery = Recovery.objects.get()
    assert agree(client, api_client, admin_user, rec_page, rec_api, "status=nothing_due") == {recovery.pk}
    assert agree(client, api_client, admin_user, rec_page, rec_api, "status=returned") == set()
    assert_refused(client, api_client, admin_user, rec_page, rec_api, "status=lost", "status")


def test_an_officer_is_not_offered_a_district(client, officer, admin_user, booked):
    client.force_login(officer)
    assert 'name="district"' not in client.get(reverse("ledger:entries")).content.decode()
    client.force_login(admin_user)
    html = client.get(reverse("ledger:entries") + "?kind=reversal").content.decode()
    for label in ("区县", "年度", "资金类别", "类型", "申领编号"):
        assert f"<label>{label} " in html
    assert '<option value="reversal" selected>' in html


def test_the_allocations_api_filters_by_year(api_client, admin_user, allocation):
    api_client.force_authenticate(admin_user)
    assert len(api_client.get("/api/v1/ledger/allocations", {"year": 2026}).json()["results"]) == 1
    assert api_client.get("/api/v1/ledger/allocations", {"year": 2025}).json()["results"] == []
    answer = api_client.get("/api/v1/ledger/allocations", {"year": "今年"})
    assert answer.status_code == 400 and answer.json()["field"] == "year"
