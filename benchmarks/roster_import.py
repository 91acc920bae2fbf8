"""Benchmark of the roster upload: a 10,000-row roster imported into a fresh class.

Run from the repository root: ``.venv/bin/python benchmarks/roster_import.py`` (``make bench``).
The roster has valid ID numbers (correct check characters) from many provinces, phones, regions
and target groups. The timed part is the whole import as the upload page does it: read and clean
every row (parse_roster), then check and save in one transaction (roster_import). The yardstick,
timed in the same run, is the least any import of the file could cost: openpyxl merely reading it
(read-only, every row) plus writing the rows the import saved (the persons and their enrolments),
bare, into scratch tables of the same columns (COPY on PostgreSQL, executemany on SQLite;
benchmarks/_yardstick.py). Both parts are printed, and the ratio of the import to their sum; we
aim at 3× and print MISSED above it.

Database: DATABASE_URL when set (a throwaway test database is created on that server and dropped
afterwards, as the test runner does); otherwise a temporary SQLite file, migrated first.
"""

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
WORKDIR = Path(tempfile.mkdtemp(prefix="roster-bench-"))
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
from apps.classes.models import ClassStatus, SchedulePattern, TrainingClass, TrainingType  # noqa: E402
from apps.institutions.models import Institution, InstitutionKind, InstitutionStatus  # noqa: E402
from apps.rules.identity import id_check_character, uscc_check_character  # noqa: E402
from apps.trainees.imports.roster import parse_roster  # noqa: E402
from apps.trainees.models import Enrolment, Person, TargetGroup  # noqa: E402
from apps.trainees.services.enrolment import roster_import  # noqa: E402
from benchmarks._report import against  # noqa: E402
from benchmarks._yardstick import bare_write, how  # noqa: E402

ROWS = 10_000
SEED = 20210301
# Address codes of many provinces (R8.4: every province is accepted alike).
REGIONS = {
    "110105": "北京市朝阳区",
    "310104": "上海市徐汇区",
    "440301": "广东省深圳市",
    "500103": "重庆市渝中区",
    "500101": "重庆市万州区",
    "500233": "重庆市忠县",
    "510107": "四川省成都市武侯区",
    "420102": "湖北省武汉市江岸区",
    "430102": "湖南省长沙市芙蓉区",
    "520102": "贵州省贵阳市南明区",
    "530102": "云南省昆明市五华区",
    "610113": "陕西省西安市雁塔区",
    "650102": "新疆乌鲁木齐市天山区",
    "230102": "黑龙江省哈尔滨市道里区",
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰文军志强海燕春梅"
GROUP_LABELS = [str(label) for label in TargetGroup.labels]


def _id_number(rng: random.Random, region: str) -> str:
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_character(body)


def build_roster(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(["姓名", "身份证号码", "手机号码", "户籍所在地", "人员类别"])
    seen: set[str] = set()
    regions = list(REGIONS.items())
    while len(seen) < rows:
        region, region_name = rng.choice(regions)
        number = _id_number(rng, region)
        if number in seen:
            continue
        seen.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = (
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.9
            else f"023-{rng.randrange(6000_0000, 6999_9999)}"
        )
        groups = "、".join(rng.sample(GROUP_LABELS, rng.choice((0, 0, 1, 1, 2))))
        sheet.append([name, number, phone, region_name if rng.random() < 0.8 else "", groups])
    workbook.save(path)


def fresh_class() -> tuple[TrainingClass, User]:
    """An approved class of a recognised school in 渝中区, with its operator."""
    district = District.objects.get(code="500103")
    occupation, _ = Occupation.objects.get_or_create(
        code="6-18-01-01", defaults={"name": "车工", "major_category": 6}
    )
    body = f"52500103{time.time_ns() % 10**9:09d}X"[:17]
    institution = Institution.objects.create(
        name="基准测试职业培训学校",
        uscc=body + uscc_check_character(body),
        kind=InstitutionKind.DISTRICT_PRIVATE_SCHOOL,
        district=district,
        status=InstitutionStatus.RECOGNISED,
    )
    operator = User.objects.create(
        username=f"bench-{institution.pk}", role=Role.INSTITUTION_OPERATOR, district=district
    )
    institution.members.add(operator)
    training_class = TrainingClass.objects.create(
        institution=institution,
        district=district,
        name="车工中级班（基准测试）",
        occupation=occupation,
        level=4,
        training_type=TrainingType.POST_SKILL,
        schedule_pattern=SchedulePattern.WEEKEND,
        start_date=date(2026, 12, 5),
        end_date=date(2026, 12, 20),
        venue="渝中区",
        teachers="李师傅",
        planned_trainees=ROWS,
        status=ClassStatus.APPROVED,
        approved_on=date(2026, 11, 20),
        standard="1500.00",
        rate="150.00",
        class_hours=60,
        online_rate="60.00",
    )
    return training_class, operator


def read_only(path: Path) -> float:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True)
    for _ in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - started


def run() -> None:
    path = WORKDIR / "roster.xlsx"
    build_roster(path, ROWS, SEED)
    training_class, operator = fresh_class()

    read_seconds = min(read_only(path) for _ in range(2))
    started = time.perf_counter()
    parsed = parse_roster(path, training_class=training_class)
    parsed_at = time.perf_counter()
    result = roster_import(training_class=training_class, actor=operator, roster=parsed)
    import_seconds = time.perf_counter() - started

    saved = Enrolment.objects.filter(training_class=training_class).count()
    assert result.enrolled == saved == ROWS, (result, saved)
    parse_seconds = parsed_at - started
    write_seconds = bare_write(Person, Enrolment)
    floor = read_seconds + write_seconds
    print(
        f"roster: {ROWS} rows imported in {import_seconds:.2f} s "
        f"(read and clean {parse_seconds:.2f} s, check and save {import_seconds - parse_seconds:.2f} s) "
        f"on {connection.vendor}; yardstick {floor:.2f} s (openpyxl read-only read {read_seconds:.2f} s "
        f"+ bare {how()} of the {Person.objects.count():,} persons and {saved:,} enrolments saved "
        f"{write_seconds:.2f} s); ratio {against(import_seconds / floor, 3)}"
    )


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
