"""Attendance uploads: the sign-in sheet workbook (学员签到表) and an online platform's CSV export.

file → rows with their row numbers (`apps.core.tabular.read_table`) → each row checked against the
class's roster and sessions, held in dicts built by one query each → one service call that saves
every row, or TableErrors naming each wrong row and field, with nothing saved.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.classes.models import ClassSession, SessionMode, TrainingClass
from apps.classes.permissions import is_class_operator
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.core.tabular import RowError, TableErrors, column_index, read_rows, safe_cell, safe_row
from apps.rules.figures import figures_on

from ..models import AttendanceSource, Enrolment, EnrolmentStatus, Person
from ..services.attendance import (
    AttendanceRow,
    SaveCounts,
    attendance_save_many,
    attended_minutes,
    future_problem,
    lock_class_for_attendance,
    minutes_problem,
)
from ..services.persons import DOWNLOAD_PURPOSES, personal_data_download_record

if TYPE_CHECKING:
    from apps.accounts.models import User

SHEET_HEADERS = ("日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间")
SHEET_SESSION_HEADERS = ("课次开始时间", "课次")
ONLINE_HEADERS = ("身份证号码", "姓名", "课次日期", "课次开始时间", "学习分钟数")
# IN lists of ID numbers are cut to this size (SQLite's bound-parameter limit).
LOOKUP_CHUNK = 500
OFFLINE = SessionMode.OFFLINE.value

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CLOCK = re.compile(r"(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?")
_SESSION = re.compile(rf"{_CLOCK.pattern}(?:\s*[-–—~至]\s*{_CLOCK.pattern})?")
_STAMP = re.compile(rf"(?:{_DATE.pattern}[\sT]+)?{_CLOCK.pattern}")
# A date, or a date at midnight: what a date typed into a cell formatted as date and time reads as.
_DAY = re.compile(rf"{_DATE.pattern}(?:[\sT]+0?0\s*[:：]\s*00(?:\s*[:：]\s*00)?)?")


@lru_cache(maxsize=4096)
def parse_date(text: str) -> date | None:
    match = _DAY.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _clock(hour: str, minute: str, second: str | None) -> time | None:
    try:
        return time(int(hour), int(minute), int(second or 0))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def parse_session_start(text: str) -> time | None:
    """A session as written in a sheet: its start time, optionally with its end (`09:00-12:00`)."""
    match = _SESSION.fullmatch(text.strip())
    return None if match is None else _clock(*match.groups()[:3])


@lru_cache(maxsize=65536)
def parse_stamp(text: str) -> tuple[date | None, time] | None:
    """A sign-in or sign-out: a time (`08:55`), or a date and a time (`2026-12-05 08:55`)."""
    match = _STAMP.fullmatch(text.strip())
    if match is None:
        return None
    y, m, d, hour, minute, second = match.groups()
    moment = _clock(hour, minute, second)
    if moment is None:
        return None
    if y is None:
        return None, moment
    try:
        return date(int(y), int(m), int(d)), moment
    except ValueError:
        return None


def normalise_id_number(text: str) -> str:
    return text.replace(" ", "").upper()


@dataclass(frozen=True, slots=True)
class RosterEntry:
    enrolment_id: int
    person_id: int
    name: str
    enrolled: bool


class RosterMatcher:
    """Rows to enrolments by ID number, from one query of the class's roster. ID numbers not on
    the roster are explained after the last row ("not enrolled here" or "not registered at all")
    by one more query of the registry, made only when there are such rows."""

    def __init__(
        self, training_class: TrainingClass, *, id_field: str = "身份证号码", name_field: str = "姓名"
    ):
        self.id_field = id_field
        self.name_field = name_field
        self.roster = {
            number: RosterEntry(pk, person_id, name, status == EnrolmentStatus.ENROLLED)
            for pk, person_id, number, name, status in Enrolment.objects.filter(
                training_class=training_class
            ).values_list("pk", "person_id", "person__id_number", "person__name", "status")
        }
        self.missing: list[tuple[int, str]] = []
        # (ID text, name) → the entry, or the error (field, message), or the number not on the
        # roster: a sheet names each trainee once per session.
        self._seen: dict[tuple[str, str], RosterEntry | tuple[str, str] | str] = {}

    def match(self, row: int, id_text: str, name: str, errors: list[RowError]) -> RosterEntry | None:
        key = (id_text, name)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._match(id_text, name)
        if found.__class__ is RosterEntry:
            return found
        if found.__class__ is str:
            self.missing.append((row, found))
        else:
            errors.append(RowError(row, *found))  # type: ignore[misc]
        return None

    def _match(self, id_text: str, name: str) -> RosterEntry | tuple[str, str] | str:
        number = normalise_id_number(id_text)
        if not number:
            return self.id_field, "不能为空"
        entry = self.roster.get(number)
        if entry is None:
            return number
        if not entry.enrolled:
            return self.id_field, f"{entry.name}（{mask_id_number(number)}）已退出本班"
        if name and name.replace(" ", "") != entry.name.replace(" ", ""):
            return self.name_field, f"“{name}”与实名登记的姓名“{entry.name}”不一致"
        return entry

    def missing_errors(self) -> list[RowError]:
        numbers = sorted({number for _, number in self.missing})
        registered: dict[str, str] = {}
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            registered.update(
                Person.objects.filter(id_number__in=numbers[start : start + LOOKUP_CHUNK]).values_list(
                    "id_number", "name"
                )
            )
        errors = []
        for row, number in self.missing:
            if number in registered:
                message = f"{registered[number]}（{mask_id_number(number)}）未报名本班"
            else:
                message = f"{mask_id_number(number)} 不在实名制人员库中，请先办理报名登记"
            errors.append(RowError(row, self.id_field, message))
        return errors


class SessionIndex:
    """The class's sessions by (date, start time), from one query."""

    def __init__(self, training_class: TrainingClass):
        self.by_start: dict[tuple[date, time], ClassSession] = {}
        self.ambiguous: set[tuple[date, time]] = set()
        for session in training_class.sessions.all():
            key = (session.date, session.start_time.replace(second=0))
            if key in self.by_start:
                self.ambiguous.add(key)
            self.by_start[key] = session
        # The texts of a row → its session (or None) and its errors (field, message).
        self._seen: dict[tuple[str, str, str, str], tuple[ClassSession | None, list[tuple[str, str]]]] = {}

    def find(
        self,
        row: int,
        day_text: str,
        start_text: str,
        errors: list[RowError],
        *,
        day_field: str,
        start_field: str,
    ) -> ClassSession | None:
        key = (day_text, start_text, day_field, start_field)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._find(day_text, start_text, day_field, start_field)
        session, problems = found
        for field, message in problems:
            errors.append(RowError(row, field, message))
        return session

    def _find(
        self, day_text: str, start_text: str, day_field: str, start_field: str
    ) -> tuple[ClassSession | None, list[tuple[str, str]]]:
        day = parse_date(day_text) if day_text else None
        start = parse_session_start(start_text) if start_text else None
        problems = []
        if day is None:
            problems.append(
                (day_field, "不能为空" if not day_text else f"“{day_text}”不是有效日期，应为 YYYY-MM-DD")
            )
        if start is None:
            problems.append(
                (start_field, "不能为空" if not start_text else f"“{start_text}”不是有效时间，应为 HH:MM")
            )
        if day is None or start is None:
            return None, problems
        key = (day, start.replace(second=0))
        session = self.by_start.get(key)
        if session is None:
            problems.append((start_field, f"本班没有 {day:%Y-%m-%d} {start:%H:%M} 开始的课次"))
        elif key in self.ambiguous:
            problems.append(
                (start_field, f"本班有不止一个 {day:%Y-%m-%d} {start:%H:%M} 开始的课次，请联系审核人员")
            )
            return None, problems
        return session, problems


