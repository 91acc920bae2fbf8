"""Benchmark of the portal under load at city scale: every role's main pages, list APIs and write
actions, at 5 and at 50 simultaneous users, against gunicorn served as in production.

Run from the repository root under ``make bench`` (``scripts/with-services.sh``: it needs PostgreSQL
and Redis; without DATABASE_URL on PostgreSQL or without CELERY_BROKER_URL it says so and skips).
LOAD_BENCH_LINES (default 1,000,000) sets the size of the city; LOAD_BENCH_USERS ("5,50") the
levels; LOAD_BENCH_SECONDS (60) how long each level is measured, after all its users have signed
in; LOAD_WAIT ("0,0.5") each user's pause between two requests, in seconds; LOAD_BENCH_LOGS a
directory to keep the server's, the worker's and Locust's logs in (they go with the run otherwise);
LOAD_BENCH_KEEP=<name> a database of that name on the server, populated and audited on the first run
and kept, then used as it is by the next runs (for working on the pages: the city is built once).

The city: benchmarks/_population.py's generator (400,000 people and 1,000,000 claim lines at the
default size), with 30 % of the people living in 渝中区 and 20 % in 万州区, the demo officers'
districts; every approved line of an approved or paid claim booked in the ledger (one commitment
within its district's allocation of the year) and every paid claim paid (a payment with its
lines); then the demo world (`demo_data`), and the batch audit of the whole city run by the Celery
worker, so findings exist. The users: 25 accounts copied from each demo login (officer.yuzhong,
officer.wanzhou, admin, auditor, school, enterprise: same role, district, institutions and
password), each with its API token; `school` and `enterprise` also run the generated institutions
and enterprises of their districts, so every role's pages carry real weight.

The server: gunicorn with 4 workers as in docker-compose.yml, on config.settings.production (through
benchmarks/load/settings.py, which only lets the cookies travel over loopback HTTP), static files
collected, production's throttles, one real Celery worker taking the exports and the audit.

The load: Locust headless (benchmarks/load/locustfile.py). One table per level: per request type its
requests, errors, p50, p95, p99 (ms) and its p95 ÷ /healthz's p95 in the same run; then where the
machine's CPU went in the measured window, per request (the server's workers, PostgreSQL, the
Celery worker, Redis, Locust itself, anything else), which says what a faster page must save. The aims: no
error; at 5 users every page's p95 at most 5× /healthz's; at 50 users at least 60 requests/s (3×
the 20 requests/s measured on 2 cores before). Any figure past its aim says MISSED. Everything
started here is stopped, and the throwaway database dropped, whatever happens.
"""

import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("CELERY_BROKER_URL")):
    print("load benchmark skipped: it needs PostgreSQL and Redis (run it with make bench)")
    raise SystemExit(0)
# The bench's own Redis database: its worker takes only the bench's tasks.
BROKER = urlunsplit(urlsplit(os.environ["CELERY_BROKER_URL"])._replace(path="/4"))
os.environ["CELERY_BROKER_URL"] = BROKER
os.environ.pop("CELERY_RESULT_BACKEND", None)
WORKDIR = Path(tempfile.mkdtemp(prefix="load-bench-"))

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.audits import services as audits  # noqa: E402
from apps.audits.models import AuditFinding, AuditRun, RunStatus, Scope  # noqa: E402
from apps.claims.models import Claim, ClaimLine  # noqa: E402
from apps.claims.selectors import WAITING  # noqa: E402
from apps.demo.data import DEMO_PASSWORD  # noqa: E402
from apps.institutions.models import AgencyStaff, Employer, Institution  # noqa: E402
from apps.ledger.models import LedgerEntry, Payment  # noqa: E402
from apps.ledger.services import totals_rebuild  # noqa: E402
from benchmarks._population import generate, worker_command  # noqa: E402
from benchmarks._report import against, verdict  # noqa: E402

