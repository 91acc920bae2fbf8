"""Enterprise claim rosters as an Excel interface: the template of each enterprise claim kind
(以工代训 workers and their months, apprentices, trainees of an enterprise's own training), and an
uploaded roster read into the rows of the hand form.

Each row is checked by the hand form's own row form (`WorkerForm`, `ApprenticeForm`,
`EnterpriseTraineeForm`) and the registry's checks (R11.1 ID numbers, a registered name, a number
twice in the file), every row and every field before anything is reported; then the claim is
created by the same services as the hand form (`claim_create_with_persons` and
`claim_create_work_for_training` / `_apprenticeship` / `_enterprise_direct`), all or nothing.
A roster of thousands of workers cannot be typed into a page (and would pass Django's cap on the
number of form fields), so it comes this way.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django import forms
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from apps.core import dates
from apps.core.tabular import RowError, TableErrors, column_index, read_rows, safe_row
from apps.core.uploads import limits
from apps.rules.apprenticeship import EARLY_END_LABELS
from apps.rules.enterprise import TRAINEE_RELATIONS
from apps.rules.figures import figures_on
from apps.trainees.imports.attendance import parse_date
from apps.trainees.services.persons import name_mismatch, person_input_or_errors, persons_existing

from .forms import ApprenticeForm, EnterpriseTraineeForm, WorkerForm
from .models import Claim
from .services.filing import PersonRow, claim_create_with_persons, claim_file

if TYPE_CHECKING:
    from apps.accounts.models import User

# One claim's roster; the largest employers file a few thousand workers a year. The upload's row
# cap is settings.IMPORT_MAX_ROWS["claims"] (apps.core.uploads).
KIND = "claims"
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}
# A month as typed (2021-10, 2021/10, 2021年10月) or as Excel keeps it (a date, perhaps at midnight).
_MONTH = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?(?:[\sT]+0?0:00(?::00)?)?"
)


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the row form's field ("" for none)
    kind: str = "text"  # text, month, date, yes_no, relation, early_end
    required: bool = True
    note: str = ""  # may name the rules' figures in force, as {f.<name>} (apps.rules.figures)
    example: str = ""
    default: str = ""  # what a blank cell means


ID = Column(
    "身份证号码", "id_number", note="必填，18 位居民身份证号码，任何省份均可 (R8.4)；请保持本列为文本格式。"
)
NAME = Column("姓名", "name", note="必填，与身份证一致；首次出现的人员自动进行实名登记 (R8.3)。")


@dataclass(frozen=True)
class RosterKind:
    """One enterprise claim kind's roster: its URL slug, title, row form and columns."""

    slug: str
    title: str
    form: type[forms.Form]
    columns: tuple[Column, ...]
    sheet: str
    examples: tuple[str, ...] = ()

    def row_form(self, data: dict[str, str], stage: str) -> forms.Form:
        if self.form is ApprenticeForm:
            return ApprenticeForm(data, stage=stage)
        return self.form(data)


