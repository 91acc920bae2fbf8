"""Export pages per role: choose and filter, a small export downloads at once, a large one shows
its progress and then its link, an expired link answers 404, the log is the municipal admin's."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.exports.models import ExportJob, ExportStatus
from apps.exports.tasks import export_run

from .conftest import FULING, WANZHOU, YUZHONG, export, sheet_rows

pytestmark = pytest.mark.django_db
EXPORTERS = ["admin", "auditor", "officer", "officer_wanzhou"]
OTHERS = ["reviewer", "operator", "filer"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.parametrize("role", EXPORTERS + OTHERS + ["anonymous"])
def test_who_may_open_the_export_pages(world, role):
    client = client_for(world.users.get(role))
    job = export(world.users["auditor"])
    pages = {
        reverse("exports:index"): role in EXPORTERS,
        reverse("exports:new", args=["ledger"]): role in EXPORTERS,
        reverse("exports:new", args=["claim_lines"]): role in EXPORTERS,
        reverse("exports:new", args=["audit_findings"]): role in EXPORTERS,
        reverse("exports:new", args=["fund_summary"]): role in EXPORTERS,
        reverse("exports:log"): role == "admin",
    }
    for url, allowed in pages.items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code == (200 if allowed else 403), url
    own = role == "auditor"
    for url in (reverse("exports:detail", args=[job.pk]), reverse("exports:download", args=[job.pk])):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == (200 if own else 404), url
    refused = client.post(reverse("exports:new", args=["ledger"]), {"years": ["2021"]})
    if role not in EXPORTERS:
        assert refused.status_code in (302, 403)
        assert ExportJob.objects.count() == 1


def test_a_small_export_downloads_at_once(world):
    client = client_for(world.users["auditor"])
    response = client.post(
        reverse("exports:new", args=["ledger"]), {"districts": [YUZHONG, WANZHOU], "years": ["2021"]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["Cache-Control"] == "private, no-store"
    book = _workbook(response)
    assert len(sheet_rows(book["台账"])) == 6
    job = ExportJob.objects.get()
    assert (job.requested_by, job.status, job.row_count) == (world.users["auditor"], ExportStatus.FINISHED, 6)
    index = client.get(reverse("exports:index")).content.decode()
    assert reverse("exports:download", args=[job.pk]) in index and "区县：万州区、渝中区；年度：2021" in index


def test_the_fund_summary_form(world):
    client = client_for(world.users["officer"])
    page = client.get(reverse("exports:new", args=["fund_summary"])).content.decode()
    assert f'<option value="{YUZHONG}" selected>' in page and WANZHOU not in page
    response = client.post(
        reverse("exports:new", args=["fund_summary"]), {"district": YUZHONG, "year": "2021"}
    )
    assert response.status_code == 200
    assert _workbook(response).sheetnames == ["资金概况", "对账差异"]


def test_a_large_export_runs_in_the_background_with_a_progress_bar_then_a_link(
    world, settings, sent, django_capture_on_commit_callbacks
):
    settings.EXPORT_SMALL_ROWS = 3
    client = client_for(world.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:new", args=["ledger"]), {})
    job = ExportJob.objects.get()
    assert sent == [job.pk]
    assert response.status_code == 302 and response["Location"] == reverse("exports:detail", args=[job.pk])
    page = client.get(response["Location"])
    assert page["Refresh"] == "3"
    html = page.content.decode()
    assert '<progress max="100" value="0"' in html and "排队中" in html and "每 3 秒自动刷新" in html
    assert "共 8 行，正在后台生成" in html  # the message after the redirect
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=62, row_count=5)
    html = client.get(response["Location"]).content.decode()
    assert '<progress max="100" value="62"' in html and "已写入 5 / 约 8 行" in html
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.QUEUED, progress=0, row_count=0)
    export_run(job.pk)  # what the worker does
    page = client.get(response["Location"])
    assert not page.has_header("Refresh")
    assert reverse("exports:download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200 and len(sheet_rows(_workbook(download)["台账"])) == 8


def test_an_expired_link_answers_404(world):
    client = client_for(world.users["auditor"])
    job = export(world.users["auditor"])
    url = reverse("exports:download", args=[job.pk])
    assert client.get(url).status_code == 200
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 404
    detail = client.get(reverse("exports:detail", args=[job.pk])).content.decode()
    assert "已过期" in detail and url not in detail


def test_a_failed_export_says_so_and_offers_to_export_again(world, monkeypatch):
    from apps.exports.workbooks import kinds as workbooks

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(workbooks, "write", broken)
    client = client_for(world.users["auditor"])
    response = client.post(reverse("exports:new", args=["ledger"]), {}, follow=True)
    html = response.content.decode()
    assert "导出失败" in html and reverse("exports:new", args=["ledger"]) in html
    assert client.get(reverse("exports:download", args=[ExportJob.objects.get().pk])).status_code == 404


def test_an_officer_can_only_choose_their_district(world):
    client = client_for(world.users["officer"])
    response = client.post(reverse("exports:new", args=["ledger"]), {"districts": [WANZHOU]})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    assert ExportJob.objects.count() == 0
    page = client.get(reverse("exports:new", args=["ledger"])).content.decode()
    assert f'value="{YUZHONG}"' in page and f'value="{FULING}"' not in page


def test_errors_are_shown_next_to_the_field_and_nothing_is_exported(world):
    client = client_for(world.users["auditor"])
    response = client.post(
        reverse("exports:new", args=["ledger"]), {"date_from": "2021-06-02", "date_to": "2021-06-01"}
    )
    assert "结束日期不能早于开始日期" in response.content.decode()
    response = client.post(reverse("exports:new", args=["fund_summary"]), {"year": "2021"})
    assert "该字段是必填项" in response.content.decode()
    assert ExportJob.objects.count() == 0
    assert client.get(reverse("exports:new", args=["payments"])).status_code == 404


def test_the_log_shows_every_export_to_the_municipal_admin(world):
    export(world.users["auditor"], districts=(YUZHONG,), years=(2021,))
    export(world.users["officer"], kind="fund_summary", districts=(YUZHONG,), years=(2021,))
    client = client_for(world.users["admin"])
    html = client.get(reverse("exports:log")).content.decode()
    assert "auditor（审计人员）" in html and "officer.yuzhong（区县人力社保局经办人员）" in html
    assert "区县：渝中区；年度：2021；类型：全部" in html
    html = client.get(reverse("exports:log"), {"kind": "fund_summary"}).content.decode()
    assert "officer.yuzhong" in html and "auditor（" not in html
    html = client.get(reverse("exports:log"), {"user": "auditor"}).content.decode()
    assert "auditor（" in html and "officer.yuzhong（" not in html


def test_navigation_and_the_home_panel(world):
    for role in EXPORTERS:
        assert reverse("exports:index") in client_for(world.users[role]).get("/").content.decode()
    for role in OTHERS:
        assert reverse("exports:index") not in client_for(world.users[role]).get("/").content.decode()
    job = export(world.users["auditor"])
    home = client_for(world.users["auditor"]).get("/").content.decode()
    assert reverse("exports:download", args=[job.pk]) in home


def test_the_list_of_ones_exports_costs_the_same_queries_at_two_sizes(world):
    client = client_for(world.users["auditor"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("exports:index")).status_code == 200
        return len(captured)

    for _ in range(2):
        export(world.users["auditor"], districts=(YUZHONG,))
    two = queries()
    for _ in range(8):
        export(world.users["auditor"], districts=(YUZHONG,))
    # The session (from Redis when there is one: cached_db) and its user, the count and the page
    # of the user's exports.
    session = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    assert two == queries() == 3 + session
