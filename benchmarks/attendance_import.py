"""Benchmark of the attendance imports: 100,000 rows of an online platform's CSV export and of a
sign-in sheet, each into a class of 1,000 trainees and 100 sessions.

Run from the repository root: ``.venv/bin/python benchmarks/attendance_import.py`` (``make bench``).
The 100 sessions are live online sessions (two a day, 135 minutes each), so that both files can
cover every trainee in every session. The timed part of each import is what the upload page does:
read and check every row (parse), then upsert them in one transaction with the flags (save). The
yardstick, timed in the same run, is the least any import of the file could cost: merely reading
it (csv.reader over the CSV; openpyxl read-only over every row of the workbook) plus writing the
rows the import saved, bare, into a scratch table of the same columns (COPY on PostgreSQL,
executemany on SQLite; benchmarks/_yardstick.py). Both parts are printed, and the ratio of the
import to their sum; we aim at 3× and print MISSED above it. A second import of the CSV over the
saved rows (every row an update) is timed against the same yardstick.

Database: DATABASE_URL when set (a throwaway test database is created on that server and dropped
afterwards, as the test runner does); otherwise a temporary SQLite file, migrated first.
"""

import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
WORKDIR = Path(tempfile.mkdtemp(prefix="attendance-bench-"))
USE_SQLITE_FILE = not os.environ.get("DATABASE_URL")
if USE_SQLITE_FILE:
    os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from apps.accounts.models import Role, User  # noqa: E402
from apps.catalog.models import District, Occupation  # noqa: E402
from apps.classes.models import ClassSession, ClassStatus, SchedulePattern, TrainingClass, TrainingType  # noqa: E402
from apps.institutions.models import Institution, InstitutionKind, InstitutionStatus  # noqa: E402
from apps.rules.identity import id_check_character, uscc_check_character  # noqa: E402
from apps.trainees.imports.attendance import parse_online_export, parse_sign_in_sheet  # noqa: E402
from apps.trainees.models import Attendance, AttendanceSource, Enrolment, Gender, Person  # noqa: E402
from apps.trainees.services.attendance import attendance_save_many  # noqa: E402
from benchmarks._report import against  # noqa: E402
from benchmarks._yardstick import bare_write, how  # noqa: E402

TRAINEES = 1_000
SESSIONS = 100
SEED = 20210301
FIRST_DAY = date(2026, 9, 1)
SLOTS = (("09:00", "11:15"), ("14:00", "16:15"))  # 135 minutes = 3 class-hours each
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国红梅玉文志海燕春"


def _clock(text: str) -> datetime:
    return datetime.strptime(text, "%H:%M")


def build_class() -> tuple[TrainingClass, User, list[ClassSession], list[Person]]:
    """A running class of a recognised school in 渝中区, its operator, sessions and trainees."""
    rng = random.Random(SEED)
    district = District.objects.get(code="500103")
    occupation, _ = Occupation.objects.get_or_create(
        code="6-18-01-01", defaults={"name": "车工", "major_category": 6}
    )
    body = "52500103000000001"
    institution = Institution.objects.create(
        name="基准测试职业培训学校",
        uscc=body + uscc_check_character(body),
        kind=InstitutionKind.DISTRICT_PRIVATE_SCHOOL,
        district=district,
        status=InstitutionStatus.RECOGNISED,
    )
    operator = User.objects.create(
        username="bench-operator", role=Role.INSTITUTION_OPERATOR, district=district
    )
    institution.members.add(operator)
    last_day = FIRST_DAY + timedelta(days=SESSIONS // len(SLOTS) - 1)
    training_class = TrainingClass.objects.create(
        institution=institution,
        district=district,
        name="车工中级线上班（基准测试）",
        occupation=occupation,
        level=4,
        training_type=TrainingType.POST_SKILL,
        schedule_pattern=SchedulePattern.ONLINE,
        start_date=FIRST_DAY,
        end_date=last_day,
        venue="线上直播",
        teachers="李师傅",
        planned_trainees=TRAINEES,
        status=ClassStatus.RUNNING,
        approved_on=FIRST_DAY - timedelta(days=10),
        standard="1500.00",
        rate="150.00",
        class_hours=60,
        online_rate="60.00",
    )
    ClassSession.objects.bulk_create(
        ClassSession(
            training_class=training_class,
            date=FIRST_DAY + timedelta(days=n // len(SLOTS)),
            start_time=_clock(SLOTS[n % len(SLOTS)][0]).time(),
            end_time=_clock(SLOTS[n % len(SLOTS)][1]).time(),
            mode="live",
        )
        for n in range(SESSIONS)
    )
    persons = []
    numbers: set[str] = set()
    while len(persons) < TRAINEES:
        birth = date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 35))
        digits = f"500103{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = digits + id_check_character(digits)
        if number in numbers:
            continue
        numbers.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
        persons.append(Person(id_number=number, name=name, gender=gender, birth_date=birth))
    Person.objects.bulk_create(persons, batch_size=500)
    persons = list(Person.objects.filter(id_number__in=numbers).order_by("pk"))
    Enrolment.objects.bulk_create(
        [Enrolment(training_class=training_class, person=p) for p in persons], batch_size=500
    )
    return training_class, operator, list(training_class.sessions.order_by("date", "start_time")), persons