LINES = int((os.environ.get("LOAD_BENCH_LINES") or "1000000").replace(",", "").replace("_", ""))
LEVELS = [int(n) for n in (os.environ.get("LOAD_BENCH_USERS") or "5,50").split(",")]
SECONDS = int(os.environ.get("LOAD_BENCH_SECONDS") or 60)
KEEP = os.environ.get("LOAD_BENCH_KEEP", "")
FOCUS = {
    "500103": 0.3,
    "500101": 0.2,
}  # 渝中区 (officer.yuzhong, school), 万州区 (officer.wanzhou, enterprise)
LOGINS = {
    "district_officer": ["officer.yuzhong", "officer.wanzhou"],
    "municipal_admin": ["admin"],
    "auditor": ["auditor"],
    "institution_operator": ["school"],
    "enterprise_filer": ["enterprise"],
}
COPIES = 25  # accounts per demo login: one per simulated user, up to 50 users of any weight
PAGE_AIM, THROUGHPUT_AIM, WORKERS = 5, 60, 4
PY, BIN = sys.executable, Path(sys.executable).parent
EXCEPTION = re.compile(r"^[A-Za-z_.]+(Error|Exception|Violation|Deadlock\w*)\b")


# The city ---------------------------------------------------------------------------------------

BOOKED = (
    "FROM claims_claimline l JOIN claims_claim c ON c.id = l.claim_id "
    "JOIN ledger_allocation a ON a.district_id = c.district_id AND a.year = c.year "
    "WHERE c.status IN ('approved', 'paid') AND l.decision = 'approved' AND l.amount > 0"
)
PAID = f"{BOOKED} AND c.status = 'paid'"
BOOKING = [
    "INSERT INTO ledger_allocation (created_at, updated_at, district_id, year, amount, "
    "work_for_training_share, living_allowance_share) SELECT now(), now(), d.id, y, "
    "900000000000, 100000000000, 100000000000 FROM catalog_district d "
    "CROSS JOIN generate_series(2021, EXTRACT(YEAR FROM now())::int) y",
    "INSERT INTO ledger_ledgerentry (allocation_id, claim_line_id, share, kind, amount, reason, "
    "rules_version, created_by_id, created_at) SELECT a.id, l.id, l.share, 'commitment', l.amount, '', "
    f"l.rules_version, %(admin)s, COALESCE(c.submitted_at, now()) + interval '20 days' {BOOKED}",
    "INSERT INTO ledger_payment (id, created_at, updated_at, district_id, reference, paid_on, "
    "amount, created_by_id) SELECT c.id, now(), now(), c.district_id, 'JZ' || c.id, "
    f"make_date(c.year, 12, 20), SUM(l.amount), %(admin)s {PAID} GROUP BY c.id",
    f"INSERT INTO ledger_paymentline (payment_id, claim_line_id, amount) SELECT c.id, l.id, l.amount {PAID}",
    "SELECT setval(pg_get_serial_sequence('ledger_payment', 'id'), (SELECT MAX(id) FROM ledger_payment))",
]


def book_ledger(admin: User) -> tuple[int, int]:
    """Allocations for every district and year, a commitment per approved line of an approved or
    paid claim, a payment per paid claim: the ledger the portal would have written."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in BOOKING:
            cursor.execute(sql, {"admin": admin.pk})
        totals_rebuild()  # the entries and payments were written with SQL, not by the ledger services
    return LedgerEntry.objects.count(), Payment.objects.count()


def accounts() -> dict[str, list[dict]]:
    """COPIES accounts per demo login, alike in role, district, memberships and password (hashed as
    production hashes it), each with its API token; the demo school and enterprise users (and
    their copies) also run the generated institutions and enterprises of their districts."""
    hashed = make_password(DEMO_PASSWORD, hasher=PBKDF2PasswordHasher())
    school, enterprise = User.objects.get(username="school"), User.objects.get(username="enterprise")
    for institution in Institution.objects.filter(district=school.district, name__contains="基准"):
        institution.members.add(school)
    for employer in Employer.objects.filter(district=enterprise.district, name__contains="基准"):
        employer.members.add(enterprise)
    found: dict[str, list[dict]] = {}
    for role, usernames in LOGINS.items():
        for username in usernames:
            demo = User.objects.get(username=username)
            demo.password = hashed
            demo.save(update_fields=["password"])
            copies = [
                User.objects.create(
                    username=f"{username}.load{n:02d}",
                    password=hashed,
                    role=demo.role,
                    full_name=demo.full_name,
                    district=demo.district,
                    is_staff=demo.is_staff,
                    is_superuser=demo.is_superuser,
                )
                for n in range(COPIES)
            ]
            for institution in Institution.objects.filter(members=demo):
                institution.members.add(*copies)
            for employer in Employer.objects.filter(members=demo):
                employer.members.add(*copies)
            # A third party's copies work for its agency, whose contracts give their districts.
            agency = AgencyStaff.objects.filter(user=demo).values_list("agency_id", flat=True).first()
            if agency is not None:
                AgencyStaff.objects.bulk_create(AgencyStaff(agency_id=agency, user=user) for user in copies)
            for user in [demo, *copies]:
                found.setdefault(role, []).append(
                    {
                        "username": user.username,
                        "password": DEMO_PASSWORD,
                        "token": Token.objects.get_or_create(user=user)[0].key,
                        "district": user.district.code if user.district else "",
                    }
                )
    return interleaved(found)


def listed_accounts() -> dict[str, list[dict]]:
    """The accounts accounts() made in a kept database, in the same order."""
    found: dict[str, list[dict]] = {}
    for role, usernames in LOGINS.items():
        for username in usernames:
            for user in [
                User.objects.get(username=username),
                *User.objects.filter(username__startswith=f"{username}.load").order_by("username"),
            ]:
                found.setdefault(role, []).append(
                    {
                        "username": user.username,
                        "password": DEMO_PASSWORD,
                        "token": Token.objects.get_or_create(user=user)[0].key,
                        "district": user.district.code if user.district else "",
                    }
                )
    return interleaved(found)


def interleaved(found: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Officer users take yuzhong, wanzhou, yuzhong, … in turn."""
    officers = found["district_officer"]
    half = len(officers) // 2
    found["district_officer"] = [
        a for pair in zip(officers[:half], officers[half:], strict=True) for a in pair
    ]
    return found


