"""The claim page shows its lines a page at a time (CLAIM_LINES_PER_PAGE), what it says of them all
(how many, how many wait for a decision) from one aggregate, in the same queries whatever the page
or the claim's size; a decision on a line returns to the page that shows it (issue 17, item 6)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.selectors import claim_line_page_of
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(completed_class, operator):
    """A class claim of three lines (张全勤, 李部分, 王未过), waiting for the district."""
    return claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="line-(\d+)">\s*<td>(\d+)</td>', html)


def test_the_lines_come_a_page_at_a_time_with_totals_over_them_all(client, submitted, officer, settings):
    settings.CLAIM_LINES_PER_PAGE = 2
    client.force_login(officer)
    url = reverse("claims:detail", args=[submitted.pk])
    lines = [str(pk) for pk in submitted.lines.order_by("pk").values_list("pk", flat=True)]
    first = client.get(url).content.decode()
    assert _rows(first) == [(lines[0], "1"), (lines[1], "2")]
    assert "3 条明细" in first and "共 3 条，第 1 / 2 页" in first
    assert "合计（全部 3 条明细）" in first
    assert "尚有 3 条明细待审核" in first  # over every line, not the page's two
    second = client.get(url + "?page=2").content.decode()
    assert _rows(second) == [(lines[2], "3")]
    assert "共 3 条，第 2 / 2 页" in second
    # One page of lines: no pagination, the total as before.
    settings.CLAIM_LINES_PER_PAGE = 50
    whole = client.get(url).content.decode()
    assert [pk for pk, _ in _rows(whole)] == lines
    assert 'aria-label="分页"' not in whole and "合计（全部" not in whole


def test_the_claim_page_costs_the_same_queries_on_any_page(client, submitted, officer, settings):
    settings.CLAIM_LINES_PER_PAGE = 1
    client.force_login(officer)
    url = reverse("claims:detail", args=[submitted.pk])
    counts = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{url}?page={page}").status_code == 200
        counts.append(len(captured))
    settings.CLAIM_LINES_PER_PAGE = 50
    with CaptureQueriesContext(connection) as whole:
        assert client.get(url).status_code == 200
    assert counts[0] == counts[1] == counts[2] == len(whole)


def test_a_decision_returns_to_the_page_showing_the_line(client, submitted, officer, settings):
    settings.CLAIM_LINES_PER_PAGE = 2
    client.force_login(officer)
    first, _, last = submitted.lines.order_by("pk")
    assert claim_line_page_of(claim=submitted, line_id=first.pk) == 1
    assert claim_line_page_of(claim=submitted, line_id=last.pk) == 2
    detail = reverse("claims:detail", args=[submitted.pk])
    response = client.post(
        reverse("claims:line_decide", args=[submitted.pk, last.pk]),
        {"decision": LineDecision.REJECTED, "rule": "R2.6", "reason": "考核不合格", "confirm": "on"},
    )
    assert response.status_code == 302 and response["Location"] == f"{detail}?page=2#line-{last.pk}"
    last.refresh_from_db()
    assert last.decision == LineDecision.REJECTED
    response = client.post(
        reverse("claims:line_decide", args=[submitted.pk, first.pk]),
        {"decision": LineDecision.REJECTED, "rule": "R2.6", "reason": "核实", "confirm": "on"},
    )
    assert response["Location"] == f"{detail}#line-{first.pk}"
    # The approval waits on the lines of every page: one is still pending.
    html = client.get(detail).content.decode()
    assert "尚有 1 条明细待审核" in html