KINDS: dict[str, RosterKind] = {
    "work-for-training": RosterKind(
        "work-for-training",
        "以工代训补贴申领",
        WorkerForm,
        (
            ID,
            NAME,
            Column("起始月份", "month_from", "month", note="必填，YYYY-MM，如 2021-10。", example="2021-10"),
            Column(
                "结束月份",
                "month_to",
                "month",
                note="必填，YYYY-MM；{f.work_for_training_last_month}以后的月份不予补贴 (R3.1)。",
                example="2021-12",
            ),
        ),
        "以工代训职工名单",
    ),
    "apprenticeship": RosterKind(
        "apprenticeship",
        "企业新型学徒制补贴申领",
        ApprenticeForm,
        (
            ID,
            NAME,
            Column("开始日期", "start", "date", note="必填，YYYY-MM-DD。", example="2021-03-01"),
            Column("计划结束日期", "end", "date", note="必填，YYYY-MM-DD。", example="2022-02-28"),
            Column("计划培训月数", "planned_months", note="必填，1–60 的整数。", example="12"),
            Column(
                "已完成主要课程并取得证书",
                "passed",
                "yes_no",
                required=False,
                note="选填，是/否，留空为否。",
                example="是",
            ),
            Column(
                "实际培训月数",
                "actual_months",
                required=False,
                note="提前结束时必填 (R5.3)，整数。",
            ),
            Column(
                "提前结束原因",
                "early_end",
                "early_end",
                required=False,
                note="提前结束时必填：" + "、".join(EARLY_END_LABELS.values()) + " (R5.3)。",
            ),
            Column(
                "其他原因说明",
                "early_end_reason",
                required=False,
                note="提前结束原因为“其他原因”时必填 (R5.3)。",
            ),
        ),
        "学徒名单",
    ),
    "enterprise": RosterKind(
        "enterprise",
        "企业职工培训直补申领",
        EnterpriseTraineeForm,
        (
            ID,
            NAME,
            Column(
                "与企业的关系",
                "relation",
                "relation",
                note="必填，填写以下之一 (R4.2)：" + "；".join(TRAINEE_RELATIONS.values()),
                example=TRAINEE_RELATIONS["employee"],
            ),
            Column("线下实到课时", "attended_offline", note="必填，不小于 0 的整数。", example="60"),
            Column(
                "线上实到课时",
                "attended_online",
                required=False,
                note="选填，整数，留空为 0。",
                example="0",
                default="0",
            ),
            Column(
                "考核合格并取得证书",
                "passed",
                "yes_no",
                required=False,
                note="选填，是/否，留空为否。",
                example="是",
            ),
        ),
        "参训职工名单",
    ),
}
EXAMPLE_PERSON = {"id_number": "11010519491231002X", "name": "张三"}
RELATION_BY_TEXT = {label: key for key, label in TRAINEE_RELATIONS.items()} | {
    k: k for k in TRAINEE_RELATIONS
}
EARLY_END_BY_TEXT = {label: key for key, label in EARLY_END_LABELS.items()} | {k: k for k in EARLY_END_LABELS}


@dataclass(frozen=True)
class RosterRow:
    """One checked row: its number in the file, the person as typed, the row form's data."""

    row: int
    person: PersonRow
    data: dict[str, Any]


@dataclass
class ParsedClaimRoster:
    rows: list[RosterRow] = field(default_factory=list)
    filename: str = ""


def roster_kind(slug: str) -> RosterKind:
    return KINDS[slug]


def _month(text: str) -> str:
    match = _MONTH.fullmatch(text.strip())
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}" if match else text


def _convert(column: Column, text: str, row: int, errors: list[RowError]) -> str:
    """A cell as the row form expects it; an error here when the form would not say it well."""
    if not text and column.default:
        return column.default
    if column.kind == "month":
        return _month(text)
    if column.kind == "date":
        day = parse_date(text) if text else None
        return day.isoformat() if day else text
    if column.kind == "yes_no":
        word = text.strip().lower()
        if word in YES:
            return "on"
        if word not in NO:
            errors.append(RowError(row, column.header, f"“{text}”应填写 是 或 否"))
        return ""
    if column.kind == "relation":
        if text and text not in RELATION_BY_TEXT:
            allowed = "；".join(TRAINEE_RELATIONS.values())
            errors.append(
                RowError(row, column.header, f"“{text}”不在企业职工培训的人员范围内，应为：{allowed} (R4.2)")
            )
        return RELATION_BY_TEXT.get(text, "")
    if column.kind == "early_end":
        if text and text not in EARLY_END_BY_TEXT:
            allowed = "、".join(EARLY_END_LABELS.values())
            errors.append(RowError(row, column.header, f"“{text}”应为 {allowed} 之一 (R5.3)"))
        return EARLY_END_BY_TEXT.get(text, "")
    return text


