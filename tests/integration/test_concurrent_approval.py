"""Twenty officers' browsers approve the same claim at once: exactly one set of ledger entries."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide
from apps.core.errors import ApplicationError
from apps.ledger.models import LedgerEntry
from apps.ledger.services import claim_approve
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_twenty_concurrent_approvals_post_exactly_one_set(completed_class, operator, officer, allocation):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's row locks: run it with `make test`")
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim = claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    for line in claim.lines.all():
        decision = LineDecision.APPROVED if line.amount else LineDecision.REJECTED
        claim_line_decide(line=line, actor=officer, decision=decision, rule="R2.6", reason="考核不合格")
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve() -> None:
        try:
            barrier.wait()
            claim_approve(claim=claim, actor=officer)
            result = "approved"
        except ApplicationError as exc:
            result = exc.message
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("approved") == 1, outcomes
    assert len(outcomes) == 20
    assert all("不能审核通过" in o for o in outcomes if o != "approved")
    entries = LedgerEntry.objects.all()
    assert entries.count() == 2
    assert sum(e.amount for e in entries) == Decimal("2535.00")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
