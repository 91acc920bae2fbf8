"""Journeys (c4) of the reviewing roles: the district officer starts a batch audit of every open
claim of 渝中区 and watches its progress page until it is finished, an auditor's export is
written in the background and downloaded when ready (a real Celery worker on the test database
under `make test`; the eager default otherwise), and a third-party reviewer recommends on a
claim the officer then reads. Through the UI only, every page scanned with axe-core."""

import pytest

from apps.audits.models import AuditRun
from apps.catalog.models import District
from apps.claims.models import ClaimStatus
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from tests.factories import UserFactory

from .conftest import workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_district_batch_audit_runs_to_the_end_with_its_progress_shown(
    portal, completed_class, operator, officer, celery_worker
):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)

    district = portal(officer)
    district.goto("/audits/")
    district.submit("稽核渝中区全部在办申领")
    assert "批量稽核 #" in district.text("h1")
    run = AuditRun.objects.get()
    for _ in range(60):
        if "稽核明细" in district.text():
            break
        district.page.wait_for_timeout(1000)
        district.goto(f"/audits/runs/{run.pk}/")
    run.refresh_from_db()
    assert run.status == "finished", run.status
    assert run.lines_count == 3
    assert "3 条" in district.text("section.card")


@pytest.fixture
def export_worker(request, monkeypatch, settings, tmp_path):
    """Exports written in the background: by the real worker under `make test` (storage both
    processes reach, as tests/integration/test_export_worker.py), eagerly otherwise."""
    root = str(tmp_path / "exports")
    monkeypatch.setenv("EXPORT_STORAGE_ROOT", root)
    settings.EXPORT_STORAGE_ROOT = root
    settings.EXPORT_SMALL_ROWS = 0  # every export goes to the background, with its progress page
    return request.getfixturevalue("celery_worker")


def test_an_auditor_exports_in_the_background_and_downloads_when_ready(
    portal, completed_class, operator, auditor, export_worker
):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)

    reader = portal(auditor)
    reader.goto("/exports/")
    panel = reader.page.locator(
        "section.panel", has=reader.page.get_by_role("heading", name="申领明细", exact=False)
    )
    reader.follow_in(panel, "选择条件并导出")
    reader.submit("导出 Excel")
    assert "正在后台生成" in reader.message()
    detail = reader.page.url
    for _ in range(60):
        if reader.page.get_by_role("link", name="下载").count():
            break
        reader.page.wait_for_timeout(1000)
        reader.goto(detail.removeprefix(reader.base_url))
    with reader.page.expect_download() as info:
        reader.page.get_by_role("link", name="下载").first.click()
    _, text = workbook(info.value)
    assert all(name in text for name in ("张全勤", "李部分", "王未过"))
    assert "5001**********0010" in text  # the auditor's export masks ID numbers


def test_a_third_party_reviewer_recommends_on_a_claim_and_the_officer_reads_it(
    portal, completed_class, operator, officer
):
    reviewer = UserFactory(
        reviewer=True, username="third.party", engaged=[District.objects.get(code="500103")]
    )
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)

    agency = portal(reviewer)
    agency.goto("/claims/")
    agency.follow(f"#{claim.pk}", exact=False)
    assert agency.page.locator("form.action-form").count() == 0  # it recommends, never decides
    agency.field("审核意见（第三方社会机构只提出意见，不作最终审核，R7.1）").fill(
        "抽查签到表 3 份，与线上记录一致"
    )
    agency.submit("提交审核意见")
    claim.refresh_from_db()
    assert "与线上记录一致" in claim.recommendation

    district = portal(officer)
    district.goto(f"/claims/{claim.pk}/")
    assert "抽查签到表 3 份，与线上记录一致" in district.text("#recommendation")
