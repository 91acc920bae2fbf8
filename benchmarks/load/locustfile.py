"""The portal under load, every role at once (benchmarks/load_bench.py runs it headless).

Each simulated user signs in through the portal's login form (with its CSRF token) as an account of
its own, the equivalent of a demo login (LOAD_ACCOUNTS, a JSON file written by the bench: role →
[{"username", "password", "token", "district"}]), and uses that account's API token for the API,
from a client of its own that carries none of the browser's cookies, as an API client does.
The users, by weight: district officers (5), the municipal admin (2), the auditor, the institution
and the enterprise (1 each); at LOAD_USERS of 5 or fewer, one of each role. They walk their main
pages (home, the claims list with deep pages and the has_findings filter, a claim's page, findings,
classes, a person, the ledger, exports), the list APIs, and the officers' and admin's write
actions: take a submitted claim into review, decide its lines, approve the pending ones, approve the
claim (booking the ledger), start an export. Ids are picked from the lists. Every request is named
by its page type, so the table groups them; /healthz is walked by everyone, the yardstick of the
same run.

A write the portal refuses for a business reason (a 400 or 409 in the API's error shape: a line
quoted at zero, a claim another officer took a moment before) is the portal answering: it counts as
a success and is tallied apart in LOAD_REFUSALS (a JSON file), which the bench prints. Anything else
that is not 2xx/3xx is an error.

Alone: ``locust -f benchmarks/load/locustfile.py --host http://127.0.0.1:8000`` with LOAD_ACCOUNTS.
LOAD_WAIT ("0,0.5" by default) is each user's pause between tasks in seconds (min,max); with
LOAD_USERS and LOAD_SECONDS the statistics start once that many users have signed in (sign-ins,
slow by design, are not in them) and the run stops LOAD_SECONDS later. With LOAD_CPU (a file), the
CPU seconds the machine's processes spent in that same window, by kind of process, are written to it.
"""

import itertools
import json
import os
import random
import re
from collections import Counter

import gevent
import psutil
from locust import HttpUser, between, events, task
from locust.clients import HttpSession

ACCOUNTS: dict[str, list[dict]] = {}
if os.environ.get("LOAD_ACCOUNTS"):
    with open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8") as handle:
        ACCOUNTS = json.load(handle)
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0,0.5").split(","))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PER_PAGE, API_PER_PAGE = 25, 50  # settings.PAGINATE_BY and the API's PAGE_SIZE
REFUSALS: Counter[str] = Counter()
SERIALS: dict[str, itertools.count] = {}
# The measured window: from the moment the LOAD_USERS-th user has signed in (the statistics are
# reset then, so sign-ins are not in them), for LOAD_SECONDS; then the run stops.
USERS, SECONDS = int(os.environ.get("LOAD_USERS") or 0), int(os.environ.get("LOAD_SECONDS") or 0)
SIGNED_IN = itertools.count(1)
CPU: dict[str, dict[str, float]] = {}


def _kind(process: psutil.Process) -> str:
    """Which part of the system a process is, by its name and command line."""
    if process.pid == os.getpid():
        return "Locust"
    name = process.info["name"] or ""
    command = " ".join(process.info["cmdline"] or ())
    if "gunicorn" in command:
        return "server"
    if name.startswith("postgres") or "postgres:" in command:
        return "PostgreSQL"
    if "celery" in command:
        return "Celery worker"
    if name.startswith("redis"):
        return "Redis"
    return "other"


# CPU seconds each process (pid → kind, seconds) had when last seen, polled every POLL_SECONDS in
# the measured window: a process that ends within it (a PostgreSQL connection the server recycles
# after CONN_MAX_AGE, a worker restarted) keeps what it spent up to its last poll. What is left of
# the machine's busy time is the processes that lived less than a poll (PostgreSQL's parallel
# query workers, mostly) and the kernel's own work.
POLL_SECONDS = 1.0
SEEN: dict[int, tuple[str, float]] = {}
FIRST: dict[int, float] = {}


def _processes() -> dict[int, tuple[str, float]]:
    found = {}
    for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        times = process.info["cpu_times"]
        if times is not None:
            found[process.pid] = (_kind(process), times.user + times.system)
    return found