@dataclass(frozen=True)
class ParsedAttendance:
    rows: list[AttendanceRow]
    skipped: int


class _Stamps:
    """Sign-in and sign-out texts to aware datetimes, each distinct text and moment once."""

    def __init__(self) -> None:
        self._aware: dict[datetime, datetime] = {}

    def read(
        self, row: int, text: str, field: str, day: date | None, errors: list[RowError]
    ) -> datetime | None:
        """The naive local moment written, on `day` when only a time is written."""
        if not text:
            errors.append(RowError(row, field, "不能为空：签到时间和签退时间须同时填写，均未填写表示缺勤"))
            return None
        parsed = parse_stamp(text)
        if parsed is None:
            if parse_date(text) is not None:
                problem = f"“{text}”只有日期，缺少时刻，应为 HH:MM 或 YYYY-MM-DD HH:MM"
            else:
                problem = f"“{text}”不是有效时间，应为 HH:MM 或 YYYY-MM-DD HH:MM"
            errors.append(RowError(row, field, problem))
            return None
        on, moment = parsed
        when = on or day
        if when is None:
            return None  # the session's date is wrong; that error is already reported
        return datetime.combine(when, moment)

    def aware(self, moment: datetime) -> datetime:
        try:
            return self._aware[moment]
        except KeyError:
            self._aware[moment] = value = timezone.make_aware(moment)
            return value