def weight() -> str:
    """Who carries what in the demo officers' districts."""

    def lines(code: str) -> int:
        return ClaimLine.objects.filter(claim__district__code=code).count()

    claims = dict(
        Claim.objects.values_list("district__code").annotate(n=Count("pk")).filter(district__code__in=FOCUS)
    )
    return "; ".join(f"{code}: {claims.get(code, 0):,} claims, {lines(code):,} lines" for code in FOCUS)


# Processes ----------------------------------------------------------------------------------------


def server_env() -> dict[str, str]:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "LOAD_STATIC_ROOT": str(WORKDIR / "static"),
        "EXPORT_STORAGE_ROOT": str(WORKDIR / "exports"),
        "DJANGO_MEDIA_ROOT": str(WORKDIR / "media"),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": "",
        "PYTHONPATH": str(ROOT),
    }


def start(command: list[str], env: dict[str, str], log: str) -> subprocess.Popen:
    with (WORKDIR / log).open("w") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


# The load -----------------------------------------------------------------------------------------


def run_level(users: int, base: str, accounts_file: Path) -> None:
    prefix = WORKDIR / f"level{users}"
    refusals = WORKDIR / f"refusals{users}.json"
    cpu = WORKDIR / f"cpu{users}.json"
    spawn = min(users, 10)
    env = {
        **os.environ,
        "LOAD_ACCOUNTS": str(accounts_file),
        "LOAD_REFUSALS": str(refusals),
        "LOAD_CPU": str(cpu),
        "LOAD_USERS": str(users),
        "LOAD_SECONDS": str(SECONDS),
    }
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            "benchmarks/load/locustfile.py",
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn),
            "-t",
            f"{SECONDS + 600}s",  # an upper bound: the locustfile stops SECONDS after the last sign-in
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=(WORKDIR / f"locust{users}.log").open("w"),
        stderr=subprocess.STDOUT,
        check=False,
    )
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    # A request type sent before the statistics were reset (a sign-in) and never since has no figures.
    rows = sorted(
        (r for r in rows if r["Name"] != "Aggregated" and r["95%"] != "N/A"), key=lambda r: r["Name"]
    )
    health = next((float(r["95%"]) for r in rows if r["Name"] == "/healthz"), 0.0) or 1.0
    print(
        f"\n{users} users, {SECONDS} s measured (after all signed in), "
        f"pause {os.environ.get('LOAD_WAIT', '0,0.5')} s:"
    )
    print(f"  {'request':<44} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}  p95 ÷ /healthz")
    missed = []
    for row in rows:
        errors, p95 = int(row["Failure Count"]), float(row["95%"])
        ratio = p95 / health
        flags = []
        if errors:
            flags.append("errors: MISSED")
        if users == min(LEVELS) and row["Name"] != "/healthz" and verdict(ratio, PAGE_AIM) == "MISSED":
            flags.append(f"p95 > {PAGE_AIM}× /healthz: MISSED")
        if flags:
            missed.append(row["Name"])
        print(
            f"  {row['Name']:<44} {row['Request Count']:>8} {errors:>6} {row['50%']:>6} {row['95%']:>6} "
            f"{row['99%']:>6}  {ratio:6.1f}× {' '.join(flags)}"
        )
    errors = int(total["Failure Count"])
    rate = float(total["Requests/s"])
    print(
        f"  all: {total['Request Count']} requests, {errors} errors ({verdict(errors, 0)}), "
        f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms; /healthz p95 {health:g} ms"
    )
    line = f"  throughput {rate:.1f} requests/s"
    if users == max(LEVELS):
        line += f": {against(rate, THROUGHPUT_AIM, unit=' req/s', at_least=True)}"
    print(line)
    if missed:
        print(f"  pages that miss an aim: {', '.join(missed)}")
    failures = Path(f"{prefix}_failures.csv")
    if errors and failures.exists():
        with failures.open(encoding="utf-8") as handle:
            for row in list(csv.DictReader(handle))[:10]:
                print(f"  error: {row['Method']} {row['Name']}: {row['Error'][:100]} × {row['Occurrences']}")
    if refusals.exists():
        for what, n in sorted(json.loads(refusals.read_text(encoding="utf-8")).items()):
            print(f"  refused by the portal (counted as answered): {what} × {n}")
    if cpu.exists():
        print_cpu(json.loads(cpu.read_text(encoding="utf-8")), int(total["Request Count"]))