def _machine() -> float:
    machine = psutil.cpu_times()
    return sum(machine) - machine.idle - getattr(machine, "iowait", 0.0) - getattr(machine, "steal", 0.0)


def _poll() -> None:
    while "end" not in CPU:
        SEEN.update(_processes())
        gevent.sleep(POLL_SECONDS)


def _cpu_seconds(first: bool = False) -> dict[str, float]:
    """CPU seconds (user + system) spent in the window so far by the processes of each kind (each
    from its first sight, or from the window's start), and the whole machine's busy time
    ("machine", all cores; steal left out) as a running total, for a difference over the window."""
    SEEN.update(_processes())
    if first:
        FIRST.clear()
        FIRST.update({pid: seconds for pid, (_, seconds) in SEEN.items()})
    spent: Counter[str] = Counter()
    for pid, (kind, seconds) in SEEN.items():
        spent[kind] += seconds - FIRST.get(pid, 0.0)
    spent["machine"] = _machine()
    return dict(spent)


def _signed_in(environment) -> None:
    if USERS and next(SIGNED_IN) == USERS:
        environment.runner.stats.reset_all()
        CPU["start"] = {"machine": _machine()}
        _cpu_seconds(first=True)
        gevent.spawn(_poll)
        if SECONDS:
            gevent.spawn_later(SECONDS, _stop, environment)


def _stop(environment) -> None:
    CPU["end"] = _cpu_seconds()
    environment.runner.quit()


@events.quitting.add_listener
def _write_cpu(environment, **kwargs) -> None:
    if os.environ.get("LOAD_CPU") and "start" in CPU:
        CPU.setdefault("end", _cpu_seconds())
        with open(os.environ["LOAD_CPU"], "w", encoding="utf-8") as handle:
            json.dump(CPU, handle)


@events.quitting.add_listener
def _write_refusals(environment, **kwargs) -> None:
    if os.environ.get("LOAD_REFUSALS"):
        with open(os.environ["LOAD_REFUSALS"], "w", encoding="utf-8") as handle:
            json.dump(dict(REFUSALS), handle, ensure_ascii=False)


def _detail(response) -> str:
    """The Chinese reason of an API refusal in the error shape, without its ids (so they group)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = body.get("detail", "") if isinstance(body, dict) else ""
    rule = body.get("rule", "") if isinstance(body, dict) else ""
    return f"{rule} {re.sub(r'[0-9]+', '#', str(detail))[:60]}".strip() if detail else ""


class PortalUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)
    # At five users or fewer, one user of each role (the weights would leave some role out).
    fixed_count = 1 if 0 < USERS <= 5 else 0

    def on_start(self) -> None:
        serial = next(SERIALS.setdefault(self.role, itertools.count()))
        accounts = ACCOUNTS[self.role]
        self.serial = serial
        self.account = accounts[serial % len(accounts)]
        self.api = {"Authorization": f"Token {self.account['token']}", "Accept": "application/json"}
        # The API is called as an API client calls it: the token, none of the browser's cookies
        # (with the session cookie too, every call would also load the signed-in session and user).
        self.api_client = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        self.claims: list[int] = []
        self.claim_count = 0
        self.persons: list[int] = []
        self.classes: list[int] = []
        page = self.client.get("/accounts/login/", name="login form")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["username"],
                "password": self.account["password"],
                "csrfmiddlewaretoken": self.csrf(page.text),
                "next": "/",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            catch_response=True,
        ) as signed:
            if signed.ok and "/accounts/login/" in signed.url:
                signed.failure("not signed in")
        _signed_in(self.environment)
        self.claim_ids()

    # Helpers -------------------------------------------------------------------------------------

    @staticmethod
    def csrf(html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else ""

    def api_get(self, path: str, name: str, params: dict | None = None) -> dict:
        with self.api_client.get(path, params=params, headers=self.api, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return {}
            return r.json()

    def claim_ids(self) -> None:
        """A page of claims to visit, and how many there are (for deep pages)."""
        data = self.api_get("/api/v1/claims/", "API claims list")
        self.claim_count = data.get("count", 0)
        self.claims = [c["id"] for c in data.get("results", [])]

    def deep_page(self, per_page: int) -> int:
        pages = max(1, -(-self.claim_count // per_page))
        return random.randint(max(1, pages // 2), pages)

    def write(self, method: str, path: str, name: str, **kwargs) -> bool:
        """A write: 2xx/3xx is done; a business refusal is tallied apart; anything else an error. With
        the API's headers, from the API client."""
        client = self.api_client if kwargs.get("headers") is self.api else self.client
        with client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            if r.status_code < 400:
                return True
            detail = _detail(r) if r.status_code in (400, 409) else ""
            if detail:
                REFUSALS[f"{name}: {detail}"] += 1
                r.success()
                return False
            r.failure(f"{r.status_code}")
            return False

    # Pages everyone has ------------------------------------------------------------------------

    # Often enough that its p95, every other request type's yardstick, rests on a few dozen samples.
    @task(4)
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="page: home")

    @task(3)
    def claims_list(self) -> None:
        self.client.get("/claims/", name="page: claims list")

    @task(2)
    def claims_deep(self) -> None:
        self.client.get(f"/claims/?page={self.deep_page(PER_PAGE)}", name="page: claims list, deep page")

    @task(2)
    def claim_page(self) -> None:
        if not self.claims:
            return
        claim = random.choice(self.claims)
        self.client.get(f"/claims/{claim}/", name="page: claim")
        if random.random() < 0.3:
            data = self.api_get(f"/api/v1/claims/{claim}/", "API claim detail")
            self.persons = [line["person"]["id"] for line in data.get("lines", [])][:20] or self.persons

    @task(1)
    def claims_api(self) -> None:
        params = {"page": self.deep_page(API_PER_PAGE)}
        data = self.api_get("/api/v1/claims/", "API claims list, deep page", params)
        self.claims = [c["id"] for c in data.get("results", [])] or self.claims