def _duplicate(
    seen: dict[tuple[int, int], int], key: tuple[int, int], row: int, field: str, errors: list[RowError]
) -> bool:
    first = seen.setdefault(key, row)
    if first != row:
        errors.append(RowError(row, field, f"与第 {first} 行是同一学员的同一课次"))
        return True
    return False


def parse_sign_in_sheet(
    source: str | Path | IO[bytes], *, filename: str, training_class: TrainingClass
) -> ParsedAttendance:
    """Rows of a sign-in sheet; minutes are sign-out − sign-in, clipped to the session. A row with
    neither time is an absence and is skipped. Raises TableErrors listing every wrong row."""
    if Path(filename).suffix.lower() != ".xlsx":
        raise ApplicationError("学员签到表须为 .xlsx 文件，请使用下载的模板填写", field="file")
    roster = RosterMatcher(training_class)
    sessions = SessionIndex(training_class)
    stamps = _Stamps()
    errors: list[RowError] = []
    rows: list[AttendanceRow] = []
    seen: dict[tuple[int, int], int] = {}
    skipped = 0
    today = dates.today()
    table = read_rows(source, filename=filename, kind="sign_in_sheet")
    _, header = next(table)
    column = column_index(header, SHEET_HEADERS, SHEET_SESSION_HEADERS)
    session_field = "课次开始时间" if "课次开始时间" in column else "课次"
    pick = itemgetter(
        *(column[h] for h in ("日期", session_field, "姓名", "身份证号码", "签到时间", "签退时间"))
    )
    for number, cells in table:
        day_text, session_text, name, id_text, in_text, out_text = pick(cells)
        if not in_text and not out_text:
            skipped += 1
            continue
        count = len(errors)
        entry = roster.match(number, id_text, name, errors)
        session = sessions.find(
            number, day_text, session_text, errors, day_field="日期", start_field=session_field
        )
        if session is not None and (problem := future_problem(session, today)):
            errors.append(RowError(number, "日期", problem))
        day = session.date if session is not None else parse_date(day_text)
        signed_in = stamps.read(number, in_text, "签到时间", day, errors)
        signed_out = stamps.read(number, out_text, "签退时间", day, errors)
        if signed_in is not None and signed_out is not None and signed_out < signed_in:
            errors.append(
                RowError(number, "签退时间", f"签退时间 {signed_out:%H:%M} 早于签到时间 {signed_in:%H:%M}")
            )
        if len(errors) > count or entry is None or session is None or signed_in is None or signed_out is None:
            continue
        if _duplicate(seen, (session.pk, entry.enrolment_id), number, "身份证号码", errors):
            continue
        rows.append(
            AttendanceRow(
                session,
                entry.enrolment_id,
                entry.person_id,
                attended_minutes(session, signed_in, signed_out),
                session.mode,
                stamps.aware(signed_in),
                stamps.aware(signed_out),
            )
        )
    return _finish(rows, skipped, errors + roster.missing_errors())


def parse_online_export(
    source: str | Path | IO[bytes], *, filename: str, training_class: TrainingClass
) -> ParsedAttendance:
    """Rows of an online platform's export: learning minutes per trainee per online session."""
    if Path(filename).suffix.lower() != ".csv":
        raise ApplicationError("线上平台导出文件须为 UTF-8 编码的 .csv 文件", field="file")
    roster = RosterMatcher(training_class)
    sessions = SessionIndex(training_class)
    errors: list[RowError] = []
    rows: list[AttendanceRow] = []
    seen: dict[tuple[int, int], int] = {}
    today = dates.today()
    table = read_rows(source, filename=filename, kind="online_attendance")
    _, header = next(table)
    column = column_index(header, ONLINE_HEADERS)
    pick = itemgetter(*(column[h] for h in ONLINE_HEADERS))
    for number, cells in table:
        id_text, name, day_text, start_text, text = pick(cells)
        count = len(errors)
        entry = roster.match(number, id_text, name, errors)
        session = sessions.find(
            number, day_text, start_text, errors, day_field="课次日期", start_field="课次开始时间"
        )
        if session is not None and (problem := future_problem(session, today)):
            errors.append(RowError(number, "课次日期", problem))
        if session is not None and session.mode == OFFLINE:
            errors.append(
                RowError(number, "课次开始时间", f"{session} 为线下课次，线上平台的学习记录不能导入")
            )
        minutes = int(text) if text.isascii() and text.isdigit() else None
        if minutes is None:
            problem = "不能为空" if not text else f"“{text}”应为不小于 0 的整数分钟"
            errors.append(RowError(number, "学习分钟数", problem))
        elif session is not None and (problem := minutes_problem(session, minutes)):
            errors.append(RowError(number, "学习分钟数", problem))
        if len(errors) > count or entry is None or session is None or minutes is None:
            continue
        if _duplicate(seen, (session.pk, entry.enrolment_id), number, "身份证号码", errors):
            continue
        rows.append(AttendanceRow(session, entry.enrolment_id, entry.person_id, minutes, session.mode))
    return _finish(rows, 0, errors + roster.missing_errors())


