"""The runs' and findings' FilterSets narrow the pages and the APIs alike and refuse what they
cannot read, in Chinese (issue 15, item 4)."""

from datetime import date

from django.urls import reverse

from apps.audits.models import AuditFinding, Change
from tests.filtering import assert_page_and_api_agree, assert_refused

D = date
RUNS, FINDINGS = "/api/v1/audits/runs", "/api/v1/audits/findings"


def _fourth_training(world):
    p = world.person("王四次")
    return [world.training(p, D(2021, m, 1), D(2021, m, 20)) for m in (3, 5, 7, 9)]


def test_run_filters_narrow_page_and_api_alike(client, api_client, world, admin, audit):
    lines = _fourth_training(world)
    everything = audit()
    one_claim = audit("claim", claim=lines[3].claim)
    page = reverse("audits:runs")

    def agree(query):
        return assert_page_and_api_agree(client, api_client, admin, page, RUNS, query)

    assert agree("scope=claim") == {one_claim.pk}
    assert agree("scope=all&status=finished") == {everything.pk}
    assert_refused(client, api_client, admin, page, RUNS, "scope=city", "scope")


def test_finding_filters_narrow_page_and_api_alike(client, api_client, world, admin, audit):
    _fourth_training(world)
    run = audit()
    (finding,) = run.findings.all()
    page = reverse("audits:findings")

    def agree(query, on_page=page, api=FINDINGS):
        return assert_page_and_api_agree(client, api_client, admin, on_page, api, query)

    assert agree("rule=R10.1&district=500103&status=open") == {finding.pk}
    assert agree("rule=R10.2") == set()
    assert agree("district=500101") == set()
    assert_refused(client, api_client, admin, page, FINDINGS, "rule=R99", "rule")
    assert_refused(client, api_client, admin, page, FINDINGS, "status=closed", "status")

    # One run's findings: a cleared one only when ?change=cleared asks for it, page and API alike.
    AuditFinding.objects.filter(pk=finding.pk).update(change=Change.CLEARED)
    run_page = reverse("audits:run", args=[run.pk])
    run_api = f"{FINDINGS}?run={run.pk}"
    assert agree("change=cleared", run_page, run_api) == {finding.pk}
    assert agree("rule=R10.1", run_page, run_api) == set()


def test_the_run_api_refuses_a_run_that_is_no_number(api_client, admin):
    api_client.force_authenticate(admin)
    answer = api_client.get(FINDINGS, {"run": "latest"})
    assert answer.status_code == 400 and answer.json()["field"] == "run"
