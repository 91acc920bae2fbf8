"""The claims world's completed class (three trainees who signed in), given phone numbers, and its
completion claim submitted: each trainee has been sent a confirmation (apps.confirmations)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from apps.claims.models import ClaimStatus
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.core.messaging import LocmemBackend
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures

PHONES = {"full": "13800000001", "partial": "13800000002", "failed": ""}


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    """The sending task runs in the test's process, also under `make test` (a broker configured)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


@pytest.fixture(autouse=True)
def outbox():
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@dataclass(frozen=True)
class Sent:
    phone: str
    token: str
    code: str


def sent(outbox: list[Any]) -> dict[str, Sent]:
    """The messages sent, by phone: the link's token and the code they carry."""
    out = {}
    for message in outbox:
        token = re.search(r"/confirm/([A-Za-z0-9_-]{20,})/", message.text).group(1)
        code = re.search(r"确认码 ([A-Z0-9]{4}-[A-Z0-9]{4})", message.text).group(1)
        out[message.phone] = Sent(message.phone, token, code)
    return out


@pytest.fixture
def submitted(completed_class, operator, django_capture_on_commit_callbacks):
    for key, who in completed_class.trainees.items():
        who.phone = PHONES[key]
        who.save(update_fields=["phone"])
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    return claim
