"""The audits' review guard (apps.audits.extensions.review, registered with apps.claims.extensions): a current
confirmed finding stops a line's approval and the claim's final approval, with nothing booked, until
it is dismissed with a reason; current open findings are acknowledged at the final approval, and
the acknowledgement is logged. Claims made by the claim services (tests/claims' world), so that
approving quotes them for real."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from apps.audits.extensions.review import blocking_findings, pending_findings
from apps.audits.models import AuditFinding, AuditRun
from apps.audits.services import audit_finding_resolve, findings_currency_rebuild
from apps.claims.extensions import claim_pending_matters, lines_blocked
from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.ledger.models import LedgerEntry
from apps.ledger.services import claim_approve
from apps.rules import RULES_VERSION
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures

pytestmark = pytest.mark.django_db
S = ClaimStatus
DETAILS = {
    "occupation": "6-18-01-01",
    "level": 4,
    "other": {
        "kind": "class",
        "start": "2026-03-01",
        "end": "2026-03-20",
        "occupation": "6-18-01-01",
        "level": 4,
    },
}


def _run(**values) -> AuditRun:
    now = timezone.now()
    values.setdefault("scope", "all")
    values.setdefault("scope_key", "all")
    run = AuditRun.objects.create(
        status="finished", rules_version=RULES_VERSION, started_at=now, finished_at=now, **values
    )
    findings_currency_rebuild()  # written by hand: which findings are current, as a finish keeps it
    return run


def _finding(line, status: str, run: AuditRun | None = None, rule: str = "R10.2") -> AuditFinding:
    finding = AuditFinding.objects.create(
        run=run or _run(),
        rule=rule,
        subject=f"line:{line.pk}",
        line=line,
        claim=line.claim,
        person=line.person,
        district_id=line.claim.district_id,
        details=DETAILS,
        status=status,
    )
    findings_currency_rebuild()
    finding.refresh_from_db()
    return finding


@pytest.fixture
def submitted(completed_class, operator):
    return claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=S.SUBMITTED,
    )


@pytest.fixture
def reviewed(submitted, officer):
    """Every line decided: the paid ones approved, the one quoted at zero refused."""
    for line in submitted.lines.order_by("pk"):
        if line.amount:
            claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
        else:
            claim_line_decide(
                line=line, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
            )
    submitted.refresh_from_db()
    return submitted


def _dismiss(finding, officer) -> None:
    """A confirmed finding is opened again, then dismissed, each with a reason (FINDING_TRANSITIONS)."""
    audit_finding_resolve(finding=finding, actor=officer, to="open", reason="复核：重新核实")
    audit_finding_resolve(finding=finding, actor=officer, to="dismissed", reason="核实为不同职业，不影响补贴")


def test_a_confirmed_finding_blocks_the_line_until_it_is_dismissed(submitted, officer):
    line = submitted.lines.filter(amount__gt=0).order_by("pk").first()
    finding = _finding(line, "confirmed")
    with pytest.raises(
        ApplicationError, match=rf"稽核疑点 #{finding.pk}（R10.2）已确认，须先重新打开并排除该疑点"
    ):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
    line.refresh_from_db()
    assert line.decision == LineDecision.PENDING
    _dismiss(finding, officer)
    assert claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED).decision == "approved"


def test_a_confirmed_finding_blocks_the_final_approval_with_nothing_booked(reviewed, officer, allocation):
    line = reviewed.lines.filter(decision=LineDecision.APPROVED).order_by("pk").first()
    finding = _finding(line, "confirmed")
    with pytest.raises(
        ApplicationError, match=rf"明细 #{line.pk}：稽核疑点 #{finding.pk}（R10.2）已确认"
    ) as err:
        claim_approve(claim=reviewed, actor=officer)
    assert err.value.field == "lines"
    assert LedgerEntry.objects.count() == 0
    assert Claim.objects.get(pk=reviewed.pk).status == S.UNDER_REVIEW
    _dismiss(finding, officer)
    assert claim_approve(claim=reviewed, actor=officer).status == S.APPROVED
    assert LedgerEntry.objects.count() == reviewed.lines.filter(decision=LineDecision.APPROVED).count()


def test_open_findings_are_acknowledged_at_the_final_approval_and_logged(reviewed, officer, allocation):
    line = reviewed.lines.filter(decision=LineDecision.APPROVED).order_by("pk").first()
    finding = _finding(line, "open")
    matter = (
        f"稽核疑点 #{finding.pk} 明细 #{line.pk} R10.2 [E] "
        "已享受过同一职业（工种）同一等级的培训补贴：培训班 6-18-01-01 中级工（2026-03-01 至 2026-03-20），"
        "每人只补贴一次 (R10.2)"
    )
    assert claim_pending_matters(reviewed) == [matter]
    with pytest.raises(ApplicationError, match="尚有 1 条待处理的稽核疑点") as err:
        claim_approve(claim=reviewed, actor=officer)
    assert err.value.field == "acknowledged" and err.value.extra == {"matters": [matter]}
    assert LedgerEntry.objects.count() == 0
    claim = claim_approve(claim=reviewed, actor=officer, acknowledged=True)
    assert claim.status == S.APPROVED
    logged = StateChange.objects.get(
        content_type=ContentType.objects.get_for_model(Claim), object_id=str(claim.pk), to_state=S.APPROVED
    )
    assert logged.changes["acknowledged"] == [matter]


def test_only_current_findings_guard_and_dismissed_ones_do_not(reviewed, officer):
    first, second, third = reviewed.lines.order_by("pk")
    old_run = _run()
    _finding(first, "confirmed", run=old_run)
    _finding(second, "open", run=old_run)
    _finding(third, "dismissed")
    # A newer run of the claim's district that no longer finds them: they are not current.
    _run(scope="district", district_id=reviewed.district_id, scope_key=f"district:{reviewed.district_id}")
    assert lines_blocked([first.pk, second.pk, third.pk]) == {}
    assert claim_pending_matters(reviewed) == []


def test_the_guard_asks_one_query_for_any_number_of_lines(reviewed, django_assert_num_queries):
    lines, run = list(reviewed.lines.order_by("pk")), _run()
    for line in lines:
        _finding(line, "confirmed", run=run)
    with django_assert_num_queries(1):
        blocked = blocking_findings([line.pk for line in lines])
    assert sorted(blocked) == [line.pk for line in lines]
    with django_assert_num_queries(0):
        assert blocking_findings([]) == {}
    with django_assert_num_queries(1):
        assert pending_findings(reviewed) == []


def test_the_approval_form_lists_the_open_findings_with_the_acknowledgement(
    reviewed, officer, client, allocation
):
    client.force_login(officer)
    url = reverse("claims:detail", args=[reviewed.pk])
    page = client.get(url).content.decode()
    assert "审核通过并记账" in page and 'name="acknowledged"' not in page
    line = reviewed.lines.filter(decision=LineDecision.APPROVED).order_by("pk").first()
    finding = _finding(line, "open")
    page = client.get(url).content.decode()
    assert "该申领尚有 1 条待处理的稽核疑点" in page
    assert f"<li>稽核疑点 #{finding.pk} 明细 #{line.pk} R10.2 [E] 已享受过同一职业" in page
    assert '<input type="checkbox" name="acknowledged" required>' in page
    approve = reverse("ledger:claim_approve", args=[reviewed.pk])
    page = client.post(approve, {"confirm": "on"}, follow=True).content.decode()
    assert "尚有 1 条待处理的稽核疑点，请确认已知悉后再审核通过" in page
    assert LedgerEntry.objects.count() == 0
    client.post(approve, {"confirm": "on", "acknowledged": "on"})
    assert Claim.objects.get(pk=reviewed.pk).status == S.APPROVED
