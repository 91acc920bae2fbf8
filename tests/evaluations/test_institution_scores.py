"""综合评估 computed (issue 19, part 2): a yearly scorecard per institution from what the portal
holds — completion and certificate rates, confirmed findings, returned claims, supervision, the
priority shares — weighted and graded; a ranking per district, an institution's page with its
trend and the figures behind each criterion, an Excel export."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from apps.claims.models import ClaimStatus
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.evaluations.selectors import CRITERIA, institution_scores
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(completed_class, operator, officer):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim = claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    claim_transition(claim=claim, actor=officer, to=ClaimStatus.RETURNED, reason="补材料")
    return completed_class


def test_the_scorecard_is_computed_from_the_data(scored):
    year = scored.end_date.year
    (score,) = institution_scores(year=year, districts=None)
    by = {c.key: c for c in score.criteria}
    assert by["completion"].score == Decimal("66.7") and "合格 2 / 在册学员 3" in by["completion"].detail
    assert by["certificate"].score == Decimal("100.0")
    assert by["compliance"].score == Decimal("100.0")
    assert (
        by["returns"].score == Decimal("0.0") and "1 / 1 件" in by["returns"].detail
    )  # the one claim was returned
    assert by["supervision"].score is None  # no visit: not counted
    scored_criteria = [c for c in score.criteria if c.score is not None]
    expected = sum(c.score * c.weight for c in scored_criteria) / sum(c.weight for c in scored_criteria)
    assert score.total == expected.quantize(Decimal("0.1"))
    assert score.grade in {"优秀", "良好", "合格", "不合格"}
    assert [k for k, _, _ in CRITERIA] == [c.key for c in score.criteria]
    # Another district's officer sees none of it.
    assert institution_scores(year=year, districts=[district("500101").pk]) == []


def test_the_pages_and_the_export(scored, officer, operator):
    year = scored.end_date.year
    client = Client()
    client.force_login(officer)
    html = client.get(reverse("evaluations:institutions") + f"?year={year}").content.decode()
    assert scored.institution.name in html and "结业合格率" in html
    page = client.get(reverse("evaluations:institution", args=[scored.institution_id]) + f"?year={year}")
    assert page.status_code == 200 and "合格 2 / 在册学员 3" in page.content.decode()
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("evaluations:institutions_export") + f"?year={year}").content)
    )
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[2][1] == scored.institution.name and rows[2][3] == 66.7
    client.force_login(UserFactory(officer=True, district=district("500101")))
    assert client.get(reverse("evaluations:institution", args=[scored.institution_id])).status_code == 404
    client.force_login(operator)
    assert client.get(reverse("evaluations:institutions")).status_code == 403


def test_next_years_plan_is_proposed_from_the_grade_and_confirmed_with_a_reason(scored, officer, admin_user):
    from apps.evaluations.selectors import PLAN_FACTORS, plan_proposal
    from apps.institutions.models import InstitutionYear
    from tests.factories import InstitutionYearFactory

    year = scored.end_date.year
    InstitutionYearFactory(institution=scored.institution, year=year, plan_quota=100)
    (score,) = institution_scores(year=year, districts=None)
    proposed, how = plan_proposal(score, 100)
    factor = PLAN_FACTORS[score.grade]
    assert proposed == int((Decimal(100) * factor).quantize(Decimal(1))) and f"× {factor}" in how
    client = Client()
    client.force_login(officer)
    url = reverse("evaluations:institution", args=[scored.institution_id]) + f"?year={year}"
    page = client.get(url).content.decode()
    assert 'id="plan"' in page and f'value="{proposed}"' in page
    assert (
        "确定理由" in client.post(url, {"plan_quota": str(proposed - 10)}).content.decode()
    )  # a reason is required
    response = client.post(url, {"plan_quota": str(proposed - 10), "reason": "新校区未验收，少于建议"})
    assert response.status_code == 302
    row = InstitutionYear.objects.get(institution=scored.institution, year=year + 1)
    assert row.plan_quota == proposed - 10
    # The auditor reads the proposal but confirms nothing.
    client.force_login(UserFactory(auditor=True))
    assert 'name="plan_quota"' not in client.get(url).content.decode()
    assert client.post(url, {"plan_quota": "1", "reason": "x"}).status_code == 403