class Caseworker(PortalUser):
    """Pages of the roles that see findings, persons, the ledger and exports."""

    abstract = True

    @task(2)
    def claims_with_findings(self) -> None:
        self.client.get("/claims/?has_findings=1", name="page: claims list, has_findings")

    @task(2)
    def findings(self) -> None:
        self.client.get("/audits/findings/", name="page: findings list")

    @task(1)
    def findings_api(self) -> None:
        self.api_get("/api/v1/audits/findings", "API findings list")

    @task(1)
    def classes(self) -> None:
        self.client.get("/classes/", name="page: classes list")

    @task(1)
    def person(self) -> None:
        if self.persons:
            self.client.get(f"/trainees/persons/{random.choice(self.persons)}/", name="page: person")

    @task(1)
    def ledger(self) -> None:
        self.client.get("/ledger/", name="page: ledger balances")

    @task(1)
    def ledger_entries(self) -> None:
        self.client.get("/ledger/entries/", name="page: ledger entries")

    @task(1)
    def payments(self) -> None:
        self.client.get("/ledger/payments/", name="page: payments")

    @task(1)
    def ledger_api(self) -> None:
        self.api_get("/api/v1/ledger/entries", "API ledger entries")

    @task(1)
    def exports(self) -> None:
        self.client.get("/exports/", name="page: exports")


