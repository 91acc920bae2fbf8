"""Reconciliations in the background (R8.5, issue 17): the page asks for one, a Celery task does it
and keeps what it found, the page shows the latest result with its time at the cost of two
indexed reads; one run per district-year at a time; the queue down fails the run and says so;
the sweeper resends and fails lost runs; every night each district's current and previous year
are reconciled; differences are told to the district's officers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import kombu.exceptions
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.claims.models import ClaimLine
from apps.core.tasks import QUEUE_UNAVAILABLE, QueueUnavailable
from apps.ledger import services as reconciliations
from apps.ledger import tasks
from apps.ledger.models import Allocation, Reconciliation, ReconciliationStatus
from apps.ledger.selectors.accounts import reconciliation
from apps.notices.models import Notice
from tests.factories import UserFactory, district
from tests.ledger.conftest import WANZHOU, YUZHONG
from tests.ledger.test_reconciliation_sql import breaks

pytestmark = pytest.mark.django_db
S = ReconciliationStatus
PAGE = "/ledger/reconciliation/"


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    """Other tasks (the notices' e-mails) run in the test's process, also under `make test` where a
    broker is configured."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def sent(monkeypatch):
    """The run ids sent to the broker, recorded instead of sent: the test runs the task itself
    (a real worker runs tasks in tests/integration)."""
    calls: list[int] = []
    monkeypatch.setattr(tasks.reconcile, "delay", calls.append)
    return calls


@pytest.fixture
def officer(ledger):
    return UserFactory(officer=True, username="officer.yuzhong", district=district(YUZHONG))


def url(code: str = YUZHONG, year: int = 2021) -> str:
    return f"{PAGE}?district={code}&year={year}"


def test_the_page_asks_a_task_and_then_shows_what_it_found_with_its_time(
    client,
    ledger,
    officer,
    sent,
    django_capture_on_commit_callbacks,
):
    client.force_login(officer)
    page = client.get(url())
    assert "本年度尚未对账" in page.content.decode() and "开始对账" in page.content.decode()
    breaks(ledger, "line amount", 0, 0, 200, 0)  # a line of 渝中区 2021 no longer nets to its amount
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url())
    assert response.status_code == 302 and response["Location"] == url()
    run = Reconciliation.objects.get()
    assert (run.status, run.requested_by, run.district.code, run.year) == (S.QUEUED, officer, YUZHONG, 2021)
    assert sent == [run.pk]

    waiting = client.get(url())
    assert waiting["Refresh"] == "3"
    assert f"正在对账（#{run.pk}" in waiting.content.decode()
    assert "已开始对账：渝中区2021 年度" in waiting.content.decode()

    assert tasks.reconcile(run.pk) == S.FINISHED
    run.refresh_from_db()
    expected = reconciliation(district=district(YUZHONG), year=2021)
    assert [d["message"] for d in run.differences] == [d.message for d in expected]
    assert run.difference_count == len(expected) == 2  # the line, and its claim's approved total
    done = client.get(url())
    body = done.content.decode()
    assert "Refresh" not in done
    assert f"对账时间 {timezone.localtime(run.finished_at):%Y-%m-%d %H:%M:%S}（#{run.pk}）" in body
    assert "发现 2 处不一致" in body and expected[0].message in body
    assert "重新对账" in body
    assert [d.message for d in done.context["differences"]] == [d.message for d in expected]


def test_the_page_reads_the_kept_result_not_the_lines(client, ledger, officer, django_assert_max_num_queries):
    run = reconciliations.reconciliation_request(actor=officer, district=district(YUZHONG), year=2021)
    reconciliations.reconciliation_build(run_id=run.pk)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as read:
        assert client.get(url()).status_code == 200
    assert not [q for q in read.captured_queries if "claims_claimline" in q["sql"]]
    ClaimLine.objects.update(amount=Decimal("0.25"))  # however much differs now, the page reads as much
    with django_assert_max_num_queries(len(read)):
        client.get(url())


def test_a_second_request_gets_the_run_in_progress(ledger, officer, sent, django_capture_on_commit_callbacks):
    yuzhong = district(YUZHONG)
    with django_capture_on_commit_callbacks(execute=True):
        first = reconciliations.reconciliation_request(actor=officer, district=yuzhong, year=2021)
        again = reconciliations.reconciliation_request(actor=officer, district=yuzhong, year=2021)
        other_year = reconciliations.reconciliation_request(actor=officer, district=yuzhong, year=2022)
    assert again.pk == first.pk and other_year.pk != first.pk
    assert sent == [first.pk, other_year.pk]
    tasks.reconcile(first.pk)
    assert tasks.reconcile(first.pk) == S.FINISHED  # delivered twice: nothing done twice
    assert reconciliations.reconciliation_request(actor=officer, district=yuzhong, year=2021).pk != first.pk


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("officer", YUZHONG, 302),
        ("officer", WANZHOU, 404),  # another district: not found, like a missing one
        ("admin", WANZHOU, 302),
        ("auditor", WANZHOU, 302),
        ("reviewer", YUZHONG, 403),
        ("operator", YUZHONG, 403),
        ("filer", YUZHONG, 403),
    ],
)
def test_who_may_reconcile(client, ledger, sent, role, code, status):
    kwargs = {"district": district(YUZHONG)} if role == "officer" else {}
    if role == "reviewer":
        kwargs["engaged"] = [district(YUZHONG)]
    client.force_login(UserFactory(**{role if role != "admin" else "municipal_admin": True}, **kwargs))
    assert client.post(url(code)).status_code == status
    assert Reconciliation.objects.count() == (1 if status == 302 else 0)


