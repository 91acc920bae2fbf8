"""Pre-review of a recognition application (issue 18, part 2, R7.1): the staff of a third-party
agency contracted for institution review (机构审核) in the district advise on an institution
awaiting recognition — a verdict, the rule it rests on (required to advise rejecting), a reason;
the officer reads it beside the application and decides. It never changes the status."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.errors import ApplicationError
from apps.institutions.models import InstitutionStatus
from apps.institutions.services import institution_recommend
from apps.notices.models import Notice
from tests.factories import (
    InstitutionFactory,
    NumberedInstitutionFactory,
    ServiceContractFactory,
    ThirdPartyAgencyFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(db):
    return InstitutionFactory(status=InstitutionStatus.APPLIED, district=district("500103"))


def reviewer_for(*, scope_review: bool = True, code: str = "500103"):
    user = UserFactory(reviewer=True)
    agency = ThirdPartyAgencyFactory()
    from apps.institutions.models import AgencyStaff

    AgencyStaff.objects.create(agency=agency, user=user)
    ServiceContractFactory(
        agency=agency,
        district=district(code),
        districts=[district(code)],
        reviews_institutions=scope_review,
        supervises_training=True,
        audits_claims=True,
    )
    return user


def test_the_engaged_reviewer_advises_and_the_officer_reads_it(applied):
    officer = UserFactory(officer=True, district=district("500103"))
    reviewer = reviewer_for()
    client = Client()
    client.force_login(reviewer)
    detail = reverse("institutions:institution_detail", args=[applied.pk])
    assert 'id="pre-review"' in client.get(detail).content.decode()
    url = reverse("institutions:institution_recommend", args=[applied.pk])
    refused = client.post(url, {"verdict": "reject", "rule": "", "text": "场地不符"})
    assert refused.status_code == 400 and "建议不予通过须选择理由规则" in refused.content.decode()
    assert (
        client.post(url, {"verdict": "reject", "rule": "R6.2", "text": "实训场地不符合要求"}).status_code
        == 302
    )
    applied.refresh_from_db()
    assert (applied.recommendation_verdict, applied.recommendation_rule, applied.status) == (
        "reject",
        "R6.2",
        InstitutionStatus.APPLIED,
    )
    assert Notice.objects.filter(recipient=officer, kind="institution_recommended").exists()
    client.force_login(officer)
    page = client.get(detail).content.decode()
    assert "建议不予通过" in page and "实训场地不符合要求" in page and "提出审核意见</button>" not in page


def test_only_an_engaged_reviewer_advises_and_only_while_the_application_waits(applied):
    recognised = NumberedInstitutionFactory(status=InstitutionStatus.RECOGNISED, district=district("500103"))
    for user, institution, message in (
        (reviewer_for(scope_review=False), applied, "机构审核"),
        (reviewer_for(code="500101"), applied, "机构审核"),
        (reviewer_for(), recognised, "机构审核"),
        (UserFactory(officer=True, district=district("500103")), applied, "机构审核"),
    ):
        with pytest.raises(Exception, match=message):
            institution_recommend(institution=institution, actor=user, verdict="approve", rule="", text="可")
    with pytest.raises(ApplicationError, match="理由规则“X9”不存在"):
        institution_recommend(
            institution=applied, actor=reviewer_for(), verdict="approve", rule="X9", text="可"
        )


ROLES = {
    # role: (detail page, POST a pre-review)
    "reviewer_engaged": (200, 302),
    "reviewer_not_engaged": (404, 404),
    "officer_of_district": (200, 403),
    "municipal_admin": (200, 403),
    "auditor": (200, 403),
    "operator": (404, 404),
    "anonymous": ("login", "login"),
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_role(role, applied):
    users = {
        "reviewer_engaged": reviewer_for(),
        "reviewer_not_engaged": reviewer_for(code="500101"),
        "officer_of_district": UserFactory(officer=True, district=district("500103")),
        "municipal_admin": UserFactory(municipal_admin=True),
        "auditor": UserFactory(auditor=True),
        "operator": UserFactory(operator=True),
        "anonymous": None,
    }
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    page, post = ROLES[role]
    got = client.get(reverse("institutions:institution_detail", args=[applied.pk]))
    sent = client.post(
        reverse("institutions:institution_recommend", args=[applied.pk]), {"verdict": "approve", "text": "可"}
    )
    for response, want in ((got, page), (sent, post)):
        if want == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == want, role
