"""The audit API (token auth): start a run and follow it, list and read findings, decide on one;
errors in the portal's shape."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from apps.audits.models import AuditRun

D = date


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def _fourth_training(world):
    p = world.person("王四次")
    return [world.training(p, D(2021, m, 1), D(2021, m, 20)) for m in (3, 5, 7, 9)]


def test_start_follow_and_read_an_audit(world, api, django_capture_on_commit_callbacks):
    lines = _fourth_training(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/audits/runs", {"scope": "district", "district": "500103"}, format="json")
    assert response.status_code == 201
    run_id = response.json()["id"]
    run = api.get(f"/api/v1/audits/runs/{run_id}").json()
    assert (run["scope"], run["district"], run["status"], run["progress"]["percent"]) == (
        "district",
        "500103",
        "finished",
        100,
    )
    assert run["counts"] == {"lines": 4, "findings": 1, "appeared": 1, "persisting": 0, "cleared": 0}
    assert [r["id"] for r in api.get("/api/v1/audits/runs").json()] == [run_id]
    page = api.get("/api/v1/audits/findings", {"rule": "R10.1"}).json()
    assert page["count"] == 1
    (finding,) = page["results"]
    assert finding["line"] == lines[3].pk and finding["other_line"] == lines[0].pk
    assert finding["severity"] == "E" and finding["message"].startswith("2021 年已有 3 次补贴性培训")
    assert finding["person"].startswith("王四次（5001")
    assert api.get("/api/v1/audits/findings", {"run": run_id, "status": "dismissed"}).json()["count"] == 0
    detail = api.get(f"/api/v1/audits/findings/{finding['id']}").json()
    assert detail["details"] == {"year": 2021, "nth": 4, "count": 4, "limit": 3}


def test_a_queued_run_reports_zero_percent(world, api):
    response = api.post(
        "/api/v1/audits/runs", {"scope": "claim", "claim": _fourth_training(world)[3].claim_id}
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["progress"]["percent"]) == ("queued", 0)


def test_decide_on_a_finding(world, api, audit):
    _fourth_training(world)
    finding = audit().findings.get()
    url = f"/api/v1/audits/findings/{finding.pk}/resolution"
    refused = api.post(url, {"to": "dismissed", "reason": " "}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "排除疑点须填写处理意见", "field": "reason"}
    answer = api.post(url, {"to": "dismissed", "reason": "第四次培训已另行核销"}, format="json").json()
    assert (answer["status"], answer["resolution_reason"]) == ("dismissed", "第四次培训已另行核销")
    wrong = api.post(url, {"to": "confirmed", "reason": "改为确认"}, format="json")
    assert wrong.json()["detail"] == "稽核疑点不能从“已排除”变为“已确认”"


@pytest.mark.parametrize(
    ("body", "detail", "field"),
    [
        ({"scope": "region"}, "字段 scope：“region” 不是合法选项。", "scope"),
        ({"scope": "district", "district": "999999"}, "区县代码 999999 不存在", "district"),
        (
            {"scope": "district", "district": "500101"},
            "您无权发起该范围的批量稽核：区县经办人员只能稽核本区县的申领",
            "scope",
        ),
    ],
)
def test_a_refused_start_names_the_field(world, api, body, detail, field):
    response = api.post("/api/v1/audits/runs", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "field": field}
    assert not AuditRun.objects.exists()


def test_a_claim_out_of_scope_is_not_found(world, api):
    p = world.person()
    line = world.training(p, D(2021, 3, 1), D(2021, 3, 20), district=world.wanzhou)
    response = api.post("/api/v1/audits/runs", {"scope": "claim", "claim": line.claim_id}, format="json")
    assert response.status_code == 404
