"""The benchmarks' city: claim lines of people across all of Chongqing's districts, written straight to
the tables (COPY on PostgreSQL, executemany on SQLite), as the portal would have written them.

Shared by benchmarks/audit_bench.py (the batch audit) and benchmarks/load_bench.py (the load at city
scale). Import it after django.setup(): ``generate(lines, workdir)`` makes about ``lines`` claim lines
of ``lines / 2.5`` people in ``workdir`` (tab-separated files, removed once loaded) and loads them.
``focus`` ({district code: share}) sends that share of the people to live in those districts (the
rest spread evenly over all); without it every district is equally likely, and the same seed makes
the same world as before the module existed.

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
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count

from apps.catalog.models import District, Occupation
from apps.claims.models import Claim, ClaimLine, LineMonth
from apps.classes.models import ClassSession, TrainingClass
from apps.institutions.models import Employer, Institution, InstitutionYear
from apps.rules import RULES_VERSION
from apps.rules.identity import id_check_character, uscc_check_character
from apps.trainees.models import Attendance, Enrolment, Person

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


class Table:
    """Rows of one table, written to a file as they are made (memory stays flat), loaded at the end."""

    def __init__(self, model, columns: list[str], workdir: Path) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.columns = columns
        self.path = workdir / f"{self.name}.tsv"
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

    def __init__(self, rng: random.Random, workdir: Path, focus: dict[str, float] | None = None) -> None:
        self.rng = rng
        self.districts, self.occupations, self.institutions, self.employers = reference_data()
        by_code = {d.code: d for d in self.districts}
        self.focus = [(by_code[code], share) for code, share in _cumulative(focus or {})]
        self.now = datetime.now(UTC)
        self.persons = Table(Person, PERSON_COLUMNS, workdir)
        self.classes = Table(TrainingClass, CLASS_COLUMNS, workdir)
        self.sessions = Table(
            ClassSession,
            ["id", "training_class_id", "date", "start_time", "end_time", "mode", "topic"],
            workdir,
        )
        self.enrolments = Table(Enrolment, ENROLMENT_COLUMNS, workdir)
        self.attendance = Table(Attendance, ATTENDANCE_COLUMNS, workdir)
        self.claims = Table(Claim, CLAIM_COLUMNS, workdir)
        self.lines = Table(ClaimLine, LINE_COLUMNS, workdir)
        self.months = Table(LineMonth, MONTH_COLUMNS, workdir)
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
        district = self.home_district()
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

    def home_district(self):
        """Where a person lives: a focus district by its share, otherwise any district alike."""
        if self.focus:
            roll = self.rng.random()
            for district, share in self.focus:
                if roll < share:
                    return district
        return self.districts[self.rng.randrange(len(self.districts))]

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
            # The claims' totals as the portal keeps them: claimed, the sum of the lines; approved,
            # of the approved lines of a booked claim (the reconciliation checks it, R8.5).
            cursor.execute(CLAIM_TOTALS)
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


CLAIM_TOTALS = """
UPDATE claims_claim SET
    total = COALESCE((SELECT SUM(l.amount) FROM claims_claimline l WHERE l.claim_id = claims_claim.id), 0),
    approved_total = CASE WHEN status IN ('approved', 'paid') THEN COALESCE((
        SELECT SUM(l.amount) FROM claims_claimline l
        WHERE l.claim_id = claims_claim.id AND l.decision = 'approved'
    ), 0) ELSE 0 END
"""


def generate(lines_wanted: int, workdir: Path, focus: dict[str, float] | None = None) -> dict:
    world = World(random.Random(SEED), workdir, focus)
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


def worker_command(python: str, name: str) -> list[str]:
    """A real `celery worker` of the portal, one task at a time, quiet: as the benchmarks start
    theirs (`name` is the node's, unique per process)."""
    return [
        python,
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
        f"{name}@%h",
    ]


def database_url() -> str:
    """The URL of the database this process is on (the throwaway one), for processes it starts."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def peak_kb(pid: int) -> int:
    """A live process's peak resident memory (VmHWM), in kB."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1])
    return 0


@contextmanager
def workers(count: int, name: str, workdir: Path, root: Path):
    """`count` real `celery worker` processes (solo pool each) on this process's database and
    broker, started before the block (both consumers ready) and stopped after it. Yields their
    pids (for peak_kb)."""
    from config.celery import app

    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_RESULT_BACKEND": ""}
    log = (workdir / f"{name}-workers.log").open("w")
    app.control.purge()
    started = [
        subprocess.Popen(
            worker_command(sys.executable, f"{name}{n}-{os.getpid()}"),
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n in range(count)
    ]
    try:
        time.sleep(3)  # every consumer ready before the first task is sent
        yield [worker.pid for worker in started]
    finally:
        for worker in started:
            worker.terminate()
        for worker in started:
            worker.wait(timeout=30)
        log.close()


def on_throwaway_database(run, *, name: str, in_place: bool) -> None:
    """`run()` on a database of its own on the configured server (named `name`, created, migrated
    and dropped afterwards, so it never meets a real or a test one); `in_place` (a temporary
    SQLite file, or a database the caller chose to reuse) migrates the configured one instead."""
    from django.core.management import call_command
    from django.test.utils import setup_databases, teardown_databases

    if in_place:
        call_command("migrate", verbosity=0)
        run()
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    try:
        run()
    finally:
        connection.close()
        teardown_databases(databases, verbosity=0)