def test_the_service_refuses_a_district_outside_the_users_ledger(ledger, officer):
    with pytest.raises(reconciliations.ApplicationError, match="只能对本人可查看专账的区县对账"):
        reconciliations.reconciliation_request(actor=officer, district=district(WANZHOU), year=2021)
    assert not Reconciliation.objects.exists()


def test_the_queue_down_fails_the_run_and_the_page_says_so(
    client,
    ledger,
    officer,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    def down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.reconcile, "delay", down)
    client.force_login(officer)
    # In a test the commit callbacks run when the block ends (in production, in the request: the
    # view shows the error): the run is failed before QueueUnavailable is raised.
    with pytest.raises(QueueUnavailable), django_capture_on_commit_callbacks(execute=True):
        client.post(url())
    response = client.get(url())
    run = Reconciliation.objects.get()
    assert (run.status, run.error) == (S.FAILED, QUEUE_UNAVAILABLE)
    body = response.content.decode()
    assert QUEUE_UNAVAILABLE in body and f"最近一次对账（#{run.pk}" in body
    assert "开始对账" in body  # and nothing blocks asking again
    assert "Refresh" not in response


def test_a_failing_reconciliation_fails_its_run(ledger, officer, monkeypatch, caplog):
    run = Reconciliation.objects.create(district=district(YUZHONG), year=2021, requested_by=officer)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reconciliations, "reconciliation", broken)
    assert tasks.reconcile(run.pk) == S.FAILED
    run.refresh_from_db()
    assert (run.error, run.finished_at is not None) == (reconciliations.RECONCILIATION_FAILED, True)
    assert f"reconciliation {run.pk} failed" in caplog.text


def test_a_lost_run_is_sent_again_once_then_failed(ledger, officer, settings, sent):
    settings.TASK_QUEUED_RESEND_AFTER = timedelta(minutes=10)
    settings.TASK_STUCK_FAIL_AFTER = timedelta(minutes=60)
    run = Reconciliation.objects.create(district=district(YUZHONG), year=2021, requested_by=officer)
    now = timezone.now()
    Reconciliation.objects.filter(pk=run.pk).update(created_at=now - timedelta(minutes=11))
    assert tasks.reconcile_sweep() == {"resent": [run.pk], "failed": []}
    assert sent == [run.pk]
    assert reconciliations.reconciliations_sweep(now=now + timedelta(minutes=61)) == {
        "resent": [],
        "failed": [run.pk],
    }
    run.refresh_from_db()
    assert (run.status, run.error) == (S.FAILED, reconciliations.RECONCILIATION_STUCK)


def test_every_night_each_districts_current_and_previous_year(
    ledger, sent, django_capture_on_commit_callbacks
):
    today = timezone.make_aware(timezone.datetime(2022, 3, 1, 2, 30))
    with django_capture_on_commit_callbacks(execute=True):
        ids = reconciliations.reconciliations_nightly(today=today)
        again = reconciliations.reconciliations_nightly(today=today)
    runs = Reconciliation.objects.filter(pk__in=ids)
    assert sorted((r.district.code, r.year) for r in runs) == sorted(
        Allocation.objects.filter(year__in=(2021, 2022)).values_list("district__code", "year")
    )
    assert len(ids) == 4 and again == ids and sent == ids  # in progress: not asked twice
    assert all(r.requested_by is None for r in runs)


def test_differences_are_told_to_the_districts_officers(client, ledger, officer):
    other_officer = UserFactory(officer=True, district=district(YUZHONG))
    wanzhou_officer = UserFactory(officer=True, district=district(WANZHOU))
    clean = reconciliations.reconciliation_request(actor=None, district=district(YUZHONG), year=2021)
    reconciliations.reconciliation_build(run_id=clean.pk)
    assert not Notice.objects.exists()  # the books reconcile: nothing to tell

    breaks(ledger, "entry amount", 0, 0, 150, 0)
    run = reconciliations.reconciliation_request(actor=None, district=district(YUZHONG), year=2021)
    run = reconciliations.reconciliation_build(run_id=run.pk)
    told = Notice.objects.filter(kind="reconciliation_differences")
    assert sorted(n.recipient_id for n in told) == sorted([officer.pk, other_officer.pk])
    assert wanzhou_officer.pk not in {n.recipient_id for n in told}
    notice = told.first()
    assert notice.title == f"渝中区2021 年度对账发现 {run.difference_count} 处不一致"
    assert notice.link == url()
    client.force_login(officer)
    assert "每日自动对账" in client.get(notice.link).content.decode()


def test_many_differences_are_shown_a_page_at_a_time(client, ledger, officer):
    differences = [
        {"kind": "ledger", "claim_id": None, "line_id": n, "message": f"明细 #{n} 不一致"}
        for n in range(1, 31)
    ]
    Reconciliation.objects.create(
        district=district(YUZHONG),
        year=2021,
        requested_by=officer,
        status=S.FINISHED,
        differences=differences,
        difference_count=30,
        finished_at=timezone.now(),
    )
    client.force_login(officer)
    first = client.get(url()).content.decode()
    assert "发现 30 处不一致" in first and "共 30 条，第 1 / 2 页" in first
    assert "明细 #25 不一致" in first and "明细 #26 不一致" not in first
    second = client.get(url() + "&page=2").content.decode()
    assert "明细 #26 不一致" in second and "明细 #30 不一致" in second and "明细 #1 不一致" not in second
