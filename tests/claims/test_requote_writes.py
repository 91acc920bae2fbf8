"""A requote before approval (apps.claims.services.entitlement.lines_requote_against_booked)
writes only the lines whose quote changed: a line quoted again as stored is left as it is, one
whose person has since had a training booked is written with its new quote."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.claims.models import ClaimLine, LineDecision
from apps.claims.services.entitlement import lines_requote_against_booked

from .conftest import *  # noqa: F403 - the claims world's fixtures

pytestmark = pytest.mark.django_db


def test_a_line_quoted_as_stored_is_not_written(reviewed):
    lines = list(reviewed.lines.filter(decision=LineDecision.APPROVED).order_by("pk"))
    assert lines
    stamps = {line.pk: line.updated_at for line in lines}
    with CaptureQueriesContext(connection) as queries:
        lines_requote_against_booked(claim=reviewed, lines=lines)
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "claims_claimline"')]
    assert dict(ClaimLine.objects.filter(pk__in=stamps).values_list("pk", "updated_at")) == stamps


def test_a_line_whose_quote_changed_is_written(reviewed):
    lines = list(reviewed.lines.filter(decision=LineDecision.APPROVED).order_by("pk"))
    ClaimLine.objects.filter(pk=lines[0].pk).update(steps=[])  # stored otherwise than it quotes
    lines = list(reviewed.lines.filter(decision=LineDecision.APPROVED).order_by("pk"))
    lines_requote_against_booked(claim=reviewed, lines=lines)
    assert ClaimLine.objects.get(pk=lines[0].pk).steps != []