class DistrictOfficer(Caseworker):
    weight = 5
    role = "district_officer"

    @task(2)
    def review(self) -> None:
        """Take a submitted class claim into review, decide a line, approve the rest, approve it."""
        # Class claims: the generated city's other kinds store abbreviated inputs (what the audit
        # reads: occupation, level, hours), which the engine cannot quote again as approval does.
        params = {"status": "submitted", "kind": "class_completion"}
        data = self.api_get("/api/v1/claims/", "API claims list, submitted", params)
        waiting = [c["id"] for c in data.get("results", [])]
        if not waiting:
            return
        claim = random.choice(waiting)
        if not self.write(
            "POST",
            f"/api/v1/claims/{claim}/transition",
            "API write: take into review",
            json={"to": "under_review", "reason": "基准测试：受理"},
            headers=self.api,
        ):
            return
        detail = self.api_get(f"/api/v1/claims/{claim}/", "API claim detail")
        pending = [line["id"] for line in detail.get("lines", []) if line.get("decision") == "pending"]
        if pending:
            self.write(
                "POST",
                f"/api/v1/claims/{claim}/lines/{pending[0]}/decision",
                "API write: decide a line",
                json={"decision": "approved", "reason": "基准测试：核对无误"},
                headers=self.api,
            )
        page = self.client.get(f"/claims/{claim}/", name="page: claim")
        # The form's confirmation box ticked (without it the portal only asks for it again); the
        # write is timed alone, as the claim page it redirects to is timed above.
        self.write(
            "POST",
            f"/claims/{claim}/lines/approve-pending/",
            "page write: approve pending lines",
            data={"csrfmiddlewaretoken": self.csrf(page.text), "confirm": "1"},
            headers={"Referer": f"{self.host}/claims/{claim}/"},
            allow_redirects=False,
        )
        detail = self.api_get(f"/api/v1/claims/{claim}/", "API claim detail")
        left = [line for line in detail.get("lines", []) if line.get("decision") == "pending"]
        if len(left) > 8:
            return  # too many to decide one by one in a moment; the claim stays under review
        for line in left:
            if not self.write(
                "POST",
                f"/api/v1/claims/{claim}/lines/{line['id']}/decision",
                "API write: decide a line",
                json={"decision": "approved", "reason": "基准测试：已核实提示"},
                headers=self.api,
            ):
                rule = next((f["rule"] for f in line.get("findings", []) if f.get("rule")), "R2.1")
                self.write(
                    "POST",
                    f"/api/v1/claims/{claim}/lines/{line['id']}/decision",
                    "API write: decide a line",
                    json={"decision": "rejected", "rule": rule, "reason": "基准测试：不予补贴"},
                    headers=self.api,
                )
        self.write(
            "POST",
            f"/api/v1/claims/{claim}/approve",
            "API write: approve claim",
            json={"reason": "基准测试：审核通过", "acknowledged": True},
            headers=self.api,
        )

    @task(1)
    def export(self) -> None:
        self.write(
            "POST",
            "/api/v1/exports",
            "API write: start an export",
            json={
                "kind": random.choice(("fund_summary", "ledger")),
                "districts": [self.account["district"]],
                "years": [random.choice((2021, 2022))],
            },
            headers=self.api,
        )


class MunicipalAdmin(Caseworker):
    weight = 2
    role = "municipal_admin"

    @task(1)
    def reconciliation(self) -> None:
        """A district-year's latest reconciliation; now and then, a new one asked for (a task the
        worker does: the page does not wait for it)."""
        where = f"?district={random.choice(('500103', '500101'))}&year={random.choice((2021, 2022))}"
        page = self.client.get(f"/ledger/reconciliation/{where}", name="page: reconciliation")
        if random.random() < 0.2 and page.status_code == 200:
            self.write(
                "POST",
                f"/ledger/reconciliation/{where}",
                "page write: start a reconciliation",
                data={"csrfmiddlewaretoken": self.csrf(page.text)},
                headers={"Referer": f"{self.host}/ledger/reconciliation/{where}"},
                allow_redirects=False,
            )

    @task(1)
    def export(self) -> None:
        self.write(
            "POST",
            "/api/v1/exports",
            "API write: start an export",
            json={
                "kind": "fund_summary",
                "districts": [random.choice(("500103", "500101"))],
                "years": [random.choice((2021, 2022, 2023))],
            },
            headers=self.api,
        )


class Auditor(Caseworker):
    weight = 1
    role = "auditor"


class InstitutionOperator(PortalUser):
    weight = 1
    role = "institution_operator"

    @task(2)
    def classes(self) -> None:
        data = self.api_get("/api/v1/classes/", "API classes list")
        self.classes = [c["id"] for c in data.get("results", [])] or self.classes
        self.client.get("/classes/", name="page: classes list")

    @task(1)
    def class_page(self) -> None:
        if self.classes:
            self.client.get(f"/classes/{random.choice(self.classes)}/", name="page: class")


class EnterpriseFiler(PortalUser):
    weight = 1
    role = "enterprise_filer"
