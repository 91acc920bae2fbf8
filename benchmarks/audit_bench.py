"""Benchmark of a full batch audit: 1,000,000 claim lines of 400,000 people across all of
Chongqing's districts, about 1 % of them breaking some rule, audited city-wide by two worker
processes; against one bare `GROUP BY id_number, year HAVING count(*) > 3` over the same lines.

Run from the repository root: ``.venv/bin/python benchmarks/audit_bench.py [LINES]`` (``make bench``).
LINES (or AUDIT_BENCH_LINES) sets the size: 1,000,000 on PostgreSQL, 50,000 on SQLite by default;
people are LINES / 2.5. Prints the audit's seconds, its findings by rule, the workers' peak memory,
and the ratio to the bare GROUP BY, run in the same database right before it (best of three).

Database: DATABASE_URL when set (a throwaway database is created on that server and dropped
afterwards, under a name of its own, so it never meets a test run's); otherwise a temporary SQLite
file. On PostgreSQL the lines go in with COPY and two real `celery worker` processes audit them,
through CELERY_BROKER_URL's Redis (its database 3, so no other worker takes the tasks). SQLite
takes one writer at a time: there the rows go in with executemany and the audit runs in one
process of its own (tasks in-process), whose peak memory is printed.

The world: 41 districts, 4 institutions and 2 enterprises in each (some high-skill bases, yearly
plan quotas), 30 occupations; each person has 1–4 trainings in distinct months of 2021–2025 with
distinct occupations: half in classes of 40 with four sessions and sign-ins on two of them, the rest
enterprise training, 以工代训 and apprenticeships. Chosen people break a rule: a fourth training in
a year (R10.1), an occupation and level again (R10.2), a 以工代训 month over another training (R3.4),
two classes at the same time with both sign-ins (A1, A3); some lines claim more hours than planned
(A4), a few sessions have five sign-ins in one second from an online platform (A2, which reads
only sign-ins recorded to the second; the other classes' come from sign-in sheets).

What is booked, as the portal books it: the lines of approved and paid claims are approved (the
rest pending), every line has its training key and entitlement, every 以工代训 line its month rows
(booked with the line). Some 以工代训 lines claim two months with one between them, where the
person may have another training (no R3.4: the months are compared, not the span); a fifth of the
apprenticeships had an advance at opening (half the entitlement, settled within it). Chosen people
were booked beyond an entitlement (A6): an apprenticeship's settlement paid whole after its
advance, an enterprise's training booked in two claims, a 以工代训 month booked at two enterprises.
"""

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
WORKDIR = Path(tempfile.mkdtemp(prefix="audit-bench-"))
USE_SQLITE_FILE = not os.environ.get("DATABASE_URL")
if USE_SQLITE_FILE:
    os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
    os.environ.pop("CELERY_BROKER_URL", None)
elif os.environ.get("CELERY_BROKER_URL"):
    # The bench's own Redis database: the workers started here take only the bench's tasks.
    parts = urlsplit(os.environ["CELERY_BROKER_URL"])
    os.environ["CELERY_BROKER_URL"] = urlunsplit(parts._replace(path="/3"))
