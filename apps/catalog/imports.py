"""Occupation catalogue upload: file → typed rows, each validated with its row number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from apps.core.tabular import RowError, TableErrors, read_table

from .models import OCCUPATION_CODE_PATTERN

# Accepted headers: our English column names and the Chinese ones officers use.
HEADERS = {
    "code": ("code", "职业编码"),
    "name": ("name", "职业名称"),
    "major_category": ("major_category", "大类"),
    "new_occupation": ("new_occupation", "新职业"),
    "published_on": ("published_on", "new_batch_date", "发布日期"),
    "assessment_type": ("assessment_type", "鉴定评价类"),
    "edition": ("edition", "大典版本"),
    "note": ("note", "备注"),
}
REQUIRED = ("code", "name", "major_category")
LABELS = {
    "code": "职业编码",
    "name": "职业名称",
    "major_category": "大类",
    "new_occupation": "新职业",
    "published_on": "发布日期",
    "assessment_type": "鉴定评价类",
    "edition": "大典版本",
    "note": "备注",
}
TRUE_WORDS = {"yes", "y", "true", "1", "是"}
FALSE_WORDS = {"no", "n", "false", "0", "否", ""}
CODE_RE = re.compile(OCCUPATION_CODE_PATTERN)


@dataclass(frozen=True)
class OccupationRow:
    row: int
    code: str
    name: str
    major_category: int
    is_new: bool
    new_published_on: date | None
    is_assessment_type: bool
    edition: str
    note: str


def _pick(raw: dict[str, str], field: str) -> str | None:
    for header in HEADERS[field]:
        if header in raw:
            return raw[header]
    return None


def _flag(value: str | None, row: int, field: str, errors: list[RowError]) -> bool:
    word = (value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(RowError(row, LABELS[field], f"“{value}”应为 是/否"))
    return False


def _date(value: str | None, row: int, field: str, errors: list[RowError]) -> date | None:
    text = (value or "").strip()[:10]
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return date.fromisoformat(text + "-01")
        return date.fromisoformat(text)
    except ValueError:
        errors.append(RowError(row, LABELS[field], f"“{value}”不是有效日期，应为 YYYY-MM-DD 或 YYYY-MM"))
        return None


def parse_occupation_rows(
    source: str | Path | IO[bytes], *, filename: str | None = None
) -> list[OccupationRow]:
    """Parse and validate every row; raise TableErrors listing all errors, or return all rows."""
    errors: list[RowError] = []
    rows: list[OccupationRow] = []
    seen: dict[str, int] = {}
    header_checked = False
    for number, raw in read_table(source, filename=filename, kind="occupations"):
        if not header_checked:
            missing = [LABELS[f] for f in REQUIRED if _pick(raw, f) is None]
            if missing:
                raise TableErrors([RowError(1, "", f"缺少必需的列：{'、'.join(missing)}")])
            header_checked = True
        row_errors: list[RowError] = []
        code = (_pick(raw, "code") or "").strip()
        name = (_pick(raw, "name") or "").strip()
        category_text = (_pick(raw, "major_category") or "").strip()
        if not code:
            row_errors.append(RowError(number, LABELS["code"], "不能为空"))
        elif not CODE_RE.match(code):
            row_errors.append(
                RowError(number, LABELS["code"], f"“{code}”格式错误，应为 N-NN-NN-NN（大类 1–8）")
            )
        elif code in seen:
            row_errors.append(RowError(number, LABELS["code"], f"“{code}”与第 {seen[code]} 行重复"))
        else:
            seen[code] = number
        if not name:
            row_errors.append(RowError(number, LABELS["name"], "不能为空"))
        elif len(name) > 64:
            row_errors.append(RowError(number, LABELS["name"], "超过 64 个字符"))
        category = 0
        if not category_text.isdigit() or not 1 <= int(category_text) <= 8:
            row_errors.append(RowError(number, LABELS["major_category"], f"“{category_text}”应为 1–8 的整数"))
        else:
            category = int(category_text)
            if CODE_RE.match(code) and int(code[0]) != category:
                row_errors.append(
                    RowError(
                        number, LABELS["major_category"], f"大类 {category} 与职业编码 {code} 的首位不一致"
                    )
                )
        is_new = _flag(_pick(raw, "new_occupation"), number, "new_occupation", row_errors)
        published = _date(_pick(raw, "published_on"), number, "published_on", row_errors)
        if is_new and published is None and not any(e.field == LABELS["published_on"] for e in row_errors):
            row_errors.append(RowError(number, LABELS["published_on"], "新职业须填写人社部发布日期"))
        assessment = _flag(_pick(raw, "assessment_type"), number, "assessment_type", row_errors)
        errors.extend(row_errors)
        if not row_errors:
            rows.append(
                OccupationRow(
                    row=number,
                    code=code,
                    name=name,
                    major_category=category,
                    is_new=is_new,
                    new_published_on=published if is_new else None,
                    is_assessment_type=assessment,
                    edition=(_pick(raw, "edition") or "").strip()[:16],
                    note=(_pick(raw, "note") or "").strip()[:200],
                )
            )
    if not header_checked and not errors:
        raise TableErrors([RowError(2, "", "文件中没有数据行")])
    if errors:
        raise TableErrors(errors)
    return rows
