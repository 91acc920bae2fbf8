"""Benchmark of the list pages' SQL at scale (issue 17, item 6): every list page and list API an
officer, the admin or the auditor uses (claims, classes, institutions, employers, findings, audit
runs and a run's findings, the ledger's allocations, entries, recoveries and payments, exports and
their log, the changes feed) and the claim page with the most lines, asked for their first page, a
middle page and the last page (the claims also with and without the has-findings filter; the feed
from its start, middle and end), and the ledger's balances page (officer and admin) and the
reconciliation page of the district with the most lines, each year (after its reconciliation task,
timed apart: a worker's work, not a page's), with Django's test client as each role. Prints each
page's number of queries, their total time, the slowest and the page's own time (warm: each page is
asked twice), and "MISSED" with the slowest query's SQL for any page one of whose queries took over
100 ms on its own.

Run from the repository root: ``.venv/bin/python benchmarks/pages_sql.py [LINES]`` (``make bench``).
LINES (or PAGES_BENCH_LINES) sets the size of the population `audit_bench.generate` makes:
1,000,000 claim lines on PostgreSQL, 50,000 on SQLite by default. The ledger, the payments and the
state-change log are then written in bulk from its approved and paid claims (`BOOK`), and the batch
audit of all open claims is run over it (two celery workers when CELERY_BROKER_URL is set), so the
findings are the audit's own.

Database: as audit_bench, a throwaway database on DATABASE_URL's server (or a temporary SQLite
file). With PAGES_BENCH_REUSE=1 it uses DATABASE_URL's database itself, migrated, and populates it
only when it has no claim lines yet: generate once, then measure again and again while working on
the queries. PAGES_BENCH_ONLY=ledger measures the balances and reconciliation pages alone.
"""

import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
REUSE = os.environ.get("PAGES_BENCH_REUSE") == "1"
ONLY = os.environ.get("PAGES_BENCH_ONLY", "")
if len(sys.argv) < 2 and os.environ.get("PAGES_BENCH_LINES"):
    sys.argv.append(os.environ["PAGES_BENCH_LINES"])

import audit_bench as bench  # noqa: E402  (sets Django up on the bench's database)
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
)

from apps.accounts.models import Role, User  # noqa: E402
from apps.audits.models import AuditRun  # noqa: E402
from apps.catalog.models import District  # noqa: E402
from apps.claims.models import Claim, ClaimLine  # noqa: E402
from apps.core.models import StateChange  # noqa: E402
from apps.ledger.models import LedgerEntry, Payment, Reconciliation  # noqa: E402
from apps.ledger.services import reconciliation_build, totals_rebuild  # noqa: E402
from benchmarks._population import on_throwaway_database  # noqa: E402

# A query slower than this, on its own, misses the pages' aim (issue 17, item 6).
AIM_MS = 100.0


