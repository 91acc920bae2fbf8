"""Results upload: an .xlsx with 姓名, 身份证号码, 考核结果, 证书类型, 证书编号, 发证日期 per trainee,
checked row by row against the class's roster (one query); saved all at once or not at all."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.classes.models import TrainingClass
from apps.classes.permissions import is_class_operator
from apps.core.errors import ApplicationError
from apps.core.tabular import RowError, TableErrors, read_table, safe_row

from ..imports.attendance import RosterMatcher, parse_date
from ..models import CertificateType, Enrolment, EnrolmentStatus, Outcome
from ..services.attendance import SaveCounts
from ..services.persons import DOWNLOAD_PURPOSES, personal_data_download_record
from ..services.results import ResultRow, lock_class_for_results, result_problems, results_save_many

if TYPE_CHECKING:
    from apps.accounts.models import User

RESULT_HEADERS = ("姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期")
FIELD_HEADERS = {
    "outcome": "考核结果",
    "certificate_type": "证书类型",
    "certificate_number": "证书编号",
    "certificate_date": "发证日期",
}
OUTCOME_WORDS = {str(label): value for value, label in Outcome.choices}
CERTIFICATE_WORDS = {str(label): value for value, label in CertificateType.choices} | {
    "培训合格证书": CertificateType.COMPLETION,
    "培训合格证书(结业)": CertificateType.COMPLETION,
    "结业证书": CertificateType.COMPLETION,
}


def parse_results(
    source: str | Path | IO[bytes], *, filename: str, training_class: TrainingClass
) -> list[ResultRow]:
    """Every row checked; TableErrors naming each wrong row and field, or all rows."""
    if Path(filename).suffix.lower() != ".xlsx":
        raise ApplicationError("考核结果须为 .xlsx 文件，请使用下载的模板填写", field="file")
    roster = RosterMatcher(training_class)
    errors: list[RowError] = []
    rows: list[ResultRow] = []
    seen: dict[int, int] = {}
    numbers: dict[str, int] = {}
    header_checked = False
    for number, raw in read_table(source, filename=filename, kind="results"):
        if not header_checked:
            missing = [h for h in RESULT_HEADERS if h not in raw]
            if missing:
                raise TableErrors([RowError(1, "", f"缺少必需的列：{'、'.join(missing)}")])
            header_checked = True
        count = len(errors)
        entry = roster.match(number, raw["身份证号码"], raw["姓名"], errors)
        outcome_text = raw["考核结果"]
        outcome = OUTCOME_WORDS.get(outcome_text)
        if outcome is None:
            problem = "不能为空" if not outcome_text else f"“{outcome_text}”应为 合格、不合格 或 缺考"
            errors.append(RowError(number, "考核结果", problem))
        type_text = raw["证书类型"]
        certificate_type = CERTIFICATE_WORDS.get(type_text.replace(" ", ""), type_text)
        date_text = raw["发证日期"]
        certificate_date = parse_date(date_text) if date_text else None
        bad_date = bool(date_text) and certificate_date is None
        if bad_date:
            errors.append(RowError(number, "发证日期", f"“{date_text}”不是有效日期，应为 YYYY-MM-DD"))
        certificate_number = raw["证书编号"]
        if outcome is not None:
            for field, message in result_problems(
                training_class=training_class,
                outcome=outcome,
                certificate_type=certificate_type,
                certificate_number=certificate_number,
                certificate_date=certificate_date,
            ):
                if not (bad_date and field == "certificate_date"):
                    errors.append(RowError(number, FIELD_HEADERS[field], message))
        if certificate_number:
            first = numbers.setdefault(certificate_number, number)
            if first != number:
                errors.append(RowError(number, "证书编号", f"与第 {first} 行的证书编号相同"))
        if entry is not None:
            first = seen.setdefault(entry.enrolment_id, number)
            if first != number:
                errors.append(RowError(number, "身份证号码", f"与第 {first} 行是同一学员"))
        if len(errors) > count or entry is None or outcome is None:
            continue
        rows.append(
            ResultRow(entry.enrolment_id, outcome, certificate_type, certificate_number, certificate_date)
        )
    if not header_checked:
        raise TableErrors([RowError(2, "", "文件中没有数据行")])
    errors += roster.missing_errors()
    if errors:
        raise TableErrors(sorted(errors, key=lambda e: e.row))
    return rows


@transaction.atomic
def results_import(*, actor: User, training_class: TrainingClass, source: Any, filename: str) -> SaveCounts:
    training_class = lock_class_for_results(actor=actor, training_class=training_class)
    rows = parse_results(source, filename=filename, training_class=training_class)
    return results_save_many(
        actor=actor, training_class=training_class, rows=rows, reason=f"导入考核结果（{Path(filename).name}）"
    )


@transaction.atomic
def results_template(*, actor: User, training_class: TrainingClass) -> bytes:
    """The class's results sheet to fill in, for its own operators only: it holds full ID numbers,
    so it is marked 内部资料 and every download is logged, one PersonalDataView per trainee in it."""
    if not is_class_operator(actor, training_class):
        raise PermissionDenied("只有本班培训机构的经办人可以下载考核结果模板")
    content, persons = _results_sheet(training_class)
    personal_data_download_record(viewer=actor, person_ids=persons, purpose=DOWNLOAD_PURPOSES["results"])
    return content


def _results_sheet(training_class: TrainingClass) -> tuple[bytes, list[int]]:
    """The workbook: one row per enrolled trainee with full ID numbers and any result already
    entered, drop-down lists for the outcome and certificate type; and the persons in it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    workbook.properties.title = f"{training_class.name} 考核结果"
    workbook.properties.keywords = "内部资料"
    workbook.properties.subject = "内部资料：含完整身份证号码，仅供本机构经办人使用，不得外传"
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), "a new workbook has one worksheet"
    sheet.title = "考核结果（内部资料）"
    header, footer = sheet.oddHeader, sheet.oddFooter
    assert header is not None and footer is not None, "a new worksheet has a header and a footer"
    header.center.text = "内部资料 注意保密"
    footer.center.text = f"{training_class.name} 考核结果 · 第 &P 页"
    sheet.append(safe_row(list(RESULT_HEADERS)))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    enrolments = list(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .select_related("person", "result")
        .order_by("pk")
    )
    for enrolment in enrolments:
        result = getattr(enrolment, "result", None)
        sheet.append(
            safe_row(
                [
                    enrolment.person.name,
                    enrolment.person.id_number,
                    result.get_outcome_display() if result else None,
                    result.get_certificate_type_display() if result and result.certificate_type else None,
                    result.certificate_number if result else None,
                    f"{result.certificate_date:%Y-%m-%d}" if result and result.certificate_date else None,
                ]
            )
        )
    last = max(sheet.max_row, 2)
    # Text cells: ID and certificate numbers keep every digit, dates stay as typed.
    for row in sheet.iter_rows(min_row=2, max_row=last, max_col=len(RESULT_HEADERS)):
        for cell in (row[1], row[4], row[5]):
            cell.number_format = "@"
    for letter, width in zip("ABCDEF", (12, 22, 10, 24, 24, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    outcomes = DataValidation(type="list", formula1='"' + ",".join(OUTCOME_WORDS) + '"', allow_blank=True)
    certificates = DataValidation(
        type="list",
        formula1='"' + ",".join(str(label) for label in CertificateType.labels) + '"',
        allow_blank=True,
    )
    sheet.add_data_validation(outcomes)
    sheet.add_data_validation(certificates)
    outcomes.add(f"C2:C{last}")
    certificates.add(f"D2:D{last}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), [enrolment.person_id for enrolment in enrolments]
