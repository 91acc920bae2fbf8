"""The roster (花名册) as an Excel interface: the downloadable template, and an uploaded file
read into cleaned entries with every format error named by row and column.

The checks that need the database (the registry, other enrolments, the class) are the
service's (services.enrolment.roster_import), which reports its errors the same way.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from apps.classes.models import TrainingClass, TrainingType
from apps.core.tabular import RowError, TableErrors, read_rows, safe_row
from apps.core.uploads import limits
from apps.rules.enterprise import TRAINEE_RELATIONS
from apps.rules.identity import today_in_china

from ..models import TargetGroup
from ..services.enrolment import (
    FIELD_LABELS,
    ParsedRoster,
    enrolment_input_or_errors,
    relation_key,
    relation_problems,
)

# A roster is one class: planned trainees are at most 10,000 (classes.forms.ClassForm); the
# upload's row cap is settings.IMPORT_MAX_ROWS["roster"] (apps.core.uploads).
KIND = "roster"
COLUMNS = ("name", "id_number", "phone", "household_region", "groups")
ENTERPRISE_COLUMNS = (*COLUMNS, "relation")
REQUIRED = ("name", "id_number")
EXAMPLE = {
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "household_region": "重庆市渝中区",
    "groups": "登记失业人员、农村转移就业劳动者",
    "relation": TRAINEE_RELATIONS["employee"],
}
NOTES = {
    "name": "必填，与身份证一致。",
    "id_number": "必填，18 位居民身份证号码，任何省份均可（末位 x 按 X 处理，15 位旧号码不予受理）；"
    "性别和出生日期由号码自动得出。请保持本列为文本格式。",
    "phone": "选填，11 位手机号码或带区号的固定电话（如 023-63891234）。",
    "household_region": "选填，仅用于统计，不作为参训或补贴条件。",
    "groups": "选填，可填多个，用“、”分隔：" + "、".join(str(label) for label in TargetGroup.labels),
    "relation": "必填（企业职工培训班），填写以下之一：" + "；".join(TRAINEE_RELATIONS.values()),
}


def roster_columns(training_class: TrainingClass) -> tuple[str, ...]:
    if training_class.training_type == TrainingType.ENTERPRISE_STAFF:
        return ENTERPRISE_COLUMNS
    return COLUMNS


def parse_roster(
    source: str | Path | IO[bytes], *, training_class: TrainingClass, filename: str | None = None
) -> ParsedRoster:
    """Read every row of an uploaded roster (.xlsx, or UTF-8 .csv) and clean it. A missing
    column or an empty file raise TableErrors at once, a file over its caps ApplicationError
    (apps.core.uploads); row errors are collected."""
    name = str(filename or getattr(source, "name", str(source)))
    roster = ParsedRoster(filename=Path(name).name)
    required = REQUIRED if "relation" not in roster_columns(training_class) else (*REQUIRED, "relation")
    today = today_in_china()
    table = read_rows(source, filename=name, kind=KIND)
    _, header = next(table)
    column = {label: position for position, label in enumerate(header)}
    missing = [FIELD_LABELS[key] for key in required if FIELD_LABELS[key] not in column]
    if missing:
        raise TableErrors([RowError(1, "", f"缺少必需的列：{'、'.join(missing)}（请使用本班的花名册模板）")])
    # Each field's column, or None for an optional column the file leaves out.
    positions = {key: column.get(FIELD_LABELS[key]) for key in ENTERPRISE_COLUMNS}
    rows = 0
    for number, cells in table:
        rows += 1
        values = {key: "" if at is None else cells[at] for key, at in positions.items()}
        entry, errors = enrolment_input_or_errors(**values, row=number, on=today)
        if entry is None:
            roster.errors.extend(RowError(number, FIELD_LABELS[e.field or "name"], e.message) for e in errors)
            identity = {
                "id_number": values["id_number"],
                "name": values["name"],
                "relation": values["relation"],
            }
            fallback, _ = enrolment_input_or_errors(**identity, row=number, on=today)
            if fallback is not None:
                roster.checked_only.append(fallback)
            else:
                roster.errors.extend(
                    RowError(number, FIELD_LABELS[p.field], p.message)
                    for p in relation_problems(training_class, relation_key(values["relation"]))
                )
        else:
            roster.entries.append(entry)
    if rows == 0:
        raise TableErrors([RowError(2, "", "文件中没有数据行：请从第 2 行起每行填写一名学员")])
    return roster


def roster_template(training_class: TrainingClass) -> bytes:
    """The class's roster template: sheet 花名册 with the header row (ID and phone columns as
    text), sheet 填写说明 with the header row, one example row and a note per column."""
    columns = roster_columns(training_class)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), "a new workbook has one worksheet"
    sheet.title = "花名册"
    sheet.append(safe_row([FIELD_LABELS[key] for key in columns]))
    for index, key in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = 40 if key in {"groups", "relation"} else 22
        if key in {"id_number", "phone"}:
            # Text, so Excel keeps all 18 digits and the leading 0 of an area code.
            sheet.column_dimensions[letter].number_format = "@"
        if key == "relation":
            choices = DataValidation(
                type="list", formula1='"' + ",".join(TRAINEE_RELATIONS.values()) + '"', allow_blank=False
            )
            choices.add(f"{letter}2:{letter}{limits(KIND).max_rows + 1}")
            sheet.add_data_validation(choices)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(safe_row([FIELD_LABELS[key] for key in columns]))
    notes.append(safe_row([EXAMPLE[key] for key in columns]))
    notes.append(safe_row([]))
    notes.append(
        safe_row([f"填写说明（{training_class.name}，{training_class.get_training_type_display()}）"])
    )
    for key in columns:
        notes.append(safe_row([FIELD_LABELS[key], NOTES[key]]))
    notes.append(safe_row(["", "上面第 2 行是示例。请在“花名册”工作表中从第 2 行起每行填写一名学员。"]))
    notes.append(safe_row(["", "任何一行有错误则整个文件不导入，请按提示的行号和列名更正后重新上传。"]))
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