# What the portal writes as it books, pays and logs, made in bulk from the generated claims: each
# approved or paid claim's approved lines booked (one commitment each) within an allocation of its
# district and year, each paid claim paid in one payment of its lines, and a state change per
# claim (its submission) and per booked line (its decision), so that the ledger's lists, the
# payments and the changes feed are measured at the size of the population.
BOOK = [
    """INSERT INTO ledger_allocation (created_at, updated_at, district_id, year, amount,
           work_for_training_share, living_allowance_share)
       SELECT %(now)s, %(now)s, d.id, y.year, 1000000000, 0, 0
       FROM catalog_district d CROSS JOIN (SELECT DISTINCT year FROM claims_claim) y""",
    """INSERT INTO ledger_ledgerentry (allocation_id, claim_line_id, share, kind, amount, reason,
           rules_version, created_by_id, created_at)
       SELECT a.id, l.id, l.share, 'commitment', l.amount, '', l.rules_version, %(admin)s, c.updated_at
       FROM claims_claimline l JOIN claims_claim c ON c.id = l.claim_id
       JOIN ledger_allocation a ON a.district_id = c.district_id AND a.year = c.year
       WHERE c.status IN ('approved', 'paid') AND l.decision = 'approved' AND l.amount > 0""",
    """INSERT INTO ledger_payment (created_at, updated_at, district_id, reference, paid_on, amount,
           created_by_id)
       SELECT %(now)s, %(now)s, c.district_id, 'BENCH-' || c.id, {day},
           SUM(l.amount), %(admin)s
       FROM claims_claim c JOIN claims_claimline l ON l.claim_id = c.id
       WHERE c.status = 'paid' AND l.decision = 'approved' AND l.amount > 0
       GROUP BY c.id, c.district_id, c.updated_at""",
    """INSERT INTO ledger_paymentline (payment_id, claim_line_id, amount)
       SELECT p.id, l.id, l.amount
       FROM claims_claim c JOIN ledger_payment p ON p.reference = 'BENCH-' || c.id
       JOIN claims_claimline l ON l.claim_id = c.id
       WHERE c.status = 'paid' AND l.decision = 'approved' AND l.amount > 0""",
    """INSERT INTO core_statechange (content_type_id, object_id, actor_id, from_state, to_state,
           reason, changes, created_at)
       SELECT %(claim_type)s, CAST(c.id AS VARCHAR(64)), NULL, 'draft', 'submitted', '', '{}',
           COALESCE(c.submitted_at, c.created_at)
       FROM claims_claim c ORDER BY c.id""",
    """INSERT INTO core_statechange (content_type_id, object_id, actor_id, from_state, to_state,
           reason, changes, created_at)
       SELECT %(claim_type)s, CAST(c.id AS VARCHAR(64)), %(admin)s, c.status, c.status, '',
           CAST('{"line": ' || l.id || ', "decision": ["pending", "approved"]}' AS {json}), c.updated_at
       FROM claims_claimline l JOIN claims_claim c ON c.id = l.claim_id
       WHERE l.decision = 'approved' ORDER BY l.id""",
]


