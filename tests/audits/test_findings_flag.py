"""The claims' "has findings" flag follows the batch audit (issue 17, item 6): a finding a run
writes flags its claim in the claims' list, page and API alike; dismissing it, or a later run that
no longer finds it, unflags it; confirming or opening it again keeps or brings the flag back. And
which findings are current is kept as a column when a run finishes, the same as read afresh."""

from datetime import date

import pytest
from django.urls import reverse

from apps.audits import services
from apps.audits.models import AuditFinding
from apps.claims.selectors import claim_list, has_findings
from tests.audits.test_audit_runs import _four_in_a_year
from tests.filtering import assert_page_and_api_agree

PAGE, API = reverse("claims:list"), "/api/v1/claims/"


def _flagged(user) -> set[int]:
    return set(claim_list(user=user).filter(has_findings()).values_list("pk", flat=True))


def _current() -> set[int]:
    return set(AuditFinding.objects.filter(current=True).values_list("pk", flat=True))


def test_a_batch_audit_finding_flags_its_claim_until_it_is_dismissed_or_cleared(
    client, api_client, world, officer, audit
):
    lines = _four_in_a_year(world)
    quiet = world.training(world.person(), date(2021, 3, 1), date(2021, 3, 20))
    assert _flagged(officer) == set()
    first = audit()
    finding = first.findings.get()
    flagged_claim = finding.claim_id
    assert flagged_claim == lines[3].claim_id != quiet.claim_id
    assert _flagged(officer) == {flagged_claim}
    # The page, its filter and the API say the same, and the row says so.
    assert assert_page_and_api_agree(client, api_client, officer, PAGE, API, "has_findings=1") == {
        flagged_claim
    }
    assert flagged_claim not in assert_page_and_api_agree(
        client, api_client, officer, PAGE, API, "has_findings=0"
    )
    row = next(r for r in api_client.get(API).json()["results"] if r["id"] == flagged_claim)
    assert row["has_findings"] is True and row["line_count"] == 1

    services.audit_finding_resolve(finding=finding, actor=officer, to="confirmed", reason="超出年度次数")
    assert _flagged(officer) == {flagged_claim}  # a confirmed finding stops the line: still flagged
    finding.refresh_from_db()
    services.audit_finding_resolve(finding=finding, actor=officer, to="open", reason="重新核查")
    finding.refresh_from_db()
    services.audit_finding_resolve(finding=finding, actor=officer, to="dismissed", reason="第四次为补录")
    assert _flagged(officer) == set()
    finding.refresh_from_db()
    services.audit_finding_resolve(finding=finding, actor=officer, to="open", reason="重新核查")
    assert _flagged(officer) == {flagged_claim}

    # The next run finds it again: its finding is the current one, the first run's no longer.
    second = audit()
    again = second.findings.get()
    assert _current() == {again.pk} and _flagged(officer) == {flagged_claim}
    # The line is refused: the run after that no longer finds it, and the claim is unflagged.
    lines[3].decision = "rejected"
    lines[3].save()
    third = audit()
    assert third.findings.get().change == "cleared"
    assert _current() == set() and _flagged(officer) == set()


def test_a_district_run_supersedes_the_city_runs_findings_of_its_district_only(world, officer, audit):
    yuzhong = _four_in_a_year(world)
    wanzhou = _four_in_a_year(world, district=world.wanzhou)
    city = audit()
    assert {f.line_id for f in AuditFinding.objects.filter(current=True)} == {yuzhong[3].pk, wanzhou[3].pk}
    district_run = audit("district", actor=officer, district=world.yuzhong)
    current = AuditFinding.objects.filter(current=True)
    assert {(f.run_id, f.line_id) for f in current} == {
        (district_run.pk, yuzhong[3].pk),
        (city.pk, wanzhou[3].pk),
    }
    # Read afresh from the runs, the same findings are current.
    kept = _current()
    assert services.findings_currency_rebuild() == len(kept)
    assert _current() == kept


@pytest.mark.parametrize("status", ["open", "confirmed", "dismissed"])
def test_the_flag_reads_two_indexed_facts_in_the_same_query_as_the_list(
    world, officer, audit, status, django_assert_max_num_queries
):
    for _ in range(3):
        _four_in_a_year(world)
    run = audit()
    run.findings.update(status=status)
    with django_assert_max_num_queries(1):
        flagged = _flagged(officer)
    assert len(flagged) == (0 if status == "dismissed" else 3)