def parse_claim_roster(
    source: str | Path | IO[bytes], *, filename: str, kind: RosterKind, stage: str = ""
) -> ParsedClaimRoster:
    """Every row and every field checked; TableErrors naming each wrong row and column, all at
    once, or the rows ready for the claim services. `stage` is an apprenticeship's stage (the
    early-end columns are required only for an early end, as on the hand form)."""
    roster = ParsedClaimRoster(filename=Path(filename).name)
    table = read_rows(source, filename=filename, kind=KIND)
    _, header = next(table)
    column = column_index(header, tuple(c.header for c in kind.columns if c.required))
    labels = {c.field: c.header for c in kind.columns}
    errors: list[RowError] = []
    first: dict[str, int] = {}
    numbers: dict[int, tuple[str, str]] = {}  # row → (ID number, name), cleaned
    count = 0
    for number, cells in table:
        count += 1
        row_errors: list[RowError] = []
        data = {
            c.field: _convert(c, cells[column[c.header]] if c.header in column else "", number, row_errors)
            for c in kind.columns
        }
        form = kind.row_form(data, stage)
        if not form.is_valid():
            reported = {e.field for e in row_errors}
            for name, messages in form.errors.items():
                label = labels.get(name, "")
                if label in reported:
                    continue
                # The first message of a field: "required", not also "should be YYYY-MM".
                row_errors.append(RowError(number, label, str(messages[0])))
        person, problems = person_input_or_errors(id_number=data["id_number"], name=data["name"])
        for problem in problems:
            label = labels["name"] if problem.field == "name" else labels["id_number"]
            if not any(e.field == label for e in row_errors):
                row_errors.append(RowError(number, label, problem.message))
        if person is not None:
            earlier = first.setdefault(person.id_number, number)
            if earlier != number:
                row_errors.append(RowError(number, labels["id_number"], f"与第 {earlier} 行重复"))
            numbers[number] = (person.id_number, person.name)
        errors.extend(row_errors)
        if not row_errors:
            roster.rows.append(
                RosterRow(number, PersonRow(data["id_number"], data["name"]), form.cleaned_data)
            )
    if count == 0:
        raise TableErrors([RowError(2, "", "文件中没有数据行：请从第 2 行起每行填写一人")])
    # A number registered under another name: one query for the whole file.
    registered = persons_existing(number for number, _ in numbers.values())
    for row in roster.rows:
        id_number, name = numbers[row.row]
        known = registered.get(id_number)
        message = known and name_mismatch(known, name)
        if message:
            errors.append(RowError(row.row, labels["name"], message))
    if errors:
        raise TableErrors(sorted(errors, key=lambda e: e.row))
    return roster


def claim_create_from_rows(
    *, actor: User, kind: RosterKind, header: dict[str, Any], rows: list[RosterRow]
) -> Claim:
    """The claim draft of `kind` for the header form's data and the checked rows, by the same
    services as the hand form: register or find each person, then create the claim, in one
    transaction."""
    return claim_create_with_persons(
        rows=[row.person for row in rows],
        create=lambda persons: claim_file(
            actor=actor, kind=kind.slug, header=header, rows=[row.data for row in rows], persons=persons
        ),
    )


def claim_roster_template(kind: RosterKind) -> bytes:
    """The kind's roster template: the data sheet with its header (the ID column as text, drop-down
    lists where the values are fixed), and sheet 填写说明 with an example row and a note per column."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), "a new workbook has one worksheet"
    sheet.title = kind.sheet
    sheet.append(safe_row([c.header for c in kind.columns]))
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if column.kind == "relation" else 20
        if column.kind in {"text", "month"} and column.field in {"id_number", "month_from", "month_to"}:
            # Text, so Excel keeps all 18 digits and does not turn 2021-10 into a date.
            sheet.column_dimensions[letter].number_format = "@"
        choices = {
            "relation": list(TRAINEE_RELATIONS.values()),
            "early_end": list(EARLY_END_LABELS.values()),
            "yes_no": ["是", "否"],
        }.get(column.kind)
        if choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{limits(KIND).max_rows + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(safe_row([c.header for c in kind.columns]))
    notes.append(safe_row([EXAMPLE_PERSON.get(c.field, c.example) for c in kind.columns]))
    notes.append(safe_row([]))
    notes.append(safe_row([f"填写说明（{kind.title}）"]))
    figures = figures_on(dates.today())
    for column in kind.columns:
        notes.append(safe_row([column.header, column.note.format(f=figures)]))
    notes.append(
        safe_row(
            [
                "",
                f"上面第 2 行是示例。请在“{kind.sheet}”工作表中从第 2 行起每行填写一人，"
                f"最多 {limits(KIND).max_rows:,} 人。",
            ]
        )
    )
    notes.append(safe_row(["", "任何一行有错误则不生成申领，请按提示的行号和列名更正后重新上传。"]))
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