def book(admin: User) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    params = {
        "now": timezone.now(),
        "admin": admin.pk,
        "claim_type": ContentType.objects.get_for_model(Claim).pk,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        json, day = ("JSONB", "CAST(c.updated_at AS DATE)") if postgres else ("TEXT", "date(c.updated_at)")
        for sql in BOOK:
            cursor.execute(sql.replace("{json}", json).replace("{day}", day), params)
        totals_rebuild()  # the entries and payments were written with SQL, not by the ledger services
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(
        f"booked {LedgerEntry.objects.count():,} ledger entries, {Payment.objects.count():,} payments, "
        f"logged {StateChange.objects.count():,} state changes in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def populate() -> None:
    """The population (unless the database has claim lines already) and a finished batch audit of
    all open claims over it (unless one has run)."""
    if not ClaimLine.objects.exists():
        started = time.perf_counter()
        world = bench.generate(bench.size(), bench.WORKDIR)
        print(
            f"generated {world['lines']:,} claim lines of {world['people']:,} people on {connection.vendor} "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.MUNICIPAL_ADMIN})
    if not LedgerEntry.objects.exists():
        book(admin)
    if AuditRun.objects.filter(status="finished", scope="all").exists():
        return
    if connection.vendor == "postgresql" and os.environ.get("CELERY_BROKER_URL"):
        audit, seconds, _ = bench.audit_with_workers(admin)
    else:
        audit, seconds, _ = bench.audit_in_process()
    assert audit.status == "finished", audit.error
    print(f"batch audit of all open claims: {seconds:.1f} s, {audit.findings_count:,} findings", flush=True)


# The lists an officer, the admin or the auditor uses, each as page and API: (name, page, API,
# whether the claims' has-findings filter applies). The API's ?page= counts its own pages.
LISTS = [
    ("claims", "/claims/", "/api/v1/claims/", True),
    ("classes", "/classes/", "/api/v1/classes/", False),
    ("institutions", "/institutions/", "/api/v1/institutions/", False),
    ("employers", "/institutions/employers/", "/api/v1/employers/", False),
    ("findings", "/audits/findings/", "/api/v1/audits/findings", False),
    ("audit runs", "/audits/", None, False),
    ("ledger allocations", "/ledger/allocations/", "/api/v1/ledger/allocations", False),
    ("ledger entries", "/ledger/entries/", "/api/v1/ledger/entries", False),
    ("ledger recoveries", "/ledger/recoveries/", "/api/v1/ledger/recoveries", False),
    ("payments", "/ledger/payments/", "/api/v1/ledger/payments", False),
    ("exports", "/exports/", "/api/v1/exports", False),
    ("events feed", None, "/api/v1/events", False),
]
# The admin's alone.
ADMIN_LISTS = [("export log", "/exports/log/", "/api/v1/exports/log", False)]


def users() -> dict[str, User]:
    """The bench's admin, the auditor, and an officer of the district with the most claims."""
    busiest = (
        Claim.objects.values("district_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("district_id", flat=True)
    )[0]
    made = {}
    for name, role, district in (
        ("bench-admin", Role.MUNICIPAL_ADMIN, None),
        ("bench-auditor", Role.AUDITOR, None),
        ("bench-officer", Role.DISTRICT_OFFICER, busiest),
    ):
        made[name.split("-")[1]], _ = User.objects.get_or_create(
            username=name, defaults={"role": role, "district_id": district}
        )
    return made


class Measured(NamedTuple):
    status: int
    queries: int
    total_ms: float
    slowest_ms: float
    slowest_sql: str
    pages: int
    page_ms: float = 0.0


def _pages(response) -> int:
    """How many pages the list answered it has (the page's paginator, or the API's count)."""
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        return max(1, -(-(body.get("count") or 0) // settings.REST_FRAMEWORK["PAGE_SIZE"]))
    context = response.context
    page = context.get("page") if context is not None else None
    return page.paginator.num_pages if page is not None else 1


def request(client: Client, url: str) -> Measured:
    """The URL asked twice (the second, warm, is measured): its queries' total and slowest time."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        page_ms = (time.perf_counter() - started) * 1000
    times = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    slowest = max(times, default=(0.0, ""))
    return Measured(
        response.status_code,
        len(times),
        sum(t for t, _ in times),
        slowest[0],
        slowest[1],
        _pages(response) if response.status_code == 200 else 0,
        page_ms,
    )


def with_page(url: str, page: int, extra: str = "") -> str:
    query = "&".join(part for part in (extra, f"page={page}" if page > 1 else "") if part)
    return f"{url}?{query}" if query else url


def measure(client: Client, role: str, name: str, url: str, extra: str = "") -> list[str]:
    """First, middle and last page of a list: one line each, "MISSED" past the aim."""
    missed = []
    first = request(client, with_page(url, 1, extra))
    asked = [(1, first)]
    for page in sorted({max(1, first.pages // 2), first.pages} - {1}):
        asked.append((page, request(client, with_page(url, page, extra))))
    for page, m in asked:
        label = f"{name} [{role}] {with_page(url, page, extra)}"
        flag = "MISSED" if m.slowest_ms > AIM_MS or m.status != 200 else "ok"
        print(
            f"  {flag:6} {label}: HTTP {m.status}, {m.queries} queries, SQL {m.total_ms:.1f} ms, "
            f"slowest {m.slowest_ms:.1f} ms, page {m.page_ms:.0f} ms (of {m.pages} pages)",
            flush=True,
        )
        if flag == "MISSED":
            missed.append(label)
            print(f"         slowest: {m.slowest_sql[:600]}", flush=True)
    return missed


def ledger_pages(people: dict[str, User]) -> list[str]:
    """The balances page as the officer (the city side by side and the district's shares) and the
    admin (the city, then one district's shares), and the reconciliation of the district with the
    most lines, each year it has claims, as its officer."""
    missed: list[str] = []
    district_id = (
        ClaimLine.objects.values("claim__district_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("claim__district_id", flat=True)
    )[0]
    code = District.objects.get(pk=district_id).code
    years = sorted(set(Claim.objects.filter(district_id=district_id).values_list("year", flat=True)))
    officer = User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=district_id).first()
    if officer is None:
        officer = User.objects.create(
            username="bench-officer-3", role=Role.DISTRICT_OFFICER, district_id=district_id
        )
    for role, user in (("officer", officer), ("admin", people["admin"])):
        client = Client()
        client.force_login(user)
        for year in years:
            missed += measure(client, role, "ledger balances", "/ledger/", f"year={year}")
        missed += measure(client, role, "ledger balances", "/ledger/", f"district={code}&year={years[-1]}")
    client = Client()
    client.force_login(officer)
    for year in years:
        lines = ClaimLine.objects.filter(claim__district_id=district_id, claim__year=year).count()
        # The reconciliation itself is a task's work (ledger.reconcile), not a page's: timed here
        # for the record, then the page that shows its kept result is measured like the others.
        run = Reconciliation.objects.create(district_id=district_id, year=year, requested_by=officer)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as task:
            run = reconciliation_build(run_id=run.pk)
        print(
            f"  reconciliation task {code} {year} ({lines:,} lines): {time.perf_counter() - started:.2f} s, "
            f"{len(task)} queries, {run.difference_count} differences (a worker's, not a page's)",
            flush=True,
        )
        missed += measure(
            client,
            "officer",
            f"reconciliation ({lines:,} lines)",
            "/ledger/reconciliation/",
            f"district={code}&year={year}",
        )
    return missed


def run() -> None:
    populate()
    lines = ClaimLine.objects.count()
    claims = Claim.objects.count()
    print(f"{lines:,} claim lines in {claims:,} claims; aim: no query over {AIM_MS:.0f} ms", flush=True)
    setup_test_environment()  # the responses carry their template context (the page's paginator)
    missed: list[str] = []
    people = users()
    missed += ledger_pages(people)
    if ONLY == "ledger":
        print(
            f"pages over {AIM_MS:.0f} ms: {len(missed)}" + "".join(f"\n  MISSED {m}" for m in missed),
            flush=True,
        )
        return
    for role in ("officer", "admin", "auditor"):
        client = Client()
        client.force_login(people[role])
        for name, page_url, api_url, flagged in LISTS + (ADMIN_LISTS if role == "admin" else []):
            for url in (page_url, api_url):
                if url is None:
                    continue
                missed += measure(client, role, name, url)
                if flagged:
                    missed += measure(client, role, name, url, "has_findings=1")
                    missed += measure(client, role, name, url, "has_findings=0")
        # One run's findings (the latest), page and API; the changes feed from its start, its
        # middle and its end (its cursor is the log's id: every page is an index range).
        run = AuditRun.objects.filter(status="finished").order_by("-pk").first()
        if run is not None:
            missed += measure(client, role, "a run's findings", f"/audits/runs/{run.pk}/")
            missed += measure(client, role, "a run's findings", "/api/v1/audits/findings", f"run={run.pk}")
        last = StateChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for after in (last // 2, max(0, last - 50)):
            missed += measure(client, role, "events feed", "/api/v1/events", f"after={after}")
    # The claim page of the claim with the most lines, as the officer of its district.
    biggest = Claim.objects.annotate(n=Count("lines")).order_by("-n").first()
    assert biggest is not None
    officer = User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=biggest.district_id).first()
    if officer is None:
        officer = User.objects.create(
            username="bench-officer-2", role=Role.DISTRICT_OFFICER, district_id=biggest.district_id
        )
    client = Client()
    client.force_login(officer)
    missed += measure(client, "officer", f"claim page ({biggest.n} lines)", f"/claims/{biggest.pk}/")
    print(
        f"pages over {AIM_MS:.0f} ms: {len(missed)}" + "".join(f"\n  MISSED {m}" for m in missed), flush=True
    )


def main() -> None:
    on_throwaway_database(run, name=f"pages_bench_{os.getpid()}", in_place=REUSE or bench.USE_SQLITE_FILE)


if __name__ == "__main__":
    try:
        main()
    finally:
        for item in bench.WORKDIR.iterdir():
            item.unlink()
        bench.WORKDIR.rmdir()
