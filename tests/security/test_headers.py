"""Headers (issue 17, item 4): a strict Content-Security-Policy on every answer (django-csp), relaxed
for Redoc's page alone; its violation reports taken at /csp-report/ and logged without personal data;
nothing shown to a signed-in user stored by a browser; no inline script or style in any template."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "report-uri": "/csp-report/",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/accounts/login/", False),
        ("/", True),
        ("/claims/", True),
        ("/audits/", True),
        ("/api/v1/audits/runs", True),
        ("/api/v1/docs/", False),
        ("/healthz", False),
        ("/no-such-page/", True),
    ],
)
def test_every_answer_carries_the_strict_policy(client, path, signed_in):
    if signed_in:
        client.force_login(UserFactory(officer=True))
    assert policy(client.get(path)) == STRICT


def test_redoc_alone_may_use_inline_styles_and_a_blob_worker(client):
    relaxed = policy(client.get("/api/v1/redoc/"))
    assert relaxed == {**STRICT, "style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"}
    assert "'unsafe-inline'" not in relaxed["script-src"]


def test_the_policy_can_be_sent_report_only(settings, client):
    """CSP_REPORT_ONLY=true (a trial of a stricter policy in production) sends the same directives
    without enforcing them."""
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = client.get("/accounts/login/")
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


INLINE = (
    r"<[a-z][^>]*\sstyle\s*=",  # a style attribute
    r"<style[\s>]",  # a style element
    r"<script(?![^>]*\ssrc=)[^>]*>",  # a script without src
    r"<[a-z][^>]*\son[a-z]+\s*=",  # an event handler attribute
    r"javascript:",
)


def test_no_template_holds_inline_script_style_or_event_handlers():
    """The policy refuses them; this finds one before a browser does. Comments aside."""
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "apps").rglob("*.html")):
        text = re.sub(
            r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", template.read_text("utf-8"), flags=re.S
        )
        for pattern in INLINE:
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                found.append(f"{template.relative_to(ROOT)}: {match.group(0)[:80]!r}")
    assert found == []


# The report endpoint -------------------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://px.example.cn/trainees/persons/?q=500103199001011234&name=%E5%BC%A0%E4%B8%89",
        "referrer": "https://px.example.cn/claims/12/",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example.com/steal?id=500103199001011234",
        "line-number": 12,
        "source-file": "https://px.example.cn/static/js/print.js?v=500103199001011234",
        "status-code": 200,
    }
}


def post_report(client, body, content_type="application/csp-report"):
    return client.post(reverse("core:csp_report"), body, content_type=content_type)


def test_a_report_is_logged_without_personal_data_and_answered_204(caplog):
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token
    with caplog.at_level(logging.WARNING, logger="apps.core.csp"):
        response = post_report(client, json.dumps(REPORT))

    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.name == "apps.core.csp"]
    logged = json.loads(record.getMessage().removeprefix("CSP violation "))
    assert logged == {
        "directive": "style-src-attr",
        "page": "/trainees/persons/",
        "blocked": "https://evil.example.com",
        "source": "/static/js/print.js:12",
        "disposition": "enforce",
    }
    assert "500103199001011234" not in record.getMessage() and "张三" not in record.getMessage()


def test_reports_of_the_reporting_api_are_read_too(caplog):
    body = [
        {
            "type": "csp-violation",
            "url": "https://px.example.cn/",
            "body": {
                "documentURL": "https://px.example.cn/ledger/?x=1",
                "effectiveDirective": "img-src",
                "blockedURL": "data",
            },
        },
        {"type": "deprecation", "body": {"id": "x"}},
    ]
    with caplog.at_level(logging.WARNING, logger="apps.core.csp"):
        response = post_report(Client(), json.dumps(body), "application/reports+json")
    assert response.status_code == 204
    messages = [r.getMessage() for r in caplog.records if r.name == "apps.core.csp"]
    assert len(messages) == 1 and '"page": "/ledger/"' in messages[0] and '"blocked": "data"' in messages[0]


def test_only_a_post_of_a_small_json_report_is_read(client, settings, caplog):
    settings.CSP_REPORT_MAX_BYTES = 1_000
    with caplog.at_level(logging.WARNING, logger="apps.core.csp"):
        assert client.get(reverse("core:csp_report")).status_code == 405
        assert post_report(client, "not json").status_code == 400
        assert post_report(client, "[" * 900).status_code == 400
        assert post_report(client, json.dumps({"csp-report": {"x": "y" * 2_000}})).status_code == 413
        assert post_report(client, json.dumps({"something": "else"})).status_code == 204
    assert [r for r in caplog.records if r.name == "apps.core.csp"] == []


def test_one_address_sends_at_most_so_many_reports_a_minute(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.CSP_REPORTS_PER_MINUTE = 3
    statuses = [post_report(client, json.dumps(REPORT)).status_code for _ in range(5)]
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert statuses == [204, 204, 204, 429, 429]
    assert post_report(other, json.dumps(REPORT)).status_code == 204
    cache.clear()


# Caching ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/claims/", "/audits/", "/notices/", "/api/v1/audits/runs"])
def test_nothing_shown_to_a_signed_in_user_is_stored(client, path):
    client.force_login(UserFactory(officer=True))
    response = client.get(path)
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_an_api_token_caller_is_told_no_store_too(api_client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory(officer=True))
    response = api_client.get("/api/v1/audits/runs", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
