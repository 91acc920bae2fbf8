"""Exports over the API: start one, follow it, download it until the link expires, the log."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from apps.exports.models import ExportJob, ExportStatus
from apps.exports.tasks import export_run

from .conftest import WANZHOU, YUZHONG, export, sheet_rows

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_small_export_comes_back_finished_with_its_file(world):
    client = api(world.users["auditor"])
    response = client.post(
        reverse("api-exports"),
        {"kind": "ledger", "districts": [YUZHONG, WANZHOU], "years": [2021]},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    job = ExportJob.objects.get()
    assert data["id"] == job.pk
    assert (data["status"], data["status_label"], data["row_count"], data["progress"]) == (
        "finished",
        "已完成",
        6,
        100,
    )
    assert (
        data["description"] == "区县：渝中区、万州区；年度：2021；类型：全部；资金类别：全部；申领状态：全部"
    )
    assert data["file"] == reverse("api-export-file", args=[job.pk]) and data["expired"] is False
    download = client.get(data["file"])
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert len(sheet_rows(book["台账"])) == 6
    assert client.get(reverse("api-exports")).json()["results"][0]["id"] == job.pk


def test_a_large_export_is_queued_and_followed_by_its_progress(
    world, settings, sent, django_capture_on_commit_callbacks
):
    settings.EXPORT_SMALL_ROWS = 1
    client = api(world.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api-exports"), {"kind": "claim_lines"}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["total_rows"], data["file"]) == ("queued", 8, None)
    assert sent == [data["id"]]
    export_run(data["id"])  # what the worker does
    data = client.get(data["url"]).json()
    assert (data["status"], data["row_count"], data["progress"]) == ("finished", 8, 100)
    assert client.get(data["file"]).status_code == 200


def test_an_expired_link_answers_404(world):
    job = export(world.users["auditor"])
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = api(world.users["auditor"])
    assert client.get(reverse("api-export-file", args=[job.pk])).status_code == 404
    data = client.get(reverse("api-export", args=[job.pk])).json()
    assert (data["expired"], data["file"]) == (True, None)


@pytest.mark.parametrize("role", ["admin", "officer", "officer_wanzhou"])
def test_another_users_export_answers_404(world, role):
    job = export(world.users["auditor"])
    client = api(world.users[role])
    assert client.get(reverse("api-export", args=[job.pk])).status_code == 404
    assert client.get(reverse("api-export-file", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "operator", "filer"])
def test_those_who_may_not_export_get_403_and_nothing_is_logged(world, role):
    client = api(world.users[role])
    assert client.post(reverse("api-exports"), {"kind": "ledger"}, format="json").status_code == 403
    assert client.get(reverse("api-exports")).status_code == 403
    assert client.get(reverse("api-export-log")).status_code == 403
    assert ExportJob.objects.count() == 0


def test_the_anonymous_get_401(world):
    assert api().post(reverse("api-exports"), {"kind": "ledger"}, format="json").status_code == 401


def test_a_district_outside_the_scope_answers_404(world):
    client = api(world.users["officer"])
    response = client.post(reverse("api-exports"), {"kind": "ledger", "districts": [WANZHOU]}, format="json")
    assert response.status_code == 404
    response = client.post(reverse("api-exports"), {"kind": "ledger", "districts": ["999999"]}, format="json")
    assert response.status_code == 404
    assert ExportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "payments"}, "kind"),
        ({"kind": "ledger", "kinds": ["payment"]}, "kinds"),
        ({"kind": "ledger", "years": [1999]}, "years[0]"),
        ({"kind": "ledger", "date_from": "2021-06-02", "date_to": "2021-06-01"}, "date_to"),
        ({"kind": "fund_summary", "districts": [YUZHONG]}, "years"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, body, field):
    response = api(world.users["admin"]).post(reverse("api-exports"), body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert ExportJob.objects.count() == 0


def test_the_log_is_the_municipal_admins(world):
    export(world.users["auditor"], districts=(YUZHONG,))
    export(world.users["officer"], kind="fund_summary", districts=(YUZHONG,), years=(2021,))
    for role in ("auditor", "officer"):
        assert api(world.users[role]).get(reverse("api-export-log")).status_code == 403
    results = api(world.users["admin"]).get(reverse("api-export-log")).json()["results"]
    assert [(r["requested_by"], r["role"], r["kind"], r["row_count"]) for r in results] == [
        ("officer.yuzhong", "district_officer", "fund_summary", 4),
        ("auditor", "auditor", "ledger", 3),
    ]
    assert results[1]["filters"]["districts"] == [YUZHONG]
    only = api(world.users["admin"]).get(reverse("api-export-log"), {"user": "auditor"}).json()["results"]
    assert [r["requested_by"] for r in only] == ["auditor"]
    assert ExportJob.objects.filter(status=ExportStatus.FINISHED).count() == 2
