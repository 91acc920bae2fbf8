"""The broker down (issue 17): with Redis stopped, starting an audit or a large export answers at
once that the task queue is unavailable (a page error, an API 503) and leaves nothing `queued`;
the scope's next audit starts once the broker is back. Real sends to a closed port, through
kombu and redis-py (tests/security/conftest.py), in committed transactions, since a send happens
after the commit."""

import time

import pytest
from django.urls import reverse

from apps.audits.models import AuditRun
from apps.core.selectors import state_changes_for
from apps.exports.models import ExportJob
from apps.notices.models import Notice
from apps.notices.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUEUE_DOWN = "任务队列暂不可用，请稍后再试"


def test_an_audit_started_with_the_broker_down_fails_at_once_and_frees_its_district(client, broker_down):
    officer = UserFactory(officer=True)
    client.force_login(officer)
    started = time.monotonic()
    response = client.post(reverse("audits:runs"), {"scope": "district"})
    waited = time.monotonic() - started

    assert response.status_code == 400
    assert QUEUE_DOWN in response.content.decode()
    assert waited < 5, f"the user waited {waited:.1f} s"
    run = AuditRun.objects.get()
    assert (run.status, run.error, run.district.code) == ("failed", "任务队列暂不可用", "500103")
    assert [(c.from_state, c.to_state, c.reason) for c in state_changes_for(obj=run).order_by("pk")] == [
        ("", "queued", "发起批量稽核：渝中区在办申领"),
        ("queued", "failed", "稽核失败：任务队列暂不可用"),
    ]
    assert not AuditRun.objects.filter(status__in=["queued", "running"]).exists()


def test_the_districts_next_audit_starts_once_the_broker_is_back(client, broker_down, settings):
    from config.celery import app

    officer = UserFactory(officer=True)
    client.force_login(officer)
    client.post(reverse("audits:runs"), {"scope": "district"})
    # The broker is back (the zero-setup eager mode stands in for it).
    app.conf.task_always_eager = True
    response = client.post(reverse("audits:runs"), {"scope": "district"})

    assert response.status_code == 302
    assert list(AuditRun.objects.order_by("pk").values_list("status", flat=True)) == ["failed", "finished"]


def test_the_api_answers_503_in_chinese(api_client, broker_down):
    api_client.force_authenticate(UserFactory(officer=True))
    response = api_client.post(
        "/api/v1/audits/runs", {"scope": "district", "district": "500103"}, format="json"
    )

    assert response.status_code == 503
    assert response.json() == {"detail": QUEUE_DOWN}
    assert AuditRun.objects.get().status == "failed"


def test_a_large_export_with_the_broker_down_fails_and_says_why(client, api_client, broker_down, settings):
    settings.EXPORT_SMALL_ROWS = -1  # every export goes to the queue
    auditor = UserFactory(auditor=True)
    client.force_login(auditor)
    page = client.post(reverse("exports:new", args=["ledger"]), {})
    api_client.force_authenticate(auditor)
    api = api_client.post("/api/v1/exports", {"kind": "ledger"}, format="json")

    assert page.status_code == 200 and QUEUE_DOWN in page.content.decode()
    assert (api.status_code, api.json()) == (503, {"detail": QUEUE_DOWN})
    assert list(ExportJob.objects.values_list("status", "error")) == [("failed", QUEUE_DOWN)] * 2


def test_a_decision_stands_when_its_e_mails_cannot_be_queued(broker_down):
    """A notice's e-mail is a copy: the queue being down neither undoes the decision nor fails the
    page; the notice is in the inbox, its e-mail not sent."""
    from django.db import transaction

    user = UserFactory(officer=True, email="officer@example.cn")
    with transaction.atomic():
        notify(recipients=[user], kind="test", title="申领已审核", link="/")

    notice = Notice.objects.get()
    assert (notice.recipient, notice.emailed_at) == (user, None)


def test_a_broker_that_never_answers_costs_seconds_not_forever(api_client, broker_silent, settings):
    """Without socket timeouts a send to a hung Redis never returned; with them the user is told
    within a few seconds (CELERY_BROKER_TIMEOUT, 3 s a try)."""
    api_client.force_authenticate(UserFactory(officer=True))
    started = time.monotonic()
    response = api_client.post(
        "/api/v1/audits/runs", {"scope": "district", "district": "500103"}, format="json"
    )
    waited = time.monotonic() - started

    assert (response.status_code, response.json()) == (503, {"detail": QUEUE_DOWN})
    assert waited < 3 * settings.BROKER_TIMEOUT + 2, f"the user waited {waited:.1f} s"
    assert AuditRun.objects.get().status == "failed"
