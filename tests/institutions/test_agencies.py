"""Third-party agencies (clause 七, R7.1): the scope their contracts give, the end of access the
day a contract ends or the agency is blacklisted (pages, API tokens, the login), and the services
that manage them (who may, what is logged, who is told)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.catalog.permissions import districts_visible_to
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.institutions import services
from apps.institutions.models import AgencyStaff, AgencyStatus, ContractScope
from apps.institutions.permissions import (
    BLACKLISTED_MESSAGE,
    CONTRACT_ENDED_MESSAGE,
    agency_access_refusal,
    contract_districts,
)
from apps.notices.models import Notice
from tests.factories import (
    PASSWORD,
    NumberedInstitutionFactory,
    ServiceContractFactory,
    ThirdPartyAgencyFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def reviewer_of(agency, username="reviewer"):
    user = UserFactory(reviewer=True, username=username)
    AgencyStaff.objects.create(agency=agency, user=user)
    return user


@pytest.fixture
def agency():
    return ThirdPartyAgencyFactory(name="重庆某评审事务所")


@pytest.fixture
def contract(agency):
    return ServiceContractFactory(agency=agency, district=district("500103"))


@pytest.fixture
def reviewer(agency, contract):
    return reviewer_of(agency)


@pytest.fixture
def officer():
    return UserFactory(officer=True, username="officer.yuzhong")


@pytest.fixture
def admin():
    return UserFactory(municipal_admin=True, username="admin")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def assert_sent_to_login(client, message_start):
    """The next page request lands on the login page, which says why; the user is logged out."""
    response = client.get(reverse("institutions:institution_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert message_start in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated
    again = client.get(reverse("institutions:institution_list"))
    assert again["Location"].startswith(reverse("accounts:login"))
    assert message_start not in client.get(again["Location"]).content.decode()  # said once


# Scope from the contract ----------------------------------------------------------------------


def test_reviewer_sees_only_the_districts_of_its_contract(reviewer):
    assert list(districts_visible_to(reviewer).values_list("code", flat=True)) == ["500103"]
    NumberedInstitutionFactory(district=district("500103"))
    NumberedInstitutionFactory(district=district("500101"))
    page = signed_in(reviewer).get(reverse("institutions:institution_list"))
    assert page.status_code == 200
    assert [row[0].district.code for row in page.context["rows"]] == ["500103"]


def test_scope_kinds_and_periods_come_from_the_contracts(agency, reviewer, contract):
    contract.audits_claims = False
    contract.save()
    assert list(contract_districts(reviewer, ContractScope.CLAIM_AUDIT)) == []
    assert list(contract_districts(reviewer, ContractScope.INSTITUTION_REVIEW)) == [district("500103")]
    # A second contract, for claim audit in 万州区, from tomorrow: not yet in force.
    later = ServiceContractFactory(
        agency=agency,
        district=district("500101"),
        starts_on=TODAY + timedelta(days=1),
        reviews_institutions=False,
    )
    assert list(contract_districts(reviewer, ContractScope.CLAIM_AUDIT)) == []
    later.starts_on = TODAY
    later.save()
    assert list(contract_districts(reviewer, ContractScope.CLAIM_AUDIT)) == [district("500101")]
    assert sorted(districts_visible_to(reviewer).values_list("code", flat=True)) == ["500101", "500103"]


def test_a_reviewer_of_no_agency_has_no_district_and_is_not_refused():
    loner = UserFactory(reviewer=True)
    assert not districts_visible_to(loner).exists()
    assert agency_access_refusal(loner) is None
    assert signed_in(loner).get(reverse("core:home")).status_code == 200


# Stop at once ---------------------------------------------------------------------------------


def test_blacklisting_logs_the_reviewer_out_on_the_next_page_request(reviewer, agency, officer):
    client = signed_in(reviewer)
    assert client.get(reverse("core:home")).status_code == 200
    services.agency_blacklist(actor=officer, agency=agency, reason="出具虚假审核意见")
    assert_sent_to_login(client, "所在第三方机构已被列入黑名单")


def test_blacklisting_ends_the_staffs_tokens_and_sessions(reviewer, agency, officer):
    api = token_client(reviewer)
    assert api.get("/api/v1/institutions/").status_code == 200
    signed_in(reviewer)
    other = UserFactory(officer=True)
    signed_in(other)
    assert Session.objects.count() == 2
    services.agency_blacklist(actor=officer, agency=agency, reason="出具虚假审核意见")
    assert not Token.objects.filter(user=reviewer).exists()
    signed = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert sorted(signed, key=str) == sorted(
        [None, str(other.pk)], key=str
    )  # the reviewer's session holds no sign-in, only the message
    assert api.get("/api/v1/institutions/").status_code == 401


def test_a_surviving_token_of_a_blacklisted_agency_is_refused_401(reviewer, agency):
    api = token_client(reviewer)
    agency.status = AgencyStatus.BLACKLISTED  # as if a token were issued after the blacklisting
    agency.save()
    response = api.get("/api/v1/institutions/")
    assert response.status_code == 401
    assert response.json()["detail"] == BLACKLISTED_MESSAGE
    assert not Token.objects.filter(user=reviewer).exists()


def test_a_contract_that_ended_yesterday_ends_the_session_and_the_token(reviewer, contract):
    client, api = signed_in(reviewer), token_client(reviewer)
    contract.ends_on = TODAY - timedelta(days=1)
    contract.save()
    assert_sent_to_login(client, "服务合同已到期")
    response = api.get("/api/v1/institutions/")
    assert response.status_code == 401
    assert response.json()["detail"] == CONTRACT_ENDED_MESSAGE


def test_a_session_api_call_after_the_end_answers_401_in_the_error_shape(reviewer, contract):
    client = signed_in(reviewer)
    contract.ends_on = TODAY - timedelta(days=1)
    contract.save()
    response = client.get("/api/v1/institutions/")
    assert response.status_code == 401
    assert response.json() == {"detail": CONTRACT_ENDED_MESSAGE, "rule": "R7.1"}


def test_the_contract_in_force_on_its_last_day(reviewer, contract):
    contract.ends_on = TODAY
    contract.save()
    assert signed_in(reviewer).get(reverse("core:home")).status_code == 200


def test_the_login_and_the_token_api_refuse_an_ended_reviewer(reviewer, contract):
    contract.ends_on = TODAY - timedelta(days=1)
    contract.save()
    page = Client().post(reverse("accounts:login"), {"username": "reviewer", "password": PASSWORD})
    assert page.status_code == 400
    assert "服务合同已到期" in page.content.decode()
    api = APIClient().post(
        "/api/v1/auth/token", {"username": "reviewer", "password": PASSWORD}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["detail"] == CONTRACT_ENDED_MESSAGE
    assert api.json()["rule"] == "R7.1"


def test_the_check_costs_one_query_and_only_for_reviewers(reviewer, officer, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert agency_access_refusal(reviewer) is None
    with django_assert_num_queries(0):
        assert agency_access_refusal(officer) is None


# Managing agencies ----------------------------------------------------------------------------


def contract_data(**changes):
    data = {
        "number": "YZ-2026-001",
        "district": district("500103"),
        "districts": [district("500103")],
        "scopes": [ContractScope.CLAIM_AUDIT],
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=365),
        "amount": Decimal("120000"),
    }
    return {**data, **changes}


def test_an_officer_contracts_for_their_own_district_only(agency, officer):
    contract = services.contract_create(actor=officer, agency=agency, **contract_data())
    assert contract.audits_claims and not contract.reviews_institutions
    assert contract.amount == Decimal("120000.00")
    with pytest.raises(ApplicationError, match="只能为本区县"):
        services.contract_create(
            actor=officer, agency=agency, **contract_data(number="X", districts=[district("500101")])
        )
    with pytest.raises(ApplicationError, match="已有编号为 YZ-2026-001"):
        services.contract_create(actor=officer, agency=agency, **contract_data())
    with pytest.raises(ApplicationError, match="至少一项"):
        services.contract_create(actor=officer, agency=agency, **contract_data(number="Y", scopes=[]))
    with pytest.raises(ApplicationError, match="结束日期"):
        services.contract_create(
            actor=officer, agency=agency, **contract_data(number="Z", ends_on=TODAY - timedelta(days=1))
        )


def test_the_contract_is_logged_and_the_staff_told(agency, officer):
    staff = reviewer_of(agency)
    services.contract_create(actor=officer, agency=agency, **contract_data())
    change = StateChange.objects.get(to_state="contract_added")
    assert change.actor == officer and "YZ-2026-001" in change.reason
    assert Notice.objects.filter(recipient=staff, kind="agency_contract").exists()


def test_terminating_a_contract_ends_the_access_at_once(reviewer, contract, officer):
    services.contract_terminate(actor=officer, contract=contract, reason="考核不合格")
    contract.refresh_from_db()
    assert contract.terminated_on == TODAY
    assert agency_access_refusal(reviewer) == CONTRACT_ENDED_MESSAGE


def test_an_officer_of_another_district_may_neither_end_nor_blacklist(agency, contract):
    other = UserFactory(officer=True, district=district("500101"))
    with pytest.raises(PermissionDenied):
        services.contract_terminate(actor=other, contract=contract, reason="x")
    with pytest.raises(PermissionDenied, match="无权"):
        services.agency_blacklist(actor=other, agency=agency, reason="x")


def test_blacklist_needs_a_reason_and_only_the_admin_lifts_it(agency, contract, officer, admin):
    staff = reviewer_of(agency)
    with pytest.raises(ApplicationError, match="原因"):
        services.agency_blacklist(actor=officer, agency=agency, reason="  ")
    services.agency_blacklist(actor=officer, agency=agency, reason="出具虚假审核意见")
    agency.refresh_from_db()
    assert (agency.status, agency.blacklist_reason, agency.blacklisted_by) == (
        AgencyStatus.BLACKLISTED,
        "出具虚假审核意见",
        officer,
    )
    assert Notice.objects.filter(recipient=staff, kind="agency_blacklisted").exists()
    with pytest.raises(ApplicationError, match="黑名单"):
        services.contract_create(actor=admin, agency=agency, **contract_data(number="N"))
    with pytest.raises(PermissionDenied, match="只有市人力社保局管理员"):
        services.agency_blacklist_lift(actor=officer, agency=agency, reason="已整改")
    services.agency_blacklist_lift(actor=admin, agency=agency, reason="已整改")
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.ACTIVE and agency.blacklist_reason == ""
    assert list(StateChange.objects.filter(object_id=agency.pk).values_list("to_state", "reason"))[-2:] == [
        ("blacklisted", "出具虚假审核意见"),
        ("active", "已整改"),
    ]
    assert agency_access_refusal(staff) is None


def test_staff_attach_takes_reviewers_of_no_other_agency(agency, contract, admin):
    user = UserFactory(reviewer=True, username="new.reviewer")
    services.agency_staff_attach(actor=admin, agency=agency, username="new.reviewer")
    assert user.agency_staff.agency == agency
    with pytest.raises(ApplicationError, match="已是"):
        services.agency_staff_attach(actor=admin, agency=ThirdPartyAgencyFactory(), username="new.reviewer")
    UserFactory(officer=True, username="not.a.reviewer")
    with pytest.raises(ApplicationError, match="没有该用户名"):
        services.agency_staff_attach(actor=admin, agency=agency, username="not.a.reviewer")


def test_agency_uscc_is_checked(admin):
    with pytest.raises(ApplicationError) as caught:
        services.agency_create(actor=admin, name="某机构", uscc="915001030000000000")
    assert caught.value.field == "uscc"
    made = services.agency_create(actor=admin, name="某机构", uscc=ThirdPartyAgencyFactory.build().uscc)
    assert StateChange.objects.filter(object_id=made.pk, to_state="agency_created").exists()


def test_the_agency_list_costs_the_same_for_more_agencies(admin, django_assert_max_num_queries):
    for _ in range(12):
        ServiceContractFactory(agency=ThirdPartyAgencyFactory())
    client = signed_in(admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("institutions:agency_list"), {"district": "500103"})
    assert response.status_code == 200
    assert all(a.contracts_in_force == 1 for a in response.context["page"].object_list)
