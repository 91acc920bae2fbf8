"""Service KPIs (issue 19, part 5): days from submission to decision and to payment (median and
90th percentile), the return rate and the oldest waiting claims, per claimant for a district's
officer and per district for the municipal admin, on their home pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from apps.claims.models import Claim
from apps.ledger.models import Payment, PaymentLine
from apps.ledger.selectors.kpis import percentile
from apps.ledger.services import claim_approve, service_kpis
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """A clean cache, and the refresh task run where it is sent (as the zero-setup default does)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    cache.clear()
    yield
    cache.clear()


def test_nearest_rank_percentiles():
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == Decimal("3.0")
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == Decimal("2.0")
    assert percentile([float(n) for n in range(1, 11)], 0.9) == Decimal("9.0")


def test_a_claim_decided_after_three_days_and_paid_after_five(reviewed, officer, allocation, admin_user):
    claim = claim_approve(claim=reviewed, actor=officer)
    now = timezone.now()
    Claim.objects.filter(pk=claim.pk).update(submitted_at=now - timedelta(days=3))
    payment = Payment.objects.create(
        district=claim.district,
        reference="PZ-1",
        paid_on=timezone.localdate(now - timedelta(days=3)) + timedelta(days=5),
        amount=claim.approved_total,
        created_by=officer,
    )
    for line in claim.lines.filter(decision="approved"):
        PaymentLine.objects.create(payment=payment, claim_line=line, amount=line.amount)
    report = service_kpis(district_id=claim.district_id, by="claimant")
    (row,) = report.rows
    assert row.label == claim.institution.name and (row.submitted, row.waiting, row.returned) == (1, 0, 0)
    assert row.decision_median == Decimal("3.0") and row.payment_median == Decimal("5.0")
    assert row.return_rate == Decimal("0.0") and report.oldest == []
    city = service_kpis(district_id=None, by="district")
    assert [r.label for r in city.rows] == [claim.district.name]


def test_the_home_pages_show_them(completed_class, operator, officer, admin_user):
    from apps.claims.models import ClaimStatus
    from apps.claims.services.class_claims import claim_create_for_class
    from apps.claims.services.lifecycle import claim_transition

    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    client = Client()
    client.force_login(officer)
    html = client.get("/").content.decode()
    assert 'id="service-kpis"' in html and "等待最久的申领" in html and f"#{claim.pk}" in html
    cache.clear()
    client.force_login(admin_user)
    html = client.get("/").content.decode()
    assert "各区县申领办理时效" in html and claim.district.name in html
    client.force_login(operator)
    assert 'id="service-kpis"' not in client.get("/").content.decode()


def test_the_district_performance_page(
    reviewed, officer, allocation, admin_user, django_assert_max_num_queries
):
    """Issue 19, part 4: the page that grounds a 调剂 — execution, speed, first-pass rate, shares."""
    from django.urls import reverse

    from apps.ledger.selectors.dashboards import district_performance

    claim = claim_approve(claim=reviewed, actor=officer)
    (row,) = [
        r
        for r in district_performance(
            user=admin_user, year=2026, kpis=service_kpis(district_id=None, by="district", year=2026)
        )
        if r.summary.district.pk == claim.district_id
    ]
    assert row.approved == claim.approved_total and row.execution == Decimal("0.0")  # booked, not paid
    assert row.kpi.decided == 1 and row.kpi.first_pass_rate == Decimal("100.0")
    assert row.enterprise_share == Decimal("0.0") and row.bases == 0
    client = Client()
    client.force_login(admin_user)
    with django_assert_max_num_queries(20):
        html = client.get(reverse("ledger:performance") + "?year=2026").content.decode()
    assert 'id="performance"' in html and "<svg" in html and "渝中区" in html
    client.force_login(officer)
    assert "渝中区" in client.get(reverse("ledger:performance") + "?year=2026").content.decode()


def test_the_performance_page_times_the_claims_of_its_year(reviewed, officer, allocation, admin_user):
    """The year chosen on the performance page is the claims' funding year, not the last 365 days:
    a claim of 2026 submitted two years ago counts for 2026 and not in the recent figures."""
    claim = claim_approve(claim=reviewed, actor=officer)
    Claim.objects.filter(pk=claim.pk).update(submitted_at=timezone.now() - timedelta(days=800))
    (row,) = service_kpis(district_id=None, by="district", year=claim.year).rows
    assert (row.key, row.submitted, row.decided) == (claim.district_id, 1, 1)
    assert service_kpis(district_id=None, by="district", year=claim.year - 1).rows == []
    assert service_kpis(district_id=None, by="district").rows == []  # none submitted in 365 days


def test_the_figures_are_worked_out_by_the_worker_never_while_a_page_waits(
    reviewed, officer, monkeypatch, django_capture_on_commit_callbacks
):
    """A page reads the kept report; once stale it asks the worker once (not every page) and
    still shows the kept one; with none kept yet the panel says they are being worked out; with
    the queue down the page works them out itself."""
    from apps.ledger import services, tasks
    from apps.ledger.selectors import kpis

    sent = []
    monkeypatch.setattr(tasks.kpis_refresh, "delay", lambda *args: sent.append(args))
    assert service_kpis(district_id=None, by="district") is None
    assert service_kpis(district_id=None, by="district") is None
    assert sent == [(None, "district", None)]  # asked once: a refresh is under way
    client = Client()
    client.force_login(officer)
    assert "办理时效正在统计，请稍后刷新本页。" in client.get("/").content.decode()

    kept = services.kpis_refresh(district_id=None, by="district")
    assert service_kpis(district_id=None, by="district") == kept and len(sent) == 2  # the officer's own
    later = timezone.now() + timedelta(seconds=kpis.KPI_CACHE_SECONDS + 1)
    monkeypatch.setattr(services.timezone, "now", lambda: later)
    assert service_kpis(district_id=None, by="district") == kept  # stale: shown, and refreshed
    assert sent[-1] == (None, "district", None) and len(sent) == 3

    import kombu.exceptions

    def down(*args):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    cache.clear()
    monkeypatch.setattr(tasks.kpis_refresh, "delay", down)
    report = service_kpis(district_id=reviewed.district_id, by="claimant")
    assert report is not None and report.total.submitted == 1