def write_online_csv(path: Path, sessions: list[ClassSession], persons: list[Person]) -> int:
    rng = random.Random(SEED + 1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数"])
        rows = 0
        for session in sessions:
            day, start = f"{session.date:%Y-%m-%d}", f"{session.start_time:%H:%M}"
            for person in persons:
                writer.writerow(
                    [person.id_number, person.name, day, start, rng.randrange(session.minutes + 1)]
                )
                rows += 1
    return rows


def write_sign_in_sheet(path: Path, sessions: list[ClassSession], persons: list[Person]) -> int:
    """Sign-in up to 20 minutes early, sign-out between 30 minutes early and 20 minutes late:
    some rows are flagged outside the session's hours, as in real sheets."""
    rng = random.Random(SEED + 2)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学员签到表")
    sheet.append(["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"])
    rows = 0
    for session in sessions:
        day, start = f"{session.date:%Y-%m-%d}", f"{session.start_time:%H:%M}"
        begin = datetime.combine(session.date, session.start_time)
        end = datetime.combine(session.date, session.end_time)
        for person in persons:
            signed_in = begin - timedelta(minutes=rng.randrange(21))
            signed_out = end + timedelta(minutes=rng.randrange(-30, 21))
            sheet.append(
                [day, start, person.name, person.id_number, f"{signed_in:%H:%M}", f"{signed_out:%H:%M}"]
            )
            rows += 1
    workbook.save(path)
    return rows


def read_csv(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for _ in csv.reader(handle):
            pass
    return time.perf_counter() - started


def read_xlsx(path: Path) -> float:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True)
    for _ in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - started


def timed_import(parse, path: Path, training_class: TrainingClass, operator: User, source: str) -> tuple:
    started = time.perf_counter()
    parsed = parse(path, filename=path.name, training_class=training_class)
    parsed_at = time.perf_counter()
    counts = attendance_save_many(
        actor=operator, training_class=training_class, rows=parsed.rows, source=source, reason="基准测试"
    )
    finished = time.perf_counter()
    return counts, parsed_at - started, finished - parsed_at


def report(
    label: str, rows: int, counts, parse_s: float, save_s: float, read_s: float, write_s: float, reader: str
) -> None:
    total, floor = parse_s + save_s, read_s + write_s
    print(
        f"{label}: {rows} rows in {total:.2f} s (read and check {parse_s:.2f} s, save {save_s:.2f} s; "
        f"{counts.created} created, {counts.updated} updated) on {connection.vendor}; "
        f"yardstick {floor:.2f} s ({reader} alone {read_s:.2f} s + bare {how()} of the saved rows "
        f"{write_s:.2f} s); ratio {against(total / floor, 3)}"
    )


def run() -> None:
    training_class, operator, sessions, persons = build_class()
    online_path = WORKDIR / "online.csv"
    sheet_path = WORKDIR / "sign-in.xlsx"
    online_rows = write_online_csv(online_path, sessions, persons)
    sheet_rows = write_sign_in_sheet(sheet_path, sessions, persons)

    csv_read = min(read_csv(online_path) for _ in range(3))
    counts, parse_s, save_s = timed_import(
        parse_online_export, online_path, training_class, operator, AttendanceSource.ONLINE_PLATFORM
    )
    assert counts.created == online_rows == Attendance.objects.count(), counts
    csv_write = bare_write(Attendance)
    report("online CSV", online_rows, counts, parse_s, save_s, csv_read, csv_write, "csv.reader")
    counts, parse_s, save_s = timed_import(
        parse_online_export, online_path, training_class, operator, AttendanceSource.ONLINE_PLATFORM
    )
    assert counts.updated == online_rows, counts
    report(
        "online CSV again (every row an update)",
        online_rows,
        counts,
        parse_s,
        save_s,
        csv_read,
        csv_write,
        "csv.reader",
    )

    Attendance.objects.all().delete()
    xlsx_read = min(read_xlsx(sheet_path) for _ in range(2))
    counts, parse_s, save_s = timed_import(
        parse_sign_in_sheet, sheet_path, training_class, operator, AttendanceSource.SIGN_IN_SHEET
    )
    assert counts.created == sheet_rows == Attendance.objects.count(), counts
    flagged = Attendance.objects.exclude(flags=[]).count()
    sheet_write = bare_write(Attendance)
    report("sign-in sheet", sheet_rows, counts, parse_s, save_s, xlsx_read, sheet_write, "openpyxl read-only")
    print(f"sign-in sheet: {flagged} rows flagged outside the session's hours")


def main() -> None:
    if USE_SQLITE_FILE:
        call_command("migrate", verbosity=0)
        run()
        return
    # A throwaway test database on the configured server, never the real one.
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        run()
    finally:
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    try:
        main()
    finally:
        for item in WORKDIR.iterdir():
            item.unlink()
        WORKDIR.rmdir()
