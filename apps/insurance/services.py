"""Import a district's social-insurance roster (`roster_import`) and check enterprises' claims
against it (`insurance_check`, rule A9, docs/audit-rules.md).

A staff-training (企业职工培训直补) or 以工代训 line claims months: the 以工代训 line its months, the
staff-training line every month from its start to its end. Each such month the roster covers for
the claim's district (a month some import of the district holds) must have the worker insured by
the claiming enterprise (its USCC); the months that do not are the line's A9 finding (E, open: the
officer confirms or dismisses it). Months the roster does not cover are not judged.

A check's findings sit in an audit run of scope "insurance" (one per import or per submitted
claim), which no batch run covers; a later check of the same line replaces its finding when the
months differ and clears it when none is missing (a roster imported late puts it right): the
finding ended is marked cleared and current no more.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction

from apps.audits.models import AuditFinding, AuditRun, Change, FindingStatus, Scope
from apps.audits.services import witness_run_record
from apps.catalog.models import District
from apps.claims.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineMonth
from apps.core.services import state_change_record
from apps.core.tabular import RowError, TableErrors, column_index, read_rows
from apps.rules.identity import check_id_number
from apps.rules.results import RuleViolation

from .models import InsuredMonth, RosterImport
from .permissions import roster_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

RULE = "A9"
KIND = "insurance"  # the upload caps (settings.IMPORT_MAX_*)
CHECKED_KINDS = (ClaimKind.ENTERPRISE_DIRECT, ClaimKind.WORK_FOR_TRAINING)
# Claims whose lines are checked: submitted and after (a rejected claim pays nothing).
CHECKED_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PAID)
COLUMNS = ("统一社会信用代码", "身份证号码", "参保月份")
USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
MONTH = re.compile(r"(\d{4})\D?(\d{1,2})(?:\D?\d{1,2})?(?:\s.*)?")
BATCH = 5000


# The roster ----------------------------------------------------------------------------------


def _month(text: str) -> date | None:
    """2021-04, 2021/4, 202104, 2021年4月, 2021-04-01 (an Excel date): the month's first day."""
    match = MONTH.fullmatch(text.strip().replace("年", "-").replace("月", ""))
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def roster_parse(source: Any, *, filename: str) -> list[tuple[str, str, date]]:
    """The file's rows as (USCC, ID number, month), every row checked: TableErrors naming every
    bad row and field at once, nothing kept."""
    rows = cast(Generator[tuple[int, list[str]], None, None], read_rows(source, filename=filename, kind=KIND))
    try:
        return _parsed(rows)
    finally:
        rows.close()  # the reader lets go of the upload even when a header is missing


def _parsed(rows: Iterator[tuple[int, list[str]]]) -> list[tuple[str, str, date]]:
    _, names = next(rows)
    at = column_index(names, COLUMNS)
    out, errors = [], []
    for number, cells in rows:
        uscc = cells[at["统一社会信用代码"]].strip().upper()
        id_text = cells[at["身份证号码"]]
        month_text = cells[at["参保月份"]]
        if not USCC.fullmatch(uscc):
            errors.append(RowError(number, "统一社会信用代码", f"“{uscc}”不是 18 位统一社会信用代码"))
        try:
            id_number = check_id_number(id_text).number
        except RuleViolation as exc:
            errors.append(RowError(number, "身份证号码", exc.finding.message))
            id_number = ""
        month = _month(month_text)
        if month is None:
            errors.append(RowError(number, "参保月份", f"“{month_text}”不是月份，请填写如 2021-04"))
        if id_number and month is not None and USCC.fullmatch(uscc):
            out.append((uscc, id_number, month))
    if errors:
        raise TableErrors(errors)
    if not out:
        raise TableErrors([RowError(2, "", "文件没有数据行")])
    return out


@transaction.atomic
def roster_import(
    *, actor: User, district: District, rows: list[tuple[str, str, date]], file_name: str
) -> RosterImport:
    """Keep the roster's rows (a row already held is not added twice), then check the district's
    enterprise claims against everything the district's roster now covers."""
    roster_policy.check_import(actor, district)
    District.objects.select_for_update().get(pk=district.pk)
    months = sorted({month for _, _, month in rows})
    batch = RosterImport.objects.create(
        district=district,
        file_name=file_name[:200],
        rows=len(rows),
        added=0,
        months=[f"{m:%Y-%m}" for m in months],
        imported_by=actor,
    )
    before = InsuredMonth.objects.count()
    unique = sorted(set(rows))
    for start in range(0, len(unique), BATCH):
        InsuredMonth.objects.bulk_create(
            (
                InsuredMonth(district=district, uscc=uscc, id_number=id_number, month=month, source=batch)
                for uscc, id_number, month in unique[start : start + BATCH]
            ),
            ignore_conflicts=True,
        )
    batch.added = InsuredMonth.objects.count() - before
    claims = Claim.objects.filter(district=district, kind__in=CHECKED_KINDS, status__in=CHECKED_STATUSES)
    batch.run = insurance_check(
        claims=claims, district=district, key=f"insurance:import:{batch.pk}", actor=actor
    )
    batch.save(update_fields=["added", "run", "updated_at"])
    state_change_record(
        obj=batch,
        actor=actor,
        from_state="",
        to_state="imported",
        reason=f"导入 {district.name} 社保参保名单“{batch.file_name}”{len(rows)} 行，新增 {batch.added} 条",
        changes={"months": batch.months, "rows": len(rows), "added": batch.added},
    )
    return batch


