"""Claim sampling (issue 18, part 5): each district sets a risk threshold and a random rate; a
submitted claim at or over the threshold, or drawn, is reviewed line by line, the others may be
approved as a whole after the engine's checks. The draw is logged and reproducible."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.audits.engine import sampling
from apps.audits.models import ClaimSample
from apps.catalog.models import SettingKey
from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide, claim_lines_approve_pending
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import DistrictSettingFactory, district

pytestmark = pytest.mark.django_db


def setting(key, value):
    DistrictSettingFactory(
        district=district("500103"), key=key, value=Decimal(value), effective_from=date(2021, 1, 1)
    )


@pytest.fixture
def submit(completed_class, operator):
    def submit():
        claim = claim_create_for_class(actor=operator, training_class=completed_class)
        return claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)

    return submit


def test_the_draw_is_a_pure_function_of_district_claim_and_seed():
    u = sampling.draw_value(district="500103", claim_id=7, seed=42)
    assert u == sampling.draw_value(district="500103", claim_id=7, seed=42)
    assert u != sampling.draw_value(district="500103", claim_id=8, seed=42)
    assert Decimal(0) <= u < Decimal(1) and u.as_tuple().exponent == -6
    values = [sampling.draw_value(district="500103", claim_id=n, seed=1) for n in range(2000)]
    share = sum(v < Decimal("0.1") for v in values) / len(values)
    assert 0.08 < share < 0.12  # about the rate
    out = sampling.sample(
        signals=["findings", "new"], threshold=5, rate=Decimal(0), district="500103", claim_id=7, seed=42
    )
    assert (out.score, out.over_threshold, out.drawn, out.line_by_line) == (5, True, False, True)
    off = sampling.sample(
        signals=["findings", "new"], threshold=0, rate=Decimal(0), district="x", claim_id=1, seed=1
    )
    assert not off.line_by_line  # threshold 0: not used
    assert sampling.sample(signals=[], threshold=0, rate=Decimal(1), district="x", claim_id=1, seed=1).drawn


def test_a_district_that_set_nothing_samples_nothing_and_the_claim_is_approved_as_a_whole(submit, officer):
    claim = submit()
    sample = ClaimSample.objects.get(claim=claim)
    assert not sample.line_by_line and sample.threshold == 0 and sample.rate == 0
    assert sample.signals == ["line_findings", "new"] and sample.score == 4
    outcome = claim_lines_approve_pending(claim=claim, actor=officer)
    assert outcome.approved >= 1


def test_a_claim_at_the_threshold_is_reviewed_line_by_line(submit, officer):
    setting(SettingKey.CLAIM_RISK_THRESHOLD, "4")
    claim = submit()
    sample = ClaimSample.objects.get(claim=claim)
    assert sample.over_threshold and sample.line_by_line and not sample.drawn
    with pytest.raises(ApplicationError, match=r"风险分 4.*达到本区县阈值 4.*须逐条审核"):
        claim_lines_approve_pending(claim=claim, actor=officer)
    assert not claim.lines.filter(decision=LineDecision.APPROVED).exists()
    # One by one is the way.
    line = claim.lines.filter(amount__gt=0, findings=[]).first()
    assert claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED).decision == "approved"
    # The officer's page says so instead of offering the bulk form.
    client = Client()
    client.force_login(officer)
    html = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert 'id="line-by-line"' in html and "其余明细全部通过</button>" not in html
    assert "申领单位登记不满一年 2 分" in html


def test_a_claim_drawn_at_the_rate_is_reviewed_line_by_line_and_the_draw_is_logged(submit, officer):
    setting(SettingKey.CLAIM_RISK_THRESHOLD, "9")
    setting(SettingKey.CLAIM_SAMPLE_RATE, "1")
    claim = submit()
    sample = ClaimSample.objects.get(claim=claim)
    assert sample.drawn and not sample.over_threshold and sample.line_by_line
    log = StateChange.objects.filter(object_id=str(claim.pk), reason__startswith="申领抽样").get()
    inputs = log.changes["sampling"]
    # Drawn again from what was logged: the same value.
    assert sampling.draw_value(
        district=inputs["district"], claim_id=inputs["claim"], seed=inputs["seed"]
    ) == Decimal(inputs["u"])
    assert inputs["points"] == sampling.POINTS and inputs["line_by_line"] is True


def test_a_resubmission_scores_again_but_does_not_draw_again(submit, officer, operator):
    setting(SettingKey.CLAIM_SAMPLE_RATE, "0.5")
    claim = submit()
    first = ClaimSample.objects.get(claim=claim)
    claim = claim_transition(claim=claim, actor=officer, to=ClaimStatus.RETURNED, reason="补材料")
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    again = ClaimSample.objects.get(claim=claim)
    assert (again.seed, again.u, again.drawn) == (first.seed, first.u, first.drawn)
    assert "returned" in again.signals and again.score == first.score + 2


def test_the_settings_are_checked(admin_user):
    from apps.catalog.services import district_setting_set

    for key, value, message in (
        (SettingKey.CLAIM_SAMPLE_RATE, "1.5", "0 到 1"),
        (SettingKey.CLAIM_RISK_THRESHOLD, "2.5", "整数"),
        (SettingKey.CLAIM_RISK_THRESHOLD, "21", "0 到 20"),
    ):
        with pytest.raises(ApplicationError, match=message):
            district_setting_set(
                actor=admin_user,
                district=district("500103"),
                key=key,
                value=Decimal(value),
                effective_from=date(2026, 1, 1),
            )


def test_the_documented_example_draws_what_the_docs_say():
    assert sampling.draw_value(district="500103", claim_id=7, seed=42) == Decimal("0.362877")
