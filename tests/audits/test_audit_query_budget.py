"""Pinned query budgets: the findings list, the run list and one audit chunk cost the same number of
queries with 5 and with 50 persons to audit."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audits import services
from apps.audits.models import AuditRun, ChunkKind

D = date


def _population(world, persons: int) -> None:
    for _ in range(persons):
        p = world.person()
        for month in (3, 5, 7, 9):
            world.training(p, D(2021, month, 1), D(2021, month, 20))


@pytest.fixture
def officer_client(officer):
    client = Client()
    client.force_login(officer)
    return client


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [reverse("audits:findings"), reverse("audits:runs")])
def test_list_pages_cost_the_same_with_5_and_50_findings(world, officer_client, audit, settings, url):
    settings.PAGINATE_BY = 100
    _population(world, 5)
    audit()
    five = _queries(officer_client, url)
    _population(world, 45)
    for _ in range(3):
        audit()
    assert AuditRun.objects.first().findings_count == 50
    # session, user, the page of findings (or runs) with their district, claim, person, other
    # claim and run joined, its count, the other claims the officer may open, the districts of
    # the filter, the navigation — whatever the page holds.
    assert _queries(officer_client, url) == five


def test_a_run_page_costs_the_same_with_5_and_50_findings(world, officer_client, audit):
    _population(world, 5)
    run = audit()
    five = _queries(officer_client, reverse("audits:run", args=[run.pk]))
    _population(world, 45)
    run = audit()
    assert _queries(officer_client, reverse("audits:run", args=[run.pk])) == five


def _first_person_chunk_queries(world, admin, persons, settings, django_capture_on_commit_callbacks) -> int:
    settings.AUDIT_CHUNK_LINES = 2 * persons  # two person slices, whatever the population
    with django_capture_on_commit_callbacks(execute=False):
        run = services.audit_run_start(actor=admin, scope="all")
    with django_capture_on_commit_callbacks(execute=False):
        services.audit_run_plan(run_id=run.pk)
        for chunk in run.chunks.filter(phase=1).order_by("pk"):
            services.audit_chunk_run(chunk_id=chunk.pk)
        first = run.chunks.filter(kind=ChunkKind.PERSONS).order_by("pk").first()
        assert run.chunks.filter(kind=ChunkKind.PERSONS).count() == 2
        with CaptureQueriesContext(connection) as queries:
            services.audit_chunk_run(chunk_id=first.pk)
    assert first.__class__.objects.get(pk=first.pk).rows == persons // 2
    return len(queries)


def test_a_person_chunk_costs_the_same_with_5_and_50_persons(
    world, admin, settings, django_capture_on_commit_callbacks
):
    _population(world, 4)
    small = _first_person_chunk_queries(world, admin, 4, settings, django_capture_on_commit_callbacks)
    _population(world, 46)
    AuditRun.objects.all().delete()
    large = _first_person_chunk_queries(world, admin, 50, settings, django_capture_on_commit_callbacks)
    # savepoint; the chunk and its run, locked; (on PostgreSQL: JIT off and work_mem set, and after
    # the next step merge joins off); the apprenticeships made one training each; one INSERT …
    # SELECT per rule (R10.1, R10.2, R10.3, R3.4, A1, A3, A6); the chunk marked done; release; then
    # the run locked and its undone chunks counted (savepoint, select, exists, release).
    assert small == large == (19 if connection.vendor == "postgresql" else 16)


def test_the_run_list_costs_the_same_with_1_and_5_audits_in_progress(world, admin):
    from apps.catalog.models import District

    client = Client()
    client.force_login(admin)
    districts = list(District.objects.order_by("pk")[:5])
    services.audit_run_start(actor=admin, scope="district", district=districts[0])
    one = _queries(client, reverse("audits:runs"))
    for district in districts[1:]:
        services.audit_run_start(actor=admin, scope="district", district=district)
    page = client.get(reverse("audits:runs")).content.decode()
    assert page.count("<progress") == 5
    # The progress of every run comes with the page of runs (chunks counted in the same query).
    assert _queries(client, reverse("audits:runs")) == one


def _claim_with_findings(world, persons: int):
    claim = world.claim("enterprise_direct")
    for _ in range(persons):
        p = world.person()
        for month in (2, 3, 4):
            world.training(p, D(2021, month, 1), D(2021, month, 20))
        world.line(claim, p, D(2021, 6, 1), D(2021, 6, 20))
    return claim


def test_the_claim_page_costs_the_same_with_2_and_30_findings(world, officer_client, audit):
    few, many = _claim_with_findings(world, 2), _claim_with_findings(world, 30)
    audit()
    assert AuditRun.objects.get().findings.filter(claim=many).count() == 30
    officer_client.get(reverse("claims:detail", args=[few.pk]))  # content types cached once
    # With findings, the run that found nothing (selectors.claim_audited_by) is not asked for.
    budget = _queries(officer_client, reverse("claims:detail", args=[few.pk]))
    assert _queries(officer_client, reverse("claims:detail", args=[many.pk])) == budget
    assert _queries(officer_client, reverse("audits:claim", args=[many.pk])) == _queries(
        officer_client, reverse("audits:claim", args=[few.pk])
    )


def test_the_claim_page_without_findings_costs_the_same_audited_or_not(world, officer_client, audit):
    claim = world.training(world.person(), D(2021, 3, 1), D(2021, 3, 20)).claim
    url = reverse("claims:detail", args=[claim.pk])
    officer_client.get(url)  # content types cached once
    never = _queries(officer_client, url)
    run = audit()
    assert f"第 {run.pk} 次批量稽核" in officer_client.get(url).content.decode()
    # Without findings the section asks one query more (10 on SQLite, was 9): the latest finished
    # run that covered the claim (selectors.claim_audited_by), whether there is one or not.
    assert _queries(officer_client, url) == never


def _claim_in_review_with_findings(world, persons: int):
    """A claim under review, every line approved (the final approval's form is shown), each line
    with an open R10.1 finding."""
    claim = world.claim("enterprise_direct", status="under_review")
    for _ in range(persons):
        p = world.person()
        for month in (2, 3, 4):
            world.training(p, D(2021, month, 1), D(2021, month, 20))
        world.line(claim, p, D(2021, 6, 1), D(2021, 6, 20), decision="approved")
    return claim


def test_the_approval_form_costs_the_same_with_2_and_30_open_findings(world, officer_client, audit):
    few, many = _claim_in_review_with_findings(world, 2), _claim_in_review_with_findings(world, 30)
    audit()
    few_url, many_url = (reverse("claims:detail", args=[c.pk]) for c in (few, many))
    officer_client.get(few_url)  # content types cached once
    page = officer_client.get(many_url).content.decode()
    assert "该申领尚有 30 条待处理的稽核疑点" in page and 'name="acknowledged"' in page
    budget = _queries(officer_client, few_url)
    assert _queries(officer_client, many_url) == budget
    # The form's list of open findings (apps.audits.extensions.review.pending_findings) is one
    # query, asked only when the form is shown: the same page without the form (a line pending)
    # asks one fewer, and one more instead for the bulk approval it offers (whether the claim was
    # sampled for review line by line, apps.audits.extensions.review.sampled_line_by_line).
    many.lines.filter(pk=many.lines.order_by("pk").first().pk).update(decision="pending")
    assert _queries(officer_client, many_url) == budget - 1 + 1
