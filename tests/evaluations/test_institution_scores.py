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
    InstitutionYearFactory(institution=scored.institution, year=year, plan_quota=100, evaluation_score=None)
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


# The weights as dated district settings, the typed score as an override (issue 19, part 2) ------


def _weight(actor, key, value, start, code="500103"):
    from apps.catalog.services import district_setting_set

    district_setting_set(
        actor=actor,
        district=district(code),
        key=f"eval_weight_{key}",
        value=Decimal(value),
        effective_from=start,
        note="区局评估办法",
    )


def test_without_settings_the_default_weights_are_used(scored):
    (score,) = institution_scores(year=scored.end_date.year, districts=None)
    assert [(c.weight, c.weight_source) for c in score.criteria] == [(w, "默认") for _, _, w in CRITERIA]
    assert [w for _, _, w in CRITERIA] == [30, 20, 20, 10, 10, 10]
    # (66.7×30 + 100×20 + 100×20 + 0×10 + 0×10) ÷ 90 = 66.68 → 66.7; supervision has no data.
    assert (score.total, score.grade) == (Decimal("66.7"), "合格")
    assert score.arithmetic == (
        "(66.7×30 + 100.0×20 + 100.0×20 + 0.0×10 + 0.0×10) ÷ (30 + 20 + 20 + 10 + 10) = 66.7"
    )


def test_the_districts_weights_in_force_on_31_december_change_the_total_and_the_grade(scored, officer):
    from datetime import date

    from apps.evaluations.selectors import plan_proposal

    year = scored.end_date.year
    _weight(officer, "returns", "0", date(year, 1, 1))
    _weight(officer, "priorities", "0", date(year, 12, 31))  # in force on the last day: used
    _weight(officer, "returns", "10", date(year + 1, 1, 1))  # closes the 0 on 31 December
    _weight(officer, "completion", "100", date(year + 1, 1, 1))  # dated after the year: not used
    _weight(
        UserFactory(officer=True, district=district("500101")), "completion", "0", date(year, 1, 1), "500101"
    )
    (score,) = institution_scores(year=year, districts=None)
    by = {c.key: c for c in score.criteria}
    assert [c.weight for c in score.criteria] == [30, 20, 20, 0, 10, 0]
    assert by["returns"].weight_source == f"区县设置（{year}-01-01 起）"
    assert by["priorities"].weight_source == f"区县设置（{year}-12-31 起）"
    assert by["completion"].weight_source == "默认"
    # (66.7×30 + 100×20 + 100×20) ÷ 70 = 85.73 → 85.7: 良好 instead of 合格.
    assert (score.total, score.grade) == (Decimal("85.7"), "良好")
    assert score.arithmetic.endswith("÷ (30 + 20 + 20 + 0 + 0) = 85.7")
    assert plan_proposal(score, 100) == (
        110,
        "2026 年度计划 100 人次 × 1.1（良好，计算得分的等次）= 110 人次",
    )


def _many_scored_institutions(year, officer, count):
    """`count` more institutions with a submitted claim of the year, half in 万州区, each district
    with its own weights and some with an override."""
    from datetime import date

    from apps.claims.models import Claim
    from apps.institutions.services import institution_year_set
    from tests.factories import NumberedInstitutionFactory

    wanzhou_officer = UserFactory(officer=True, district=district("500101"))
    _weight(officer, "returns", "50", date(year, 1, 1))
    _weight(wanzhou_officer, "returns", "40", date(year, 1, 1), "500101")
    for n in range(count):
        where = district("500101") if n % 2 else district("500103")
        school = NumberedInstitutionFactory(district=where)
        Claim.objects.create(
            kind="class_completion",
            district=where,
            year=year,
            institution=school,
            status=ClaimStatus.SUBMITTED,
        )
        if n % 3 == 0:
            institution_year_set(
                institution=school,
                actor=UserFactory(municipal_admin=True),
                year=year,
                evaluation_score=Decimal("70"),
                plan_quota=10,
                reason=f"覆盖 {n}",
            )


def _override(scored, officer, year, score, quota, reason):
    """An officer types the year's score, overriding the computed one, with a reason."""
    from apps.institutions.services import institution_year_set

    return institution_year_set(
        institution=scored.institution,
        actor=officer,
        year=year,
        evaluation_score=Decimal(score),
        plan_quota=quota,
        reason=reason,
    )


