"""A third party recommends on a claim only under a contract in force for claim audit (申领审核) in
the claim's district (R7.1); its logged reads of personal data carry its agency and are listed for
the district that engages it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.claims.models import ClaimStatus
from apps.claims.permissions import claim_policy, is_engaged_reviewer
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_recommend
from apps.core.errors import ApplicationError
from apps.institutions.models import AgencyStaff
from apps.trainees.models import PersonalDataView
from apps.trainees.services.persons import person_reveal, personal_data_download_record
from tests.claims.conftest import *  # noqa: F403 - fixtures
from tests.classes.conftest import lathe, make_class, operator, rates, school  # noqa: F401 - fixtures
from tests.factories import ServiceContractFactory, ThirdPartyAgencyFactory, UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(completed_class, operator):  # noqa: F811
    return claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )


def reviewer_with(**contract):
    agency = ThirdPartyAgencyFactory()
    user = UserFactory(reviewer=True)
    AgencyStaff.objects.create(agency=agency, user=user)
    ServiceContractFactory(agency=agency, **contract)
    return user


def test_r7_1_no_recommendation_without_the_claim_audit_scope(submitted):
    reviewer = reviewer_with(audits_claims=False)  # institution review and process supervision only
    assert claim_policy.visible(reviewer).filter(pk=submitted.pk).exists()  # it still sees the claim
    assert not is_engaged_reviewer(reviewer, submitted)
    with pytest.raises(ApplicationError, match=r"R7\.1"):
        claim_recommend(claim=submitted, actor=reviewer, text="同意")


def test_r7_1_recommendation_under_a_claim_audit_contract_in_force(submitted):
    reviewer = reviewer_with(reviews_institutions=False, supervises_training=False)
    claim_recommend(claim=submitted, actor=reviewer, text="同意")
    submitted.refresh_from_db()
    assert submitted.recommended_by == reviewer


def test_r7_1_no_recommendation_once_the_contract_ended(submitted):
    yesterday = timezone.localdate() - timedelta(days=1)
    reviewer = reviewer_with(ends_on=yesterday)
    with pytest.raises(ApplicationError, match=r"R7\.1"):
        claim_recommend(claim=submitted, actor=reviewer, text="同意")


def test_r7_1_no_recommendation_in_a_district_the_contract_does_not_serve(submitted):
    reviewer = reviewer_with(district=district("500101"))
    assert not claim_policy.visible(reviewer).filter(pk=submitted.pk).exists()
    assert not is_engaged_reviewer(reviewer, submitted)


def test_a_third_partys_reads_are_logged_with_its_agency_and_listed_for_the_district(submitted, officer):
    """Third parties reveal no one today (neither the roster's rule nor the claims' lets them); a
    read of theirs that is logged, such as a download, carries their agency."""
    reviewer = reviewer_with()
    person = submitted.lines.first().person
    with pytest.raises(PermissionDenied):
        person_reveal(person=person, viewer=reviewer, purpose="review")
    personal_data_download_record(viewer=reviewer, person_ids=[person.pk], purpose="下载考核结果模板")
    row = PersonalDataView.objects.get(viewer=reviewer)
    assert row.agency == reviewer.agency_staff.agency
    person_reveal(person=person, viewer=officer, purpose="review")
    assert PersonalDataView.objects.get(viewer=officer).agency is None

    client = Client()
    client.force_login(officer)
    page = client.get(reverse("roster:third_party_reads"))
    assert page.status_code == 200
    assert [r.viewer for r, _ in page.context["rows"]] == [reviewer]
    assert person.id_number not in page.content.decode()  # masked in the list

    wanzhou = Client()
    wanzhou.force_login(UserFactory(officer=True, district=district("500101")))
    assert list(wanzhou.get(reverse("roster:third_party_reads")).context["rows"]) == []
