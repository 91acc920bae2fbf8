"""The row locks of a final approval: two approvals of claims that share persons wait for each other
and never deadlock. Each FOR UPDATE names its own table (a join of the lines to their persons or
of the claim to its district would lock those rows too, in the lines' order), and the persons are
locked once, in id order (apps.claims.services.entitlement.persons_lock). Found by the load
benchmark: two approvals deadlocked on a district row and two persons."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.ledger.services import claim_approve
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures

pytestmark = pytest.mark.django_db


def test_an_approval_locks_its_own_rows_and_the_persons_in_id_order(reviewed, officer, allocation):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes no row locks")
    with CaptureQueriesContext(connection) as queries:
        claim_approve(claim=reviewed, actor=officer)
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locking
    for sql in locking:
        joined = "JOIN" in sql
        assert not joined or re.search(r"FOR UPDATE OF \S+$", sql.strip()), sql
    persons = [sql for sql in locking if sql.startswith('SELECT "trainees_person"')]
    assert len(persons) == 1 and re.search(
        r'ORDER BY (1|"trainees_person"\."id") ASC FOR UPDATE$', persons[0]
    )