CPU_KINDS = ("server", "PostgreSQL", "Celery worker", "Redis", "Locust", "other")


def print_cpu(cpu: dict[str, dict[str, float]], requests: int) -> None:
    """Where the machine's CPU went in the measured window: per request, by kind of process."""
    start, end = cpu["start"], cpu["end"]
    spent = {kind: end.get(kind, 0.0) - start.get(kind, 0.0) for kind in (*CPU_KINDS, "machine")}
    machine = spent.pop("machine")
    # The processes polled each second keep their CPU when they end (load/locustfile.py); what is
    # left lived less than a poll (PostgreSQL's parallel query workers, mostly), or is the kernel's.
    spent["shorter-lived processes and the kernel"] = max(0.0, machine - sum(spent.values()))
    window = SECONDS * (os.cpu_count() or 1)
    per = ", ".join(
        f"{kind} {seconds * 1000 / max(requests, 1):.1f} ms"
        for kind, seconds in spent.items()
        if seconds >= 0.05
    )
    print(f"  CPU per request: {per}; the machine busy {machine / window:.0%} of {os.cpu_count()} cores")


AS_FILED_BATCH = 5_000


def as_filed() -> None:
    """The lines of the class claims waiting for review carry the rules engine's own quote of their
    inputs (amount, steps, findings, entitlement), as the lines of a claim filed through the portal
    do. The generator stores a placeholder amount and no steps; an officer's approval quotes each
    line again and writes the ones whose quote changed, so on generated lines every approval wrote
    every line, which it does not do to a filed claim."""
    from apps.claims.engine import compute

    started, done, last = time.perf_counter(), 0, 0
    waiting = ClaimLine.objects.filter(claim__kind="class_completion", claim__status__in=WAITING)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE as_filed (id bigint PRIMARY KEY, amount numeric, steps jsonb, "
            "findings jsonb, rules_version text, entitlement numeric)"
        )
        while batch := list(
            waiting.filter(pk__gt=last).order_by("pk").values_list("pk", "inputs")[:AS_FILED_BATCH]
        ):
            rows = io.StringIO()
            for pk, inputs in batch:
                quoted = compute(inputs)
                steps, findings = (
                    json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
                    for value in (quoted.steps, quoted.findings)
                )
                values = (pk, quoted.amount, steps, findings, quoted.rules_version, quoted.entitlement)
                rows.write("\t".join(map(str, values)) + "\n")
            rows.seek(0)
            cursor.cursor.copy_expert("COPY as_filed FROM STDIN", rows)
            done, last = done + len(batch), batch[-1][0]
        cursor.execute(
            "UPDATE claims_claimline AS line SET amount = f.amount, steps = f.steps, "
            "findings = f.findings, rules_version = f.rules_version, entitlement = f.entitlement "
            "FROM as_filed AS f WHERE line.id = f.id"
        )
        cursor.execute(
            "UPDATE claims_claim AS claim SET total = t.total FROM (SELECT line.claim_id, "
            "SUM(line.amount) AS total FROM claims_claimline AS line JOIN as_filed AS f ON f.id = line.id "
            "GROUP BY line.claim_id) AS t WHERE claim.id = t.claim_id"
        )
        cursor.execute("DROP TABLE as_filed")
    print(f"waiting class claims' {done:,} lines quoted as filed in {time.perf_counter() - started:.0f} s")


