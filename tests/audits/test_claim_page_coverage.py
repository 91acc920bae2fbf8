"""Issue 13: the claim page may say that a batch audit found nothing on the claim only after a
finished run covering the claim audited it as it stands (started after its submission, or for a
claim never submitted after it was made); otherwise it says no batch audit has covered it yet."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.claims.models import Claim

D = date
NEVER = "该申领尚未经过批量稽核。"
NOTHING_FOUND = "未发现该申领的疑点"


@pytest.fixture
def officer_client(officer):
    client = Client()
    client.force_login(officer)
    return client


def _clean_claim(world, **values) -> Claim:
    """A claim with one line that breaks no rule."""
    return world.training(world.person(), D(2021, 3, 1), D(2021, 3, 20), **values).claim


def _section(client, claim: Claim) -> str:
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    start = page.index('id="audit-findings"')
    return page[start : page.index("</section>", start)]


def _found_nothing(run) -> str:
    at = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")
    return f'<a href="/audits/runs/{run.pk}/">第 {run.pk} 次批量稽核</a>（{at}）未发现该申领的疑点。'


def test_a_claim_never_audited_does_not_claim_that_an_audit_found_nothing(world, officer_client):
    claim = _clean_claim(world)
    section = _section(officer_client, claim)
    assert NEVER in section and NOTHING_FOUND not in section


def test_a_covered_claim_without_findings_names_the_run_that_found_nothing(world, officer_client, audit):
    claim = _clean_claim(world)
    _clean_claim(world, district=world.wanzhou)
    audit("district", district=world.wanzhou)  # another district's run does not cover it
    assert NEVER in _section(officer_client, claim)
    run = audit()
    assert run.status == "finished" and not run.findings.filter(claim=claim).exists()
    section = _section(officer_client, claim)
    assert _found_nothing(run) in section and NEVER not in section
    own = audit("district", district=world.yuzhong)
    assert _found_nothing(own) in _section(officer_client, claim)  # the latest covering run


def test_a_run_that_predates_the_claims_submission_does_not_cover_it(world, officer_client, audit):
    claim = _clean_claim(world)
    before = audit()
    submitted = timezone.now()  # returned after the run, say, and submitted again
    assert before.finished_at < submitted
    Claim.objects.filter(pk=claim.pk).update(submitted_at=submitted)
    section = _section(officer_client, claim)
    assert NEVER in section and NOTHING_FOUND not in section
    after = audit()
    assert _found_nothing(after) in _section(officer_client, claim)


def test_a_draft_is_covered_only_by_an_audit_of_the_claim_itself(world, officer_client, audit):
    # A run of all open claims writes no findings on a draft: it did not audit it.
    claim = _clean_claim(world, status="draft")
    audit()
    assert NEVER in _section(officer_client, claim)
    run = audit("claim", claim=claim)
    assert _found_nothing(run) in _section(officer_client, claim)