os.environ.pop("CELERY_RESULT_BACKEND", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.audits.engine import checks  # noqa: E402
from apps.audits.models import AuditRun  # noqa: E402
from apps.catalog.models import District, Occupation  # noqa: E402
from apps.claims.models import Claim, ClaimLine, LineMonth  # noqa: E402
from apps.classes.models import ClassSession, TrainingClass  # noqa: E402
from apps.institutions.models import Employer, Institution, InstitutionYear  # noqa: E402
from apps.rules import RULES_VERSION  # noqa: E402
from apps.rules.identity import id_check_character, uscc_check_character  # noqa: E402
from apps.trainees.models import Attendance, Enrolment, Person  # noqa: E402

DEFAULT_LINES = 50_000 if USE_SQLITE_FILE else 1_000_000
SEED = 20210301
CLASS_SIZE = 40
YEARS = list(range(2021, 2026))
# Share of people breaking each rule (R10.1 … A1/A3), and of class lines claiming too many hours (A4).
BREAK = {"R10.1": 0.008, "R10.2": 0.008, "R3.4": 0.008, "A1": 0.004, "A6": 0.003}
# 以工代训 lines claiming a month, skipping one, and the next; apprenticeships with an advance.
GAPPED_MONTHS, WITH_ADVANCE = 0.3, 0.2
TOO_MANY_HOURS = 0.003
BATCH = 10_000
MONTHS = [(y, m) for y in YEARS for m in range(1, 13)]
KINDS, KIND_WEIGHTS = ("class", "enterprise", "work_for_training", "apprenticeship"), (50, 25, 10, 15)
STATUSES = ["submitted"] * 40 + ["under_review"] * 20 + ["approved"] * 20 + ["paid"] * 15 + ["returned"] * 5
CHONGQING = timezone(timedelta(hours=8))
PERSON_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "id_number",
    "name",
    "gender",
    "birth_date",
    "phone",
    "household_region",
]
CLASS_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "institution_id",
    "district_id",
    "name",
    "occupation_id",
    "level",
    "training_type",
    "organisation_mode",
    "schedule_pattern",
    "start_date",
    "end_date",
    "venue",
    "teachers",
    "planned_trainees",
    "status",
    "findings",
    "has_findings",
    "online_override_reason",
    "recommendation",
    "policy_version",
    "rules_version",
]
ENROLMENT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "training_class_id",
    "person_id",
    "relation",
    "status",
    "warnings",
]
ATTENDANCE_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "session_id",
    "enrolment_id",
    "minutes",
    "mode",
    "signed_in_at",
    "signed_out_at",
    "source",
    "flags",
]
CLAIM_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "kind",
    "district_id",
    "year",
    "institution_id",
    "employer_id",
    "training_class_id",
    "status",
    "total",
    "approved_total",
    "class_snapshot",
    "apprenticeship_stage",
    "recommendation",
    "submitted_at",
]
LINE_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "claim_id",
    "person_id",
    "enrolment_id",
    "share",
    "inputs",
    "amount",
    "steps",
    "findings",
    "rules_version",
    "start",
    "end",
    "decision",
    "decision_rule",
    "decision_reason",
    "training_key",
    "entitlement",
]
MONTH_COLUMNS = ["id", "line_id", "person_id", "employer_id", "month", "booked"]
BOOKED = ("approved", "paid")


def size() -> int:
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AUDIT_BENCH_LINES", "")
    return int(raw.replace(",", "").replace("_", "")) if raw else DEFAULT_LINES


# Writing rows: COPY on PostgreSQL, executemany on SQLite, from tab-separated files ----------------