def _finish(rows: list[AttendanceRow], skipped: int, errors: list[RowError]) -> ParsedAttendance:
    if errors:
        raise TableErrors(sorted(errors, key=lambda e: e.row))
    if not rows and not skipped:
        raise TableErrors([RowError(2, "", "文件中没有数据行")])
    return ParsedAttendance(rows, skipped)


PARSERS = {
    AttendanceSource.SIGN_IN_SHEET: (parse_sign_in_sheet, "导入学员签到表"),
    AttendanceSource.ONLINE_PLATFORM: (parse_online_export, "导入线上平台学习记录"),
}


@transaction.atomic
def attendance_import(
    *, actor: User, training_class: TrainingClass, source: Any, filename: str, kind: str
) -> SaveCounts:
    """Import a sign-in sheet (`kind` sign_in_sheet) or an online export (online_platform) into
    `training_class`: every row, or nothing and TableErrors."""
    training_class = lock_class_for_attendance(actor=actor, training_class=training_class)
    parse, label = PARSERS[AttendanceSource(kind)]
    parsed = parse(source, filename=filename, training_class=training_class)
    return attendance_save_many(
        actor=actor,
        training_class=training_class,
        rows=parsed.rows,
        source=kind,
        reason=f"{label}（{Path(filename).name}）",
        skipped=parsed.skipped,
    )


@transaction.atomic
def sign_in_sheet_template(*, actor: User, training_class: TrainingClass) -> bytes:
    """The class's sign-in sheet to fill in, for its own operators only: it holds full ID
    numbers (the operators need them to match), so it is marked 内部资料 and every download is
    logged, one PersonalDataView per trainee in it."""
    if not is_class_operator(actor, training_class):
        raise PermissionDenied("只有本班培训机构的经办人可以下载学员签到表模板")
    content, persons = _sign_in_sheet(training_class)
    personal_data_download_record(
        viewer=actor, person_ids=persons, purpose=DOWNLOAD_PURPOSES["sign_in_sheet"]
    )
    return content


def _sign_in_sheet(training_class: TrainingClass) -> tuple[bytes, list[int]]:
    """The workbook: one row per session and enrolled trainee; and the persons in it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{training_class.name} 学员签到表"
    workbook.properties.keywords = "内部资料"
    workbook.properties.subject = "内部资料：含完整身份证号码，仅供本机构经办人使用，不得外传"
    sheet = workbook.create_sheet("学员签到表（内部资料）")
    sheet.oddHeader.center.text = "内部资料 注意保密"
    sheet.oddFooter.center.text = f"{training_class.name} 学员签到表 · 第 &P 页"
    for letter, width in zip("ABCDEF", (12, 14, 12, 22, 18, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    # Text for the ID numbers (Excel would round 18 digits); times as times. The import reads a
    # time cell, a date-time cell (a sign-out on another day) and text alike.
    sheet.column_dimensions["D"].number_format = "@"
    for letter in "EF":
        sheet.column_dimensions[letter].number_format = "hh:mm"
    bold = Font(bold=True)
    header = []
    for title in SHEET_HEADERS:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    trainees = list(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .order_by("pk")
        .values_list("person_id", "person__name", "person__id_number")
    )
    sessions = list(training_class.sessions.all())
    for session in sessions:
        day, start = f"{session.date:%Y-%m-%d}", f"{session.start_time:%H:%M}"
        for _, name, number in trainees:
            sheet.append(safe_row([day, start, name, number, None, None]))
    notes = workbook.create_sheet("填写说明")
    figures = figures_on(training_class.approved_on or dates.today())
    for line in (
        ["内部资料：本表含学员完整身份证号码，仅供本机构经办人使用，不得外传。"],
        [f"班级：{training_class.name}（编号 {training_class.pk}）"],
        ["签到时间、签退时间填写 HH:MM（如 08:55），跨日签到请写 YYYY-MM-DD HH:MM。"],
        ["两项均留空表示缺勤，该行不导入；只填一项为错误。"],
        [
            "出勤分钟 = 签退 − 签到，只计课次时间内的部分；"
            f"每 {figures.class_hour_minutes} 分钟折合 1 课时 (R2.1)。"
        ],
        ["请勿修改日期、课次开始时间、身份证号码；任一行有错误则整个文件不导入。"],
    ):
        notes.append(safe_row(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    persons = [person for person, _, _ in trainees] if sessions else []  # no session, no row
    return buffer.getvalue(), persons
