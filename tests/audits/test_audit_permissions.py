"""Every role × every audit page and API action, around a finished audit of 渝中区 with one
finding there and a city-wide audit with one finding in 万州区.

Out of scope answers 404 (like a missing object), visible but not allowed 403, the anonymous
visitor is sent to the login page (401/403 on the API); a refused action changes nothing."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.audits.models import AuditFinding, AuditRun
from tests.factories import UserFactory

D = date
ROLES = ["admin", "officer_own", "officer_other", "auditor", "reviewer", "operator", "filer", "anonymous"]


@pytest.fixture
def scene(world, admin, officer, audit):
    for where in (world.yuzhong, world.wanzhou):
        p = world.person()
        for month in (3, 5, 7, 9):
            world.training(p, D(2021, month, 1), D(2021, month, 20), district=where)
    district_run = audit("district", actor=officer, district=world.yuzhong)
    audit("all")
    users = {
        "admin": admin,
        "officer_own": officer,
        "officer_other": UserFactory(officer=True, district=world.wanzhou),
        "auditor": UserFactory(auditor=True),
        "reviewer": UserFactory(reviewer=True, engaged=[world.yuzhong]),
        "operator": UserFactory(operator=True),
        "filer": UserFactory(filer=True),
        "anonymous": None,
    }
    return {
        "users": users,
        "run": district_run,
        "finding": district_run.findings.get(),
        "claim": district_run.findings.get().claim,
    }


def _client(user, api: bool):
    client = APIClient() if api else Client()
    if user is not None:
        client.force_authenticate(user) if api else client.force_login(user)
    return client


def _state():
    return (
        AuditRun.objects.count(),
        list(AuditFinding.objects.order_by("pk").values_list("status", "resolution_reason")),
    )


ACTIONS = {
    # name: (api, method, url, data)
    "run_list": (False, "get", lambda s: reverse("audits:runs"), None),
    "run_start": (
        False,
        "post",
        lambda s: reverse("audits:runs"),
        {"scope": "district", "district": "500103"},
    ),
    "run_page": (False, "get", lambda s: reverse("audits:run", args=[s["run"].pk]), None),
    "finding_list": (False, "get", lambda s: reverse("audits:findings"), None),
    "finding_page": (False, "get", lambda s: reverse("audits:finding", args=[s["finding"].pk]), None),
    "finding_resolve": (
        False,
        "post",
        lambda s: reverse("audits:finding", args=[s["finding"].pk]),
        {"to": "dismissed", "reason": "核实无误", "confirm": "on"},
    ),
    "claim_findings": (False, "get", lambda s: reverse("audits:claim", args=[s["claim"].pk]), None),
    "claim_start": (False, "post", lambda s: reverse("audits:claim_start", args=[s["claim"].pk]), {}),
    "api_runs": (True, "get", lambda s: "/api/v1/audits/runs", None),
    "api_start": (True, "post", lambda s: "/api/v1/audits/runs", {"scope": "district", "district": "500103"}),
    "api_run": (True, "get", lambda s: f"/api/v1/audits/runs/{s['run'].pk}", None),
    "api_findings": (True, "get", lambda s: "/api/v1/audits/findings", None),
    "api_finding": (True, "get", lambda s: f"/api/v1/audits/findings/{s['finding'].pk}", None),
    "api_resolve": (
        True,
        "post",
        lambda s: f"/api/v1/audits/findings/{s['finding'].pk}/resolution",
        {"to": "dismissed", "reason": "核实无误"},
    ),
}
LOGIN = "login"
# Expected answer per action for: admin, officer_own, officer_other, auditor, reviewer, operator, filer.
EXPECTED = {
    "run_list": [200, 200, 200, 200, 403, 403, 403],
    "run_start": [302, 302, 400, 403, 403, 403, 403],
    "run_page": [200, 200, 404, 200, 404, 404, 404],
    "finding_list": [200, 200, 200, 200, 403, 403, 403],
    "finding_page": [200, 200, 404, 200, 404, 404, 404],
    "finding_resolve": [302, 302, 404, 403, 404, 404, 404],
    "claim_findings": [200, 200, 404, 200, 403, 403, 403],
    "claim_start": [302, 302, 404, 403, 403, 404, 404],
    "api_runs": [200, 200, 200, 200, 403, 403, 403],
    "api_start": [201, 201, 400, 403, 403, 403, 403],
    "api_run": [200, 200, 404, 200, 404, 404, 404],
    "api_findings": [200, 200, 200, 200, 403, 403, 403],
    "api_finding": [200, 200, 404, 200, 404, 404, 404],
    "api_resolve": [200, 200, 404, 403, 404, 404, 404],
}
CHANGES = {"run_start", "claim_start", "finding_resolve", "api_start", "api_resolve"}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_and_action(scene, role, action, django_capture_on_commit_callbacks):
    api, method, url, data = ACTIONS[action]
    user = scene["users"][role]
    before = _state()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(_client(user, api), method)(
            url(scene), data or {}, **({"format": "json"} if api else {})
        )
    if role == "anonymous":
        if api:
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert _state() == before
        return
    expected = EXPECTED[action][ROLES.index(role)]
    assert response.status_code == expected, response.content.decode()[:300]
    if action not in CHANGES or expected >= 400:
        assert _state() == before


def test_the_api_lists_only_the_findings_a_role_may_see(scene):
    counts = {}
    for role in ("admin", "officer_own", "officer_other", "auditor"):
        response = _client(scene["users"][role], api=True).get("/api/v1/audits/findings")
        counts[role] = response.json()["count"]
    assert counts == {"admin": 2, "officer_own": 1, "officer_other": 1, "auditor": 2}