def test_the_ranking_reads_weights_and_overrides_in_a_bounded_number_of_queries(
    scored, officer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    year = scored.end_date.year
    admin = UserFactory(municipal_admin=True)
    client = Client()
    client.force_login(admin)
    url = reverse("evaluations:institutions") + f"?year={year}"
    _override(scored, officer, year, "80", 1, "基线")
    client.get(url)  # warm up (content types, session)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _many_scored_institutions(year, officer, 8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url)
    html = page.content.decode()
    assert html.count("覆盖 ") == 3 and "渝中区" in html and "万州区" in html
    weights = page.context["weights"]
    assert [d.district for d in weights] == sorted(["渝中区", "万州区"])
    for d in weights:
        returns = next(c for c in d.criteria if c.key == "returns")
        assert returns.weight == (50 if d.district == "渝中区" else 40)
        assert returns.weight_source == f"区县设置（{year}-01-01 起）"
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("evaluations:institutions_export") + f"?year={year}").status_code == 200


def test_an_override_is_shown_with_its_reason_beside_the_computed_score_and_drives_the_plan(scored, officer):
    from apps.evaluations.selectors import plan_proposal

    year = scored.end_date.year
    _override(scored, officer, year, "92", 100, "年中现场评估优秀，数据未含线下整改")
    (score,) = institution_scores(year=year, districts=None)
    assert (score.total, score.grade) == (Decimal("66.7"), "合格")  # the computed, unchanged
    assert (score.override.score, score.override_grade, score.effective_grade) == (
        Decimal("92.00"),
        "优秀",
        "优秀",
    )
    assert score.override.reason == "年中现场评估优秀，数据未含线下整改" and score.override.by == str(officer)
    assert plan_proposal(score, 100) == (
        120,
        f"{year} 年度计划 100 人次 × 1.2（优秀，人工覆盖得分的等次）= 120 人次",
    )

    client = Client()
    client.force_login(officer)
    url = reverse("evaluations:institution", args=[scored.institution_id]) + f"?year={year}"
    page = client.get(url).content.decode()
    assert "计算得分 66.7 分 · 合格" in page and 'id="override"' in page
    assert "92.00 分 · 优秀" in page and "年中现场评估优秀，数据未含线下整改" in page and str(officer) in page
    assert "按人工覆盖得分的等次建议" in page and 'value="120"' in page
    assert "(66.7×30 + 100.0×20 + 100.0×20 + 0.0×10 + 0.0×10) ÷ (30 + 20 + 20 + 10 + 10) = 66.7" in page
    assert "默认" in page and "Σ（得分 × 权重）÷ Σ 权重" in page
    ranking = client.get(reverse("evaluations:institutions") + f"?year={year}").content.decode()
    assert "92.00（优秀）" in ranking and "年中现场评估优秀，数据未含线下整改" in ranking
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("evaluations:institutions_export") + f"?year={year}").content)
    )
    head, row = list(book.worksheets[0].iter_rows(values_only=True))[1:3]
    data = dict(zip(head, row, strict=True))
    assert (data["结业合格率 得分"], data["结业合格率 权重"]) == (66.7, 30)
    assert data[f"权重来源（{year}-12-31 在用）"].startswith("结业合格率 默认；")
    assert (data["计算总分"], data["计算等次"], data["人工覆盖得分"], data["覆盖等次"]) == (
        66.7,
        "合格",
        92,
        "优秀",
    )
    assert data["覆盖人"] == str(officer) and data["覆盖原因"] == "年中现场评估优秀，数据未含线下整改"
    assert data["采用的等次（排名、培训计划建议）"] == "优秀"

    # Confirming next year's plan from the page keeps next year's override, and says what it followed.
    _override(scored, officer, year + 1, "50", 0, "预先覆盖")
    assert client.post(url, {"plan_quota": "120", "reason": "采纳建议"}).status_code == 302
    from apps.core.selectors import state_changes_for
    from apps.institutions.models import InstitutionYear

    row = InstitutionYear.objects.get(institution=scored.institution, year=year + 1)
    assert (row.evaluation_score, row.plan_quota) == (Decimal("50.00"), 120)
    last = state_changes_for(obj=scored.institution).last()
    assert "人工覆盖得分 92.00 分（优秀；计算得分 66.7 分（合格））" in last.reason


def test_the_weight_and_override_pages_keep_their_permissions(scored, officer, operator):

    year = scored.end_date.year
    _override(scored, officer, year, "92", 1, "r")
    client = Client()
    url = reverse("evaluations:institution", args=[scored.institution_id]) + f"?year={year}"
    client.force_login(UserFactory(officer=True, district=district("500101")))
    assert client.get(url).status_code == 404  # another district's officer
    assert "92.00" not in client.get(reverse("evaluations:institutions") + f"?year={year}").content.decode()
    client.force_login(operator)
    assert client.get(url).status_code == 403
    assert client.get(reverse("evaluations:institutions_export") + f"?year={year}").status_code == 403
    client.force_login(UserFactory(auditor=True))
    assert "92.00 分 · 优秀" in client.get(url).content.decode()