class Table:
    """Rows of one table, written to a file as they are made (memory stays flat), loaded at the end."""

    def __init__(self, model, columns: list[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.columns = columns
        self.path = WORKDIR / f"{self.name}.tsv"
        self.file = self.path.open("w", encoding="utf-8")
        self.count = 0

    def add(self, *values) -> None:
        self.file.write("\t".join(_text(v) for v in values) + "\n")
        self.count += 1

    def load(self) -> None:
        self.file.close()
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor, self.path.open(encoding="utf-8") as source:
            if connection.vendor == "postgresql":
                cursor.cursor.copy_expert(f"COPY {self.name} ({columns}) FROM STDIN", source)
            else:
                marks = ", ".join("%s" for _ in self.columns)
                sql = f"INSERT INTO {self.name} ({columns}) VALUES ({marks})"  # noqa: S608 - names from models
                batch = []
                for line in source:
                    batch.append([None if v == "\\N" else v for v in line.rstrip("\n").split("\t")])
                    if len(batch) == BATCH:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
        self.path.unlink()


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return ("t" if value else "f") if connection.vendor == "postgresql" else str(int(value))
    if isinstance(value, datetime):
        stamp = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return stamp + "+00" if connection.vendor == "postgresql" else stamp
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


# The world ----------------------------------------------------------------------------------------


def reference_data():
    districts = list(District.objects.order_by("pk"))
    occupations = [
        Occupation.objects.get_or_create(
            code=f"{cat}-{n:02d}-{m:02d}-01",
            defaults={"name": f"基准职业{cat}{n:02d}{m:02d}", "major_category": cat},
        )[0]
        for cat in (2, 4, 5, 6)
        for n in range(1, 9)
        for m in (1, 2)
    ]
    institutions, employers = {}, {}
    serial = 0
    for district in districts:
        region = "500103"  # the credit code's region is not checked against the district
        for k in range(4):
            serial += 1
            body = f"52{region}{serial:09d}"
            institutions.setdefault(district.pk, []).append(
                Institution(
                    name=f"{district.name}基准培训学校{k + 1}",
                    uscc=body + uscc_check_character(body),
                    kind="district_private_school",
                    district=district,
                    status="recognised",
                    high_skill_base="municipal" if k == 0 and serial % 5 == 0 else "none",
                )
            )
        for k in range(2):
            serial += 1
            body = f"91{region}{serial:09d}"
            employers.setdefault(district.pk, []).append(
                Employer(
                    name=f"{district.name}基准企业{k + 1}",
                    uscc=body + uscc_check_character(body),
                    district=district,
                )
            )
    Institution.objects.bulk_create([i for group in institutions.values() for i in group])
    Employer.objects.bulk_create([e for group in employers.values() for e in group])
    institutions = {d: list(Institution.objects.filter(district_id=d).order_by("pk")) for d in institutions}
    employers = {d: list(Employer.objects.filter(district_id=d).order_by("pk")) for d in employers}
    return districts, occupations, institutions, employers


class World:
    """Makes the rows table by table into files, claim by claim as the portal writes them: a class's
    roster, sign-in sheets and claim lines together when the class is full, an enterprise claim's
    lines when it is (memory holds only the classes and claims being filled)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.districts, self.occupations, self.institutions, self.employers = reference_data()
        self.now = datetime.now(UTC)
        self.persons = Table(Person, PERSON_COLUMNS)
        self.classes = Table(TrainingClass, CLASS_COLUMNS)
        self.sessions = Table(
            ClassSession, ["id", "training_class_id", "date", "start_time", "end_time", "mode", "topic"]
        )
        self.enrolments = Table(Enrolment, ENROLMENT_COLUMNS)
        self.attendance = Table(Attendance, ATTENDANCE_COLUMNS)
        self.claims = Table(Claim, CLAIM_COLUMNS)
        self.lines = Table(ClaimLine, LINE_COLUMNS)
        self.months = Table(LineMonth, MONTH_COLUMNS)
        self.ids = dict.fromkeys(("class", "session", "enrolment", "attendance", "claim", "line", "month"), 0)
        self.status_of: dict[int, str] = {}  # claim id → status
        self.booked_months: set[tuple[int, int, date]] = set()  # (person, employer, month): once
        self.last_decision = ""  # of the line written last (its month rows are booked with it)
        self.open_classes: dict[tuple, dict] = {}  # (district, year, month, slot, occupation)
        self.open_claims: dict[tuple, dict] = {}  # (kind, employer, year)

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def claim(
        self,
        kind,
        district_id,
        year,
        institution_id=None,
        employer_id=None,
        class_id=None,
        *,
        stage="",
        status="",
    ) -> int:
        claim_id = self.next_id("claim")
        stage = stage or ("completion" if kind == "apprenticeship" else "")
        status = status or self.rng.choice(STATUSES)
        self.status_of[claim_id] = status
        self.claims.add(
            claim_id, self.now, self.now, kind, district_id, year, institution_id, employer_id, class_id,
            status, "0", "0", "{}", stage, "", self.now,
        )  # fmt: skip
        return claim_id

    def training_class(self, district, year, month, occupation, level, slot) -> dict:
        """The district's class of that month at those hours (slot) being filled. A class of the
        usual hours trains the month's occupation at a level of its own; one at slot 3 (17:00–20:00,
        the people in two classes at once) the occupation asked for."""
        key = (district.pk, year, month, slot, occupation.pk if slot else None)
        current = self.open_classes.get(key)
        if current is not None and len(current["trainees"]) < CLASS_SIZE:
            return current
        if current is not None:
            self.flush_class(current)
        class_id = self.next_id("class")
        if not slot:
            occupation, level = self.occupation_of(year, month), self.rng.choice((5, 4, 3))
        first = date(year, month, 1)
        saturday = first + timedelta(days=(5 - first.weekday()) % 7)
        days = [saturday + timedelta(days=d) for d in (0, 1, 7, 8)]  # two weekends
        hour = 8 + 3 * slot
        institution = self.institutions[district.pk][class_id % len(self.institutions[district.pk])]
        sessions = []
        for day in days:
            session_id = self.next_id("session")
            begins, ends = f"{hour:02d}:00:00", f"{hour + 3:02d}:00:00"
            self.sessions.add(session_id, class_id, day, begins, ends, "offline", "实操")
            sessions.append((session_id, datetime(day.year, day.month, day.day, hour, tzinfo=CHONGQING)))
        self.classes.add(
            class_id, self.now, self.now, institution.pk, district.pk, f"基准班{class_id}", occupation.pk,
            level, "employment", "concentrated", "weekend", days[0], days[-1], "实训基地", "李老师",
            CLASS_SIZE, "completed", "[]", False, "", "", "渝人社发〔2021〕12号", RULES_VERSION,
        )  # fmt: skip
        current = self.open_classes[key] = {
            "id": class_id,
            "sessions": sessions,
            "end": days[-1],
            "claim": self.claim("class_completion", district.pk, year, institution.pk, None, class_id),
            # A2: in about one class in 400, the first five trainees "signed in" at one second (the
            # class's sign-ins come from an online platform, which records seconds).
            "same_second": self.rng.random() < 0.0025,
            "occupation": occupation,
            "level": level,
            "trainees": [],
        }
        return current

    def flush_class(self, cls: dict) -> None:
        """The roster, sign-ins to each of the first two sessions (a sign-in sheet's, or an online
        platform's in a class of A2), and the claim's lines."""
        enrolment_ids = []
        for person_id, *_ in cls["trainees"]:
            enrolment_ids.append(self.next_id("enrolment"))
            self.enrolments.add(
                enrolment_ids[-1], self.now, self.now, cls["id"], person_id, "", "enrolled", "[]"
            )
        source = "online_platform" if cls["same_second"] else "sign_in_sheet"
        for session_id, begins in cls["sessions"][:2]:
            for n, enrolment_id in enumerate(enrolment_ids):
                if cls["same_second"] and n < 5:
                    signed_in = begins - timedelta(minutes=5)
                else:
                    signed_in = begins - timedelta(seconds=self.rng.randrange(1200))
                self.attendance.add(
                    self.next_id("attendance"), self.now, self.now, session_id, enrolment_id, 180, "offline",
                    signed_in, begins + timedelta(hours=3), source, "[]",
                )  # fmt: skip
        first_day = cls["sessions"][0][1].date()
        occupation = cls["occupation"]
        for (person_id, number, extra_hours), enrolment_id in zip(
            cls["trainees"], enrolment_ids, strict=True
        ):
            inputs = {
                "kind": "class", "approved_on": first_day.isoformat(), "start": first_day.isoformat(),
                "end": cls["end"].isoformat(),
                "occupation": {"code": occupation.code, "category": occupation.major_category, "new": False},
                "level": cls["level"], "standard": "1500.00", "rate": "150.00", "planned_hours": 60,
                "planned_online": 0, "online_rate": "60.00", "passed": True, "id_number": number,
                "attended": {"offline": 16 + extra_hours, "online": 0}, "history": [],
            }  # fmt: skip
            self.line(
                cls["claim"],
                person_id,
                first_day,
                cls["end"],
                inputs,
                enrolment_id,
                key=f"class:{enrolment_id}",
            )
        cls["trainees"] = []

    def claim_of(self, kind, employer, year, *, stage="", status="") -> dict:
        """The employer's claim of that kind and year being filled (of that apprenticeship stage, or
        of that status: the A6 cases are booked)."""
        key = (kind, employer.pk, year, stage, status)
        current = self.open_claims.get(key)
        if current is None or len(current["lines"]) >= 50:
            if current is not None:
                self.flush_claim(current)
            claim_id = self.claim(
                kind, employer.district_id, year, None, employer.pk, stage=stage, status=status
            )
            current = self.open_claims[key] = {"id": claim_id, "employer": employer.pk, "lines": []}
        return current

    def flush_claim(self, claim: dict) -> None:
        for person_id, start, end, inputs, share, key, amount, entitlement in claim["lines"]:
            line_id = self.line(
                claim["id"], person_id, start, end, inputs, share=share, key=key, amount=amount,
                entitlement=entitlement,
            )  # fmt: skip
            for month in inputs.get("months", ()):
                self.line_month(line_id, person_id, claim, date.fromisoformat(f"{month}-01"))
        claim["lines"] = []

    def line(
        self, claim_id, person_id, start, end, inputs, enrolment_id=None, share="training", *, key,
        amount="1500.00", entitlement=None,
    ) -> int:  # fmt: skip
        """A line, approved in an approved or paid claim (booked), pending elsewhere; 1 % refused."""
        booked = self.status_of[claim_id] in BOOKED
        decision = "rejected" if self.rng.random() < 0.01 else "approved" if booked else "pending"
        line_id = self.next_id("line")
        self.lines.add(
            line_id, self.now, self.now, claim_id, person_id, enrolment_id, share,
            json.dumps(inputs, ensure_ascii=False, separators=(",", ":")), amount, "[]", "[]",
            RULES_VERSION, start, end, decision, "", "", key, entitlement or amount,
        )  # fmt: skip
        self.last_decision = decision
        return line_id

    def line_month(self, line_id, person_id, claim: dict, month: date) -> None:
        """A 以工代训 line's month row, booked with its line (once per worker, enterprise, month)."""
        key = (person_id, claim["employer"], month)
        booked = self.last_decision == "approved" and key not in self.booked_months
        if booked:
            self.booked_months.add(key)
        self.months.add(self.next_id("month"), line_id, person_id, claim["employer"], month, booked)

    def training(
        self, person, kind, year, month, occupation, level, district, *, slot=0, extra_hours=0, gap=False,
        employer=None, status="", advance=False, overpaid=False,
    ) -> tuple | None:  # fmt: skip
        """One training of the person; its occupation and level (None for 以工代训). `gap`: a 以工代训
        line of this month and the one after next; `advance`: an apprenticeship advanced half at
        opening (settled whole after it if `overpaid`); `status`: its claims' (booked ones for A6)."""
        person_id, number = person
        if kind == "class":
            cls = self.training_class(district, year, month, occupation, level, slot)
            cls["trainees"].append((person_id, number, extra_hours))
            return cls["occupation"], cls["level"]
        start, end = date(year, month, 1), date(year, month, 28)
        employer = employer or self.employers[district.pk][person_id % 2]
        common = {"start": str(start), "end": str(end), "id_number": number, "history": []}
        if kind == "work_for_training":
            months = [f"{year}-{month:02d}", f"{year}-{month + 2:02d}"] if gap else [f"{year}-{month:02d}"]
            if gap:
                end = date(year, month + 2, 28)
            inputs = {"kind": kind, **common, "end": str(end), "months": months}
            amount = f"{500 * len(months)}.00"
            self.claim_of(kind, employer, year, status=status)["lines"].append(
                (person_id, start, end, inputs, kind, f"wft:{employer.pk}", amount, amount)
            )
            return None
        inputs = {
            "kind": kind, **common,
            "occupation": {"code": occupation.code, "category": occupation.major_category, "new": False},
            "level": level, "attended": {"offline": 40, "online": 0}, "passed": True,
        }  # fmt: skip
        if kind == "enterprise":
            key = f"enterprise:{employer.pk}:{occupation.code}:{level}:{start}:{end}"
            self.claim_of("enterprise_direct", employer, year, status=status)["lines"].append(
                (person_id, start, end, inputs, "training", key, "1500.00", "1500.00")
            )
            return occupation, level
        key = f"apprenticeship:{employer.pk}:{start}"
        if advance:
            self.claim_of(kind, employer, year, stage="advance", status=status)["lines"].append(
                (person_id, start, end, {**inputs, "advance": True}, "training", key, "750.00", "1500.00")
            )
        settled = "1500.00" if overpaid or not advance else "750.00"
        self.claim_of(kind, employer, year, stage="completion", status=status)["lines"].append(
            (person_id, start, end, inputs, "training", key, settled, "1500.00")
        )
        return occupation, level

    def person(self, index: int) -> dict[str, int]:
        """One person's trainings in distinct months with distinct occupations; perhaps a broken rule."""
        rng = self.rng
        person_id = index + 1
        birth = date(1966, 1, 1) + timedelta(days=index // 1000)
        body = f"500103{birth:%Y%m%d}{index % 1000:03d}"
        number = body + id_check_character(body)
        self.persons.add(
            person_id, self.now, self.now, number, f"学员{person_id}", "MF"[index % 2], birth, "", ""
        )
        who = (person_id, number)
        district = self.districts[rng.randrange(len(self.districts))]
        chosen = rng.sample(MONTHS, rng.choice((1, 2, 2, 3, 3, 4)))
        taken = set(chosen)
        first = None
        for year, month in chosen:
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            where = district if rng.random() < 0.8 else self.districts[rng.randrange(len(self.districts))]
            extra = 2 if kind == "class" and rng.random() < TOO_MANY_HOURS else 0  # A4
            occupation, level = (
                (None, None)
                if kind == "work_for_training"
                else (self.occupation_of(year, month), rng.choice((5, 4, 3)))
            )
            # 以工代训 of this month and the one after next, the person perhaps trained in between.
            gap = kind == "work_for_training" and month <= 10 and (year, month + 2) not in taken
            gap = gap and rng.random() < GAPPED_MONTHS
            if gap:
                taken.add((year, month + 2))
            advance = kind == "apprenticeship" and rng.random() < WITH_ADVANCE
            trained = self.training(
                who, kind, year, month, occupation, level, where, extra_hours=extra, gap=gap, advance=advance
            )
            first = first or trained
        roll, rule = rng.random(), None
        for name, share in _cumulative(BREAK):
            if roll < share:
                rule = name
                break
        if rule is None or (rule == "R10.2" and first is None):
            return {}
        year = rng.choice(YEARS)
        free = [m for m in range(1, 13) if (year, m) not in taken]
        if rule == "R10.1":  # four more trainings in one year
            for month in free[:4]:
                self.training(who, "enterprise", year, month, self.occupation_of(year, month), 4, district)
        elif rule == "R10.2":  # the first training's occupation and level again
            self.training(who, "enterprise", year, free[0], *first, district)
        elif rule == "R3.4":  # a 以工代训 month over a training filed before it
            self.training(who, "enterprise", year, free[0], self.occupation_of(year, free[0]), 3, district)
            self.training(who, "work_for_training", year, free[0], None, None, district)
        elif rule == "A6":  # booked beyond an entitlement, one of three ways
            booked, way = rng.choice(BOOKED), rng.randrange(3)
            occupation = self.occupation_of(year, free[0])
            if way == 0:  # an apprenticeship advanced half, then settled whole
                self.training(
                    who, "apprenticeship", year, free[0], occupation, 4, district,
                    status=booked, advance=True, overpaid=True,
                )  # fmt: skip
            elif way == 1:  # an enterprise's training booked in two claims (R10.2 too)
                for _ in range(2):
                    self.training(who, "enterprise", year, free[0], occupation, 4, district, status=booked)
            else:  # a 以工代训 month booked at both of the district's enterprises
                for employer in self.employers[district.pk]:
                    self.training(
                        who, "work_for_training", year, free[0], None, None, district, employer=employer,
                        status=booked,
                    )  # fmt: skip
        else:  # two classes at the same hours (slot 3, 17:00–20:00), signed in to both: A1 and A3
            for occupation in self.occupations[len(MONTHS) : len(MONTHS) + 2]:
                self.training(who, "class", year, free[0], occupation, 4, district, slot=3)
        return {rule: 1}

    def occupation_of(self, year: int, month: int):
        """Every month of 2021–2025 trains its own occupation: a person's trainings, in distinct
        months, never repeat one unless a rule is broken on purpose."""
        return self.occupations[MONTHS.index((year, month))]

    def finish(self) -> None:
        for cls in self.open_classes.values():
            self.flush_class(cls)
        for claim in self.open_claims.values():
            self.flush_claim(claim)
        with transaction.atomic():
            for table in (self.persons, self.classes, self.sessions, self.enrolments, self.attendance):
                table.load()
            self.claims.load()
            self.lines.load()
            self.months.load()
        models = [Person, TrainingClass, ClassSession, Enrolment, Attendance, Claim, ClaimLine, LineMonth]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        # A5: every institution has a yearly plan; one in nine claimed one more than its quota.
        claimed = (
            ClaimLine.objects.filter(claim__kind="class_completion", start__isnull=False)
            .exclude(decision="rejected")
            .values_list("claim__institution_id", "end__year")
            .annotate(n=Count("pk"))
        )
        InstitutionYear.objects.bulk_create(
            InstitutionYear(institution_id=i, year=y, plan_quota=n - 1 if i % 9 == 0 and n > 1 else n + 50)
            for i, y, n in claimed
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


def generate(lines_wanted: int) -> dict:
    world = World(random.Random(SEED))
    people = max(1, round(lines_wanted / 2.5))
    breaking: dict[str, int] = dict.fromkeys(BREAK, 0)
    for index in range(people):
        for rule, n in world.person(index).items():
            breaking[rule] += n
    world.finish()
    return {
        "people": people,
        "lines": world.lines.count,
        "attendance": world.attendance.count,
        "classes": world.classes.count,
        "months": world.months.count,
        "booked": sum(1 for status in world.status_of.values() if status in BOOKED),
        "breaking": breaking,
    }


def _cumulative(shares: dict[str, float]):
    total = 0.0
    for rule, share in shares.items():
        total += share
        yield rule, total


# Timing ---------------------------------------------------------------------------------------------


def bare_group_by() -> float:
    year = checks.dialect().year('l."end"')
    sql = (
        f"SELECT p.id_number, {year.replace('%%', '%')} AS y, COUNT(*) FROM claims_claimline l "  # noqa: S608
        "JOIN trainees_person p ON p.id = l.person_id GROUP BY p.id_number, y HAVING COUNT(*) > 3"
    )
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _peak_kb(pid: int) -> int:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1])
    return 0


def audit_with_workers(admin: User) -> tuple[AuditRun, float, list[int]]:
    """Two `celery worker` processes (solo pool each) on the bench's database and broker."""
    from apps.audits import services
    from config.celery import app

    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_RESULT_BACKEND": ""}
    log = (WORKDIR / "workers.log").open("w")
    app.control.purge()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"bench{n}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]
    try:
        time.sleep(3)  # both consumers ready before the first task is sent
        started = time.perf_counter()
        run = services.audit_run_start(actor=admin, scope="all")
        while AuditRun.objects.filter(pk=run.pk, status__in=("queued", "running")).exists():
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        peaks = [_peak_kb(w.pid) for w in workers]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        log.close()
    return AuditRun.objects.get(pk=run.pk), seconds, peaks


AUDIT_IN_PROCESS = """
import sys, time, resource, django
django.setup()
from apps.audits import services
from apps.accounts.models import User
started = time.perf_counter()
run = services.audit_run_start(actor=User.objects.get(username="bench-admin"), scope="all")
print(run.pk, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def audit_in_process() -> tuple[AuditRun, float, list[int]]:
    """One process of its own, tasks in-process (no broker): its peak memory is the audit's."""
    env = {**os.environ, "DATABASE_URL": _database_url()}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", AUDIT_IN_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    run_id, seconds, peak = int(out[-3]), float(out[-2]), int(out[-1])
    return AuditRun.objects.get(pk=run_id), seconds, [peak]


def run() -> None:
    wanted = size()
    started = time.perf_counter()
    world = generate(wanted)
    made = time.perf_counter() - started
    print(
        f"generated {world['lines']:,} claim lines of {world['people']:,} people "
        f"({world['classes']:,} classes, {world['attendance']:,} sign-ins, {world['months']:,} 以工代训 "
        f"month rows; {world['booked']:,} claims approved or paid) on {connection.vendor} "
        f"in {made:.1f} s; "
        f"people set to break a rule: {world['breaking']}"
    )
    admin = User.objects.create(username="bench-admin", role=Role.MUNICIPAL_ADMIN)
    baseline = bare_group_by()
    if connection.vendor == "postgresql" and os.environ.get("CELERY_BROKER_URL"):
        audit, seconds, peaks = audit_with_workers(admin)
        how = "two celery worker processes"
    else:
        audit, seconds, peaks = audit_in_process()
        how = "one process (SQLite: one writer at a time)" if USE_SQLITE_FILE else "one process (no broker)"
    assert audit.status == "finished", audit.error
    by_rule = dict(audit.findings.values_list("rule").annotate(n=Count("pk")).order_by("rule"))
    flagged = audit.findings.exclude(line=None).values("line").distinct().count()
    print(
        f"audit of all open claims by {how}: {seconds:.2f} s, {audit.chunks.count()} chunks, "
        f"{audit.lines_count:,} lines in scope"
    )
    share = 100 * flagged / world["lines"]
    print(f"findings: {audit.findings_count:,} on {flagged:,} lines ({share:.2f} % of all lines)")
    print(f"findings by rule: {by_rule}")
    print(
        f"peak memory per worker process: {', '.join(f'{kb / 1024:.0f} MB' for kb in peaks)}; "
        f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(
        f"bare GROUP BY id_number, year HAVING count(*) > 3: {baseline:.3f} s (best of 3); "
        f"ratio {seconds / baseline:.1f}× (aim ≤ 10×)"
    )
    # The next night's run over the same claims: compared with this one, everything persists.
    again, seconds, peaks = audit_with_workers(admin) if how.startswith("two") else audit_in_process()
    assert again.status == "finished", again.error
    assert (again.appeared_count, again.persisting_count, again.cleared_count) == (0, audit.findings_count, 0)
    print(
        f"the same audit again (the next night's): {seconds:.2f} s, ratio {seconds / baseline:.1f}×; "
        f"{again.persisting_count:,} findings persisting, {again.appeared_count} new, "
        f"{again.cleared_count} cleared; peak memory per worker process: "
        f"{', '.join(f'{kb / 1024:.0f} MB' for kb in peaks)}"
    )


def main() -> None:
    if USE_SQLITE_FILE:
        call_command("migrate", verbosity=0)
        run()
        return
    # A throwaway database on the configured server under a name of its own, never the real one.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"audit_bench_{os.getpid()}"
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        run()
    finally:
        connection.close()
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    try:
        main()
    finally:
        for item in WORKDIR.iterdir():
            item.unlink()
        WORKDIR.rmdir()