# The check -----------------------------------------------------------------------------------


def _months_between(start: date, end: date) -> list[date]:
    out, month = [], date(start.year, start.month, 1)
    while month <= end:
        out.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def covered_months(district: District | int) -> set[date]:
    """The months some roster import of the district holds."""
    covered: set[date] = set()
    for months in RosterImport.objects.filter(district=district).values_list("months", flat=True):
        covered |= {date(int(m[:4]), int(m[5:7]), 1) for m in months}
    return covered


def _claimed(lines: list[ClaimLine]) -> dict[int, list[date]]:
    by_line: dict[int, list[date]] = {}
    for line_id, month in LineMonth.objects.filter(line__in=lines).values_list("line_id", "month"):
        by_line.setdefault(line_id, []).append(date(month.year, month.month, 1))
    for line in lines:
        if line.claim.kind == ClaimKind.ENTERPRISE_DIRECT and line.start and line.end:
            by_line[line.pk] = _months_between(line.start, line.end)
    return by_line


def _missing(lines: list[ClaimLine], covered: set[date]) -> dict[int, list[date]]:
    """Each line's claimed, covered months in which its worker was not insured by its enterprise."""
    claimed = {pk: sorted(set(months) & covered) for pk, months in _claimed(lines).items()}
    wanted = {m for months in claimed.values() for m in months}
    if not wanted:
        return {}
    pairs = {(line.claim.employer.uscc, line.person.id_number) for line in lines if line.claim.employer}
    insured = set(
        InsuredMonth.objects.filter(
            id_number__in={p for _, p in pairs}, uscc__in={u for u, _ in pairs}, month__in=wanted
        ).values_list("uscc", "id_number", "month")
    )
    out = {}
    for line in lines:
        employer = line.claim.employer
        if employer is None:
            continue
        gaps = [
            m for m in claimed.get(line.pk, []) if (employer.uscc, line.person.id_number, m) not in insured
        ]
        if gaps:
            out[line.pk] = gaps
    return out


def insurance_check(
    *, claims: Iterable[Claim] | Any, district: District, key: str, actor: User | None
) -> AuditRun | None:
    """Check the claims' lines (A9): write a finding on each line with months missing, unless its
    current finding names the same months; end the current findings of lines now in order.
    Returns the run holding what was written (None when the roster covers none of the district's
    months yet)."""
    covered = covered_months(district)
    if not covered:
        return None
    lines = list(
        ClaimLine.objects.filter(claim__in=claims, claim__kind__in=CHECKED_KINDS)
        .select_related("claim__employer", "person")
        .order_by("pk")
    )
    missing = _missing(lines, covered)
    current = {
        f.line_id: f
        for f in AuditFinding.objects.filter(rule=RULE, current=True, line__in=lines).order_by("pk")
    }
    ended, written = [], []
    for line in lines:
        gaps = [f"{m:%Y-%m}" for m in missing.get(line.pk, [])]
        old = current.get(line.pk)
        if old is not None and old.details.get("months") == gaps:
            continue
        if old is not None:
            ended.append(old.pk)
        if gaps:
            employer = line.claim.employer
            assert employer is not None, "only an enterprise's lines have months missing"
            written.append(
                AuditFinding(
                    rule=RULE,
                    subject=f"line:{line.pk}",
                    line=line,
                    claim=line.claim,
                    person=line.person,
                    district_id=line.claim.district_id,
                    status=FindingStatus.OPEN,
                    change=Change.APPEARED,
                    current=True,
                    details={"months": gaps, "uscc": employer.uscc, "employer": employer.name},
                )
            )
    # The ended ones are marked cleared, so a rebuild of the current findings leaves them so.
    return witness_run_record(
        scope=Scope.INSURANCE,
        district_id=district.pk,
        key=key,
        actor=actor,
        findings=written,
        cleared=ended,
        lines_count=len(lines),
        reason=f"社保参保核验：{len(lines)} 条明细，新增疑点 {len(written)} 条，结束 {len(ended)} 条 (A9)",
    )


def insurance_check_claim(claim: Any) -> AuditRun | None:
    """On a claim's submission (apps.claims.extensions): an enterprise's staff-training or 以工代训
    claim is checked against the roster of its district."""
    if claim.kind not in CHECKED_KINDS:
        return None
    return insurance_check(
        claims=Claim.objects.filter(pk=claim.pk),
        district=District.objects.get(pk=claim.district_id),
        key=f"insurance:claim:{claim.pk}",
        actor=None,
    )
