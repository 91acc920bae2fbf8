"""The district queue: filters, sorting, the same number of queries for 5 and 50 claims, and ID
numbers masked for every role on the claim page and in the API, revealed only on the person's
page by those the roster lets, and logged."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.claims.models import Claim, ClaimStatus
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.employer_claims import WorkerMonths, claim_create_work_for_training
from apps.claims.services.lifecycle import claim_transition
from apps.core.masking import mask_id_number
from apps.trainees.models import PersonalDataView
from tests.factories import NumberedEmployerFactory, UserFactory, district

from .conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def yuzhong_filer(db):
    filer = UserFactory(filer=True, district=district("500103"))
    NumberedEmployerFactory(yuzhong=True, members=[filer], name="重庆渝中以工代训有限公司")
    return filer


def _claims(filer, count, start=0, months=("2021-10",)):
    employer = filer.employers.get()
    for n in range(start, start + count):
        claim = claim_create_work_for_training(
            actor=filer,
            employer=employer,
            workers=[WorkerMonths(person(f"职工{n}", f"{n:03d}", birth="19850505"), list(months))],
            year=2021,
        )
        claim_transition(claim=claim, actor=filer, to=ClaimStatus.SUBMITTED)


def test_queue_query_count_is_the_same_for_5_and_50(client, yuzhong_filer, officer):
    client.force_login(officer)
    url = reverse("claims:list") + "?status=waiting"
    _claims(yuzhong_filer, 5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _claims(yuzhong_filer, 45, start=5)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url + "&page=2&sort=-total&has_findings=0")
        assert response.status_code == 200
    assert response.context["page"].paginator.count == 50
    # session, user, count, the page's rows (claimant, district and class joined; findings and
    # line counts as subqueries), the officer's district in the header
    assert len(five) == len(fifty) <= 6, [q["sql"] for q in fifty]


def test_api_list_query_count_is_the_same_for_5_and_50(api_client, yuzhong_filer, officer):
    api_client.force_authenticate(officer)
    _claims(yuzhong_filer, 5)
    with CaptureQueriesContext(connection) as five:
        assert api_client.get("/api/v1/claims/").json()["count"] == 5
    _claims(yuzhong_filer, 45, start=5)
    with CaptureQueriesContext(connection) as fifty:
        assert api_client.get("/api/v1/claims/").json()["count"] == 50
    # count, the page's ids, the page's rows (apps.core.pagination.Paginator)
    assert len(five) == len(fifty) <= 3


def test_queue_filters(client, yuzhong_filer, officer, completed_class, operator):
    _claims(yuzhong_filer, 2)
    _claims(yuzhong_filer, 1, start=2, months=("2022-01",))  # R3.1: a finding, amount 0
    claim_create_for_class(actor=operator, training_class=completed_class)  # a draft: not in the queue
    client.force_login(officer)

    def listed(query):
        response = client.get(reverse("claims:list") + query)
        return sorted(c.total for c in response.context["page"].object_list)

    assert listed("?status=waiting") == [Decimal("0.00"), Decimal("500.00"), Decimal("500.00")]
    assert listed("?has_findings=1") == [Decimal("0.00"), Decimal("2535.00")]
    assert listed("?has_findings=0") == [Decimal("500.00"), Decimal("500.00")]
    assert listed("?kind=class_completion") == [Decimal("2535.00")]
    assert listed("?amount_min=100&amount_max=1000") == [Decimal("500.00"), Decimal("500.00")]
    assert listed("?claimant=以工代训") == [Decimal("0.00"), Decimal("500.00"), Decimal("500.00")]
    assert listed("?amount_min=abc") == sorted(c.total for c in Claim.objects.all())
    empty = client.get(reverse("claims:list") + "?kind=apprenticeship").content.decode()
    assert "没有符合条件的补贴申领" in empty
    ordered = client.get(reverse("claims:list") + "?sort=-total").context["page"].object_list
    assert next(c.total for c in ordered) == Decimal("2535.00")


def test_claimant_sees_next_steps_and_an_empty_state(client, yuzhong_filer):
    client.force_login(yuzhong_filer)
    assert "还没有补贴申领" in client.get(reverse("claims:list")).content.decode()
    _claims(yuzhong_filer, 1)
    assert "等待区县审核" in client.get(reverse("claims:list")).content.decode()


# Masking ------------------------------------------------------------------------------------------

# Who may reveal a trainee's full ID number, on the person's page and logged (the roster's rule):
# the class's operators, the officers of its district and the municipal admin.
REVEALS = {"operator_own", "officer", "admin"}


@pytest.mark.parametrize("role", ["operator_own", "officer", "admin", "reviewer", "auditor"])
def test_id_numbers_are_masked_for_every_role_and_revealed_one_by_one_on_the_persons_page(
    client, api_client, completed_class, operator, officer, admin_user, role
):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    # Submitted: third parties and auditors see no drafts.
    claim = claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    users = {
        "operator_own": operator,
        "officer": officer,
        "admin": admin_user,
        "reviewer": UserFactory(reviewer=True, engaged=[district("500103")]),
        "auditor": UserFactory(auditor=True),
    }
    trainee = completed_class.trainees["full"]
    number = trainee.id_number
    client.force_login(users[role])
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert number not in page and mask_id_number(number) in page
    # everyone who sees the class's claim reads its roster: the name leads to the person's page
    person_page = reverse("roster:person_detail", args=[trainee.pk])
    assert f'<a href="{person_page}">张全勤</a>' in page
    assert ("请点击其姓名" in page) is (role in REVEALS)
    api_client.force_authenticate(users[role])
    response = api_client.get(f"/api/v1/claims/{claim.pk}/")
    assert number not in response.content.decode()
    line = next(line for line in response.json()["lines"] if line["person"]["name"] == "张全勤")
    assert line["person"] == {"id": trainee.pk, "name": "张全勤", "id_number": mask_id_number(number)}
    assert line["can_reveal"] is (role in REVEALS)
    # the person's page: one explicit reveal, logged, for those who may; refused for the rest
    shown = client.get(person_page)
    assert shown.status_code == 200 and number not in shown.content.decode()
    revealed = client.post(reverse("roster:person_reveal", args=[trainee.pk]), {"purpose": "review"})
    views = PersonalDataView.objects.filter(person=trainee, viewer=users[role])
    if role in REVEALS:
        assert revealed.status_code == 200 and number in revealed.content.decode()
        assert list(views.values_list("purpose", flat=True)) == ["审核补贴申领"]
    else:
        assert revealed.status_code == 403 and not views.exists()
