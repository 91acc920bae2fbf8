"""A third-party reviewer's recommendation on each claim line (issue 18, part 2; R7.1): approve or
reject, with a reason and (to reject) a rule. It never changes the line; the officer sees the latest
beside the line on the claim page and in the API, and decides."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.claims.models import ClaimStatus, LineDecision, LineRecommendation
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_recommend
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(completed_class, operator):
    return claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )


@pytest.fixture
def reviewer():
    return UserFactory(reviewer=True, engaged=[district("500103")])


def _line(claim):
    return claim.lines.filter(amount__gt=0).order_by("pk").first()


def test_a_recommendation_is_recorded_and_logged_and_never_decides(submitted, reviewer):
    line = _line(submitted)
    logged = StateChange.objects.count()
    advice = claim_line_recommend(
        line=line, actor=reviewer, verdict="reject", rule="R2.6", reason="现场人数少于签到人数"
    )
    line.refresh_from_db()
    submitted.refresh_from_db()
    assert line.decision == LineDecision.PENDING and submitted.status == ClaimStatus.SUBMITTED
    assert (advice.verdict, advice.rule, advice.recommended_by) == ("reject", "R2.6", reviewer)
    change = StateChange.objects.order_by("pk").last()
    assert StateChange.objects.count() == logged + 1
    assert change.actor == reviewer and change.from_state == change.to_state == ClaimStatus.SUBMITTED
    assert change.changes == {
        "line": line.pk,
        "person": line.person_id,
        "recommendation": "reject",
        "rule": "R2.6",
    }


@pytest.mark.parametrize(
    ("verdict", "rule", "reason", "field"),
    [("maybe", "", "x", "verdict"), ("approve", "", " ", "reason"), ("reject", "", "不符", "rule")],
)
def test_a_recommendation_needs_a_verdict_a_reason_and_to_reject_a_rule(
    submitted, reviewer, verdict, rule, reason, field
):
    with pytest.raises(ApplicationError) as refused:
        claim_line_recommend(line=_line(submitted), actor=reviewer, verdict=verdict, rule=rule, reason=reason)
    assert refused.value.field == field
    assert not LineRecommendation.objects.exists()


def test_only_an_engaged_reviewer_recommends_and_only_while_the_claim_waits(submitted, reviewer, officer):
    line = _line(submitted)
    for actor in (officer, UserFactory(reviewer=True, engaged=[district("500101")])):
        with pytest.raises(ApplicationError, match="第三方社会机构"):
            claim_line_recommend(line=line, actor=actor, verdict="approve", reason="材料齐全")
    claim_transition(claim=submitted, actor=officer, to=ClaimStatus.RETURNED, reason="补充材料")
    with pytest.raises(ApplicationError, match="不能提出审核意见"):
        claim_line_recommend(line=line, actor=reviewer, verdict="approve", reason="材料齐全")
    assert not LineRecommendation.objects.exists()


def test_the_officer_sees_the_latest_recommendation_beside_the_line(client, submitted, reviewer, officer):
    line = _line(submitted)
    client.force_login(reviewer)
    url = reverse("claims:line_recommend", args=[submitted.pk, line.pk])
    page = client.get(reverse("claims:detail", args=[submitted.pk])).content.decode()
    assert f'action="{url}"' in page and f'id="verdict-{line.pk}"' in page  # the reviewer's form
    client.post(url, {"verdict": "approve", "reason": "材料齐全"})
    response = client.post(url, {"verdict": "reject", "rule": "R2.6", "reason": "签到<异常>"}, follow=True)
    assert "审核意见已记录" in response.content.decode()
    assert LineRecommendation.objects.filter(line=line).count() == 2

    client.force_login(officer)
    page = client.get(reverse("claims:detail", args=[submitted.pk])).content.decode()
    row = page[page.index(f'<tr id="line-{line.pk}">') :]
    row = row[: row.index("</tr>")]
    assert '第三方意见：<strong>建议不予补贴</strong>（<a class="rule" href="/rules/#R2.6">R2.6</a>）' in row
    assert f"签到&lt;异常&gt; · {reviewer}" in row  # the latest, escaped, and who gave it
    assert "建议通过" not in row  # the earlier one is in the history, not beside the line
    assert f'id="verdict-{line.pk}"' not in page  # the officer decides; no recommendation form


def test_a_bad_form_names_the_line_and_the_field(client, submitted, reviewer):
    line = _line(submitted)
    client.force_login(reviewer)
    response = client.post(
        reverse("claims:line_recommend", args=[submitted.pk, line.pk]),
        {"verdict": "reject", "reason": "不符"},
        follow=True,
    )
    assert (
        f"明细 #{line.pk}" in response.content.decode()
        and "建议不予补贴须选择理由规则" in response.content.decode()
    )
    assert not LineRecommendation.objects.exists()


def test_the_api_records_it_and_the_claim_shows_it_on_its_line(submitted, reviewer, officer):
    line = _line(submitted)
    api = APIClient()
    api.force_authenticate(reviewer)
    answer = api.post(
        f"/api/v1/claims/{submitted.pk}/lines/{line.pk}/recommendation",
        {"verdict": "reject", "rule": "R2.6", "reason": "签到异常"},
        format="json",
    )
    assert answer.status_code == 201 and answer.json()["verdict"] == "reject"
    refused = api.post(
        f"/api/v1/claims/{submitted.pk}/lines/{line.pk}/recommendation",
        {"verdict": "reject", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["field"] == "rule"
    api.force_authenticate(officer)
    lines = {row["id"]: row for row in api.get(f"/api/v1/claims/{submitted.pk}/").json()["lines"]}
    assert lines[line.pk]["recommendation"]["reason"] == "签到异常"
    assert all(row["recommendation"] is None for pk, row in lines.items() if pk != line.pk)