def populate() -> dict[str, list[dict]]:
    """The city, booked, with the demo world and the load's accounts; or, in a database kept from
    an earlier run (LOAD_BENCH_KEEP), the accounts it already has."""
    started = time.perf_counter()
    if KEEP and User.objects.filter(username="load-bench").exists():
        found = listed_accounts()
        print(
            f"kept database {KEEP}: {ClaimLine.objects.count():,} claim lines, "
            f"{LedgerEntry.objects.count():,} ledger entries ({weight()}); "
            f"{sum(len(a) for a in found.values())} accounts"
        )
        return found
    world = generate(LINES, WORKDIR, FOCUS)
    as_filed()
    bench_admin = User.objects.create(username="load-bench", role=Role.MUNICIPAL_ADMIN)
    entries, payments = book_ledger(bench_admin)
    call_command("demo_data", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    found = accounts()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"populated {world['lines']:,} claim lines of {world['people']:,} people, {entries:,} ledger "
        f"entries, {payments:,} payments in {time.perf_counter() - started:.0f} s ({weight()}); "
        f"{sum(len(a) for a in found.values())} accounts"
    )
    return found


def run() -> None:
    found = populate()
    accounts_file = WORKDIR / "accounts.json"
    accounts_file.write_text(json.dumps(found), encoding="utf-8")
    env = server_env()
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    connection.close()  # the database is the server's now
    processes = []
    try:
        processes.append(
            start(
                worker_command(PY, f"load{os.getpid()}"),
                env,
                "worker.log",
            )
        )
        time.sleep(3)
        # A kept city audited once is not audited again (each run writes its findings anew).
        if not AuditRun.objects.filter(scope=Scope.ALL, status=RunStatus.FINISHED).exists():
            started = time.perf_counter()
            audit = audits.audit_run_start(actor=User.objects.get(username="admin"), scope="all")
            while AuditRun.objects.filter(pk=audit.pk, status__in=("queued", "running")).exists():
                time.sleep(0.5)
            audit.refresh_from_db()
            print(
                f"batch audit of the city by the worker: {audit.status}, "
                f"{AuditFinding.objects.count():,} findings in {time.perf_counter() - started:.0f} s"
            )
        connection.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        processes.append(
            start(
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(WORKERS),
                    "--timeout",
                    "60",
                    "--log-level",
                    "warning",
                ],
                env,
                "gunicorn.log",
            )
        )
        wait_healthy(base)
        print(
            f"gunicorn: {WORKERS} workers on config.settings.production (benchmarks/load/settings.py), {base}"
        )
        for users in LEVELS:
            run_level(users, base, accounts_file)
    finally:
        for process in reversed(processes):
            stop(process)
        if os.environ.get("LOAD_BENCH_LOGS"):  # the server's, the worker's and Locust's logs, kept
            kept = Path(os.environ["LOAD_BENCH_LOGS"])
            kept.mkdir(parents=True, exist_ok=True)
            for log in WORKDIR.glob("*.log"):
                shutil.copy(log, kept / log.name)
    # The server's errors by exception class only (a message may quote a row's values).
    log = (WORKDIR / "gunicorn.log").read_text(errors="replace").splitlines()
    raised = Counter(
        line.split(":")[0]
        for n, line in enumerate(log)
        if n and log[n - 1].startswith("  ") and EXCEPTION.match(line)
    )
    errors = sum(raised.values())
    print(
        f"server errors logged: {errors} ({verdict(errors, 0)}){': ' if raised else ''}{dict(raised) or ''}"
    )


def main() -> None:
    # A throwaway database on the configured server under a name of its own, never the real one;
    # or the one kept under LOAD_BENCH_KEEP's name (created and migrated if missing).
    connection.settings_dict.setdefault("TEST", {})["NAME"] = KEEP or f"load_bench_{os.getpid()}"
    # serialized_aliases=set(): no copy of the database's rows in memory for test rollbacks (a kept
    # city's would be gigabytes and minutes).
    databases = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, keepdb=bool(KEEP), serialized_aliases=set()
    )
    try:
        run()
    finally:
        connection.close()
        if not KEEP:
            teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    # Stopped from outside (make's Ctrl-C, a timeout's SIGTERM): still stop the server and the worker.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
