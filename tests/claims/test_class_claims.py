from decimal import Decimal

import pytest

from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.data_lock import claim_data_lock
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.recompute import claim_recompute
from apps.claims.services.review import claim_line_decide, claim_recommend
from apps.core.errors import ApplicationError
from apps.ledger.models import LedgerEntry
from apps.ledger.services import claim_approve
from apps.trainees.models import Enrolment
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db
S = ClaimStatus


def _amounts(claim):
    return {line.person.name: line.amount for line in claim.lines.select_related("person")}


def test_class_claim_lines_are_quoted_from_the_snapshot_attendance_and_results(completed_class, operator):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    assert _amounts(claim) == {
        "张全勤": Decimal("1410.00"),  # 150 × 54 / 6 + 60 × 6 / 6
        "李部分": Decimal("1125.00"),  # 150 × 45 / 6, no online
        "王未过": Decimal("0.00"),  # R2.6
    }
    assert claim.total == Decimal("2535.00")
    failed = claim.lines.get(person__name="王未过")
    assert any(f["rule"] == "R2.6" and f["severity"] == "E" for f in failed.findings)
    full = claim.lines.get(person__name="张全勤")
    assert full.rules_version and any(s["rule"] == "R2.5" for s in full.steps)
    assert full.inputs["approved_on"] == completed_class.approved_on.isoformat()


def test_only_a_completed_class_of_ones_own_institution_can_be_claimed(completed_class, officer):
    with pytest.raises(ApplicationError):
        claim_create_for_class(actor=officer, training_class=completed_class)


def test_a_class_is_claimed_once(completed_class, operator):
    claim_create_for_class(actor=operator, training_class=completed_class)
    with pytest.raises(ApplicationError, match="不能重复申领"):
        claim_create_for_class(actor=operator, training_class=completed_class)


def test_data_lock_names_what_differs_and_blocks_submission(completed_class, operator):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    Enrolment.objects.filter(person__name="李部分").update(status="withdrawn")
    assert claim_data_lock(claim) == ["学员名单已变化：新增 0 人，减少 1 人"]
    with pytest.raises(ApplicationError) as exc:
        claim_transition(claim=claim, actor=operator, to=S.SUBMITTED)
    assert "数据比对不一致" in exc.value.message and exc.value.field == "data_lock"
    claim.refresh_from_db()
    assert claim.status == S.DRAFT
    claim_recompute(claim=claim)
    assert claim_transition(claim=claim, actor=operator, to=S.SUBMITTED).status == S.SUBMITTED


def test_line_review_changes_the_approved_total(completed_class, operator, officer):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=S.SUBMITTED,
    )
    full, partial, failed = (claim.lines.get(person__name=n) for n in ("张全勤", "李部分", "王未过"))
    claim_line_decide(line=full, actor=officer, decision=LineDecision.APPROVED)
    claim.refresh_from_db()
    assert (claim.status, claim.approved_total) == (S.UNDER_REVIEW, Decimal("1410.00"))
    claim_line_decide(
        line=partial, actor=officer, decision=LineDecision.REJECTED, rule="R2.5", reason="签到表与视频不符"
    )
    with pytest.raises(ApplicationError, match="金额为 0"):
        claim_line_decide(line=failed, actor=officer, decision=LineDecision.APPROVED)
    with pytest.raises(ApplicationError, match="理由"):
        claim_line_decide(line=failed, actor=officer, decision=LineDecision.REJECTED, rule="", reason="")
    claim_line_decide(
        line=failed, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
    )
    claim.refresh_from_db()
    assert claim.approved_total == Decimal("1410.00") and claim.total == Decimal("2535.00")


def test_third_party_recommends_but_never_decides_r7_1(completed_class, operator, officer, allocation):
    reviewer = UserFactory(reviewer=True, engaged=[district("500103")])
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=S.SUBMITTED,
    )
    claim_recommend(claim=claim, actor=reviewer, text="建议核减李部分的线上课时")
    claim.refresh_from_db()
    assert claim.recommended_by == reviewer
    line = claim.lines.first()
    with pytest.raises(ApplicationError, match=r"R7\.1"):
        claim_line_decide(line=line, actor=reviewer, decision=LineDecision.APPROVED)
    for current in claim.lines.all():
        claim_line_decide(
            line=current, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="x"
        ) if current.amount == 0 else claim_line_decide(
            line=current, actor=officer, decision=LineDecision.APPROVED
        )
    with pytest.raises(ApplicationError, match=r"R7\.1"):
        claim_approve(claim=claim, actor=reviewer)
    claim.refresh_from_db()
    assert claim.status == S.UNDER_REVIEW and LedgerEntry.objects.count() == 0
    other = UserFactory(reviewer=True, engaged=[district("500101")])
    with pytest.raises(ApplicationError):
        claim_recommend(claim=claim, actor=other, text="x")


def test_returning_resets_the_line_decisions(completed_class, operator, officer):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=S.SUBMITTED,
    )
    claim_line_decide(line=claim.lines.first(), actor=officer, decision=LineDecision.APPROVED)
    claim = claim_transition(claim=claim, actor=officer, to=S.RETURNED, reason="请补充签到表")
    assert set(claim.lines.values_list("decision", flat=True)) == {LineDecision.PENDING}
    assert claim.approved_total == 0


FORBIDDEN = [
    (S.DRAFT, S.APPROVED),
    (S.DRAFT, S.UNDER_REVIEW),
    (S.SUBMITTED, S.APPROVED),
    (S.SUBMITTED, S.PAID),
]


@pytest.mark.parametrize(("current", "to"), FORBIDDEN)
def test_approval_and_payment_only_through_the_ledger(completed_class, operator, officer, current, to):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    if current == S.SUBMITTED:
        claim = claim_transition(claim=claim, actor=operator, to=S.SUBMITTED)
    with pytest.raises(ApplicationError):
        claim_transition(claim=claim, actor=officer, to=to)
    claim.refresh_from_db()
    assert claim.status == current


def test_the_completed_class_page_offers_the_claim(client, completed_class, operator):
    from django.urls import reverse

    client.force_login(operator)
    body = client.get(reverse("classes:detail", args=[completed_class.pk])).content.decode()
    assert reverse("claims:create_for_class", args=[completed_class.pk]) in body
