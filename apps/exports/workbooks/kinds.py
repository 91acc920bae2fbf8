"""The workbook of each export: its columns, its rows as the selectors stream them, and a
summary sheet whose totals are set against the ledger's own figures for the same districts and
years (apps.ledger.selectors.balances, and the reconciliation as
apps.ledger.services.reconciliation_for_summary gives it, R8.5).

Rows come from a server-side cursor (QuerySet.iterator) as plain tuples (values_list), are
turned into cell values one at a time and go straight to the constant-memory writer: no list of
rows is ever held. Totals for the summary are added up from the very rows written, so the
summary and the detail sheets cannot disagree.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.audits.engine import catalogue as audit_catalogue
from apps.audits.models import Change, FindingStatus
from apps.catalog.models import District
from apps.claims.models import ClaimKind, ClaimLine, ClaimStatus, LineDecision, Share
from apps.core.masking import mask_id_number
from apps.ledger.models import EntryKind, LedgerEntry
from apps.ledger.selectors.accounts import balances
from apps.ledger.services import reconciliation_for_summary

from ..filters import ExportFilter
from ..models import ExportJob, ExportKind
from ..permissions import export_districts, may_see_id_numbers
from ..selectors import audit_findings, claim_lines, claim_totals_by_status, ledger_entries
from .writer import Column, Table, Workbook

ZERO = Decimal("0.00")
# Rows per round trip of the server-side cursor: about 1 MB of ledger rows in flight, few round
# trips per second, and memory that stays flat however many rows follow.
CHUNK_ROWS = 2_000
# How often the task writes its progress (one UPDATE): every 3 seconds or so at the 140 µs a
# row measured for 1,000,000 rows (benchmarks/export_ledger.py).
PROGRESS_EVERY = 20_000

Progress = Callable[[int], None]


def _labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _local(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: a moment as the wall-clock time in Chongqing."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _same(value: str) -> str:
    return value


@dataclass
class Context:
    """What every workbook needs: who asked (their scope and whether they see ID numbers in
    full), the filter, and the moment the ledger is read as of."""

    job: ExportJob
    filters: ExportFilter
    as_of: datetime
    progress: Progress

    @property
    def user(self) -> Any:
        return self.job.requested_by

    @property
    def id_number(self) -> Callable[[str], str]:
        return _same if may_see_id_numbers(self.user) else mask_id_number


def _ledger_net(line: str) -> Coalesce:
    """The net in the ledger (commitments less reversals) of the line `line` refers to, 0.00
    when it was never booked: a correlated subquery, so the rows stay one query."""
    money = DecimalField(max_digits=14, decimal_places=2)
    net = (
        LedgerEntry.objects.filter(claim_line=OuterRef(line))
        .order_by()
        .values("claim_line")
        .annotate(net=Sum("amount"))
        .values("net")
    )
    return Coalesce(Subquery(net, output_field=money), ZERO, output_field=money)


def _stream(table: Table, rows: Iterator[tuple[Any, ...]], progress: Progress) -> int:
    count = 0
    for count, row in enumerate(rows, 1):
        table.append(row)
        if count % PROGRESS_EVERY == 0:
            progress(count)
    return count


def _head(sheet: Any, title: str, ctx: Context, rows: int, table: Table | None) -> None:
    sheet.title(title)
    sheet.line("导出条件", ctx.job.description)
    sheet.line("导出人", f"{ctx.user}（{ctx.user.get_role_display()}）")
    sheet.line("导出时间", _local(ctx.as_of))
    sheet.line("明细行数", rows)
    if table is not None:
        sheet.line("明细工作表", "、".join(table.sheet_names))
    sheet.line("身份证号码", "完整显示" if may_see_id_numbers(ctx.user) else "已脱敏（中间 10 位以 * 代替）")
    sheet.blank()


def _pairs(ctx: Context, seen: set[tuple[int, int]]) -> list[tuple[District, int]]:
    """The (district, year) pairs the summary sets against the ledger: every one the rows
    touched and, when the filter names both districts and years, every one it names."""
    scope = export_districts(ctx.user)
    wanted = set(seen)
    if ctx.filters.districts and ctx.filters.years:
        named = scope.filter(code__in=ctx.filters.districts).values_list("pk", flat=True)
        wanted |= {(pk, year) for pk in named for year in ctx.filters.years}
    districts = {d.pk: d for d in scope.filter(pk__in={pk for pk, _ in wanted})}
    return sorted(
        ((districts[pk], year) for pk, year in wanted if pk in districts),
        key=lambda pair: (pair[0].sort_order, pair[0].code, pair[1]),
    )


# The ledger (台账) ----------------------------------------------------------------------------

LEDGER_COLUMNS = (
    Column("记账编号", 10, "int"),
    Column("记账时间", 20, "datetime"),
    Column("区县", 12),
    Column("资金年度", 9, "int"),
    Column("资金类别", 12),
    Column("类型", 14),
    Column("金额（元）", 14, "yuan"),
    Column("冲销的记账编号", 10, "int"),
    Column("申领编号", 10, "int"),
    Column("申领类型", 22),
    Column("申领状态", 10),
    Column("申领单位", 32),
    Column("明细编号", 10, "int"),
    Column("学员姓名", 12),
    Column("身份证号码", 21),
    Column("说明", 30),
    Column("记账人", 12),
    Column("规则版本", 14),
)
LEDGER_FIELDS = (
    "pk",
    "created_at",
    "allocation__district_id",
    "allocation__district__name",
    "allocation__year",
    "share",
    "kind",
    "amount",
    "reverses_id",
    "claim_line__claim_id",
    "claim_line__claim__kind",
    "claim_line__claim__status",
    "claim_line__claim__institution__name",
    "claim_line__claim__employer__name",
    "claim_line_id",
    "claim_line__person__name",
    "claim_line__person__id_number",
    "reason",
    "created_by__full_name",
    "created_by__username",
    "rules_version",
)
LEDGER_SUMMARY_COLUMNS = (
    Column("区县", 16),
    Column("资金年度", 10),
    Column("资金类别", 12),
    Column("本次导出笔数", 12),
    Column("本次导出金额（元）", 18),
    Column("年度额度（元）", 18),
    Column("台账净额（元）", 18),
    Column("已拨付（元）", 18),
    Column("剩余额度（元）", 18),
    Column("差额（元）", 16),
)


def ledger_rows(
    entries: Any, *, id_number: Callable[[str], str], totals: dict[tuple[int, int, str], list[Any]]
) -> Iterator[tuple[Any, ...]]:
    """One tuple of cell values per entry, in LEDGER_COLUMNS' order; adds each entry's count and
    amount to `totals[(district id, year, share)]` on the way."""
    shares, kinds = _labels(Share.choices), _labels(EntryKind.choices)
    claim_kinds, statuses = _labels(ClaimKind.choices), _labels(ClaimStatus.choices)
    tz = timezone.get_current_timezone()  # _local() inlined: this loop runs a million times
    for (
        pk,
        at,
        district_id,
        district,
        year,
        share,
        kind,
        amount,
        reverses,
        claim,
        claim_kind,
        status,
        institution,
        employer,
        line,
        name,
        id_no,
        reason,
        full_name,
        username,
        rules_version,
    ) in entries.values_list(*LEDGER_FIELDS).iterator(chunk_size=CHUNK_ROWS):
        key = (district_id, year, share)
        total = totals.get(key)
        if total is None:
            total = totals[key] = [0, ZERO]
        total[0] += 1
        total[1] += amount
        yield (
            pk,
            at.astimezone(tz).replace(tzinfo=None),
            district,
            year,
            shares[share],
            kinds[kind],
            amount,
            reverses,
            claim,
            claim_kinds[claim_kind],
            statuses[status],
            institution or employer,
            line,
            name,
            id_number(id_no),
            reason,
            full_name or username,
            rules_version,
        )


def write_ledger(book: Workbook, ctx: Context) -> int:
    summary = book.sheet("汇总与对账", LEDGER_SUMMARY_COLUMNS)
    table = book.table("台账", LEDGER_COLUMNS)
    totals: dict[tuple[int, int, str], list[Any]] = {}
    entries = ledger_entries(user=ctx.user, filters=ctx.filters, as_of=ctx.as_of)
    rows = _stream(table, ledger_rows(entries, id_number=ctx.id_number, totals=totals), ctx.progress)

    _head(summary, "专账资金台账 · 汇总与对账 (R8.5)", ctx, rows, table)
    summary.header(*(c.header for c in LEDGER_SUMMARY_COLUMNS))
    grand: list[int | Decimal] = [0, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO]
    for district, year in _pairs(ctx, {(d, y) for d, y, _ in totals}):
        for balance in balances(district=district, year=year):
            count, exported = totals.get((district.pk, year, balance.share), (0, ZERO))
            difference = balance.booked - exported
            figures = (count, exported, balance.allocated, balance.booked, balance.paid, balance.remaining)
            summary.line(district.name, year, balance.label, *figures, difference)
            grand = [a + b for a, b in zip(grand, (*figures, difference), strict=True)]
    summary.line("合计", None, None, *grand, bold=True)
    summary.blank()
    summary.line(
        "说明",
        "年度额度、台账净额、已拨付和剩余额度取自专账资金台账（与“专账资金”页面相同）；"
        "差额 = 台账净额 − 本次导出金额：为 0 表示本次导出包含该区县该年度该类别的全部台账记录，"
        "不为 0 时差额即筛选条件（类型、资金类别、申领状态、记账日期）未选入的记录。"
        "申领、台账与拨付逐条核对的结果见“对账”页面或“区县专账资金概况”导出。",
    )
    return rows


# Claim lines with their steps and findings ------------------------------------------------------

CLAIM_LINE_COLUMNS = (
    Column("申领编号", 10, "int"),
    Column("申领类型", 22),
    Column("区县", 12),
    Column("资金年度", 9, "int"),
    Column("申领单位", 32),
    Column("申领状态", 10),
    Column("提交时间", 20, "datetime"),
    Column("明细编号", 10, "int"),
    Column("学员姓名", 12),
    Column("身份证号码", 21),
    Column("资金类别", 12),
    Column("开始日期", 12, "date"),
    Column("结束日期", 12, "date"),
    Column("测算金额（元）", 14, "yuan"),
    Column("审核结论", 10),
    Column("理由规则", 10),
    Column("审核理由", 30, "wrap"),
    Column("审核人", 12),
    Column("审核时间", 20, "datetime"),
    Column("计算步骤", 70, "wrap"),
    Column("校验结果", 50, "wrap"),
    Column("规则版本", 14),
    Column("台账净额（元）", 14, "yuan"),
    Column("已拨付（元）", 14, "yuan"),
)
CLAIM_LINE_FIELDS = (
    "claim_id",
    "claim__kind",
    "claim__district_id",
    "claim__district__name",
    "claim__year",
    "claim__institution__name",
    "claim__employer__name",
    "claim__status",
    "claim__submitted_at",
    "pk",
    "person__name",
    "person__id_number",
    "share",
    "start",
    "end",
    "amount",
    "decision",
    "decision_rule",
    "decision_reason",
    "decided_by__full_name",
    "decided_by__username",
    "decided_at",
    "steps",
    "findings",
    "rules_version",
    "booked",
    "payment_line__amount",
)
CLAIM_LINE_SUMMARY_COLUMNS = (
    Column("区县", 16),
    Column("资金年度", 10),
    Column("资金类别", 12),
    Column("明细数", 10),
    Column("测算金额（元）", 18),
    Column("核定通过金额（元）", 18),
    Column("本次明细台账净额（元）", 20),
    Column("本次明细已拨付（元）", 20),
    Column("区县年度台账净额（元）", 20),
    Column("区县年度已拨付（元）", 20),
    Column("未在本次导出的台账净额（元）", 22),
)


def steps_text(steps: list[dict[str, Any]]) -> str:
    """The engine's explanation as the claim page shows it, one step a line."""
    lines = []
    for number, step in enumerate(steps or [], 1):
        text = f"{number}. {step.get('rule', '')} {step.get('text', '')}"
        if step.get("arithmetic"):
            text += f"：{step['arithmetic']}"
        if step.get("amount") is not None:
            text += f" = {step['amount']} 元"
        lines.append(text)
    return "\n".join(lines)


def findings_text(findings: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{f.get('rule', '')} [{f.get('severity', '')}] {f.get('message', '')}" for f in findings or []
    )


def claim_line_rows(
    lines: Any, *, id_number: Callable[[str], str], totals: dict[tuple[int, int, str], list[Any]]
) -> Iterator[tuple[Any, ...]]:
    """One tuple per line in CLAIM_LINE_COLUMNS' order, with the line's net in the ledger and
    what was paid; adds count, amount, approved, booked and paid to `totals`."""
    shares, claim_kinds = _labels(Share.choices), _labels(ClaimKind.choices)
    statuses, decisions = _labels(ClaimStatus.choices), _labels(LineDecision.choices)
    rows = lines.annotate(booked=_ledger_net("pk"))
    for (
        claim,
        claim_kind,
        district_id,
        district,
        year,
        institution,
        employer,
        status,
        submitted_at,
        pk,
        name,
        id_no,
        share,
        start,
        end,
        amount,
        decision,
        decision_rule,
        decision_reason,
        decided_by_name,
        decided_by_username,
        decided_at,
        steps,
        findings,
        rules_version,
        line_booked,
        paid,
    ) in rows.values_list(*CLAIM_LINE_FIELDS).iterator(chunk_size=CHUNK_ROWS):
        key = (district_id, year, share)
        total = totals.get(key)
        if total is None:
            total = totals[key] = [0, ZERO, ZERO, ZERO, ZERO]
        total[0] += 1
        total[1] += amount
        if decision == LineDecision.APPROVED:
            total[2] += amount
        total[3] += line_booked
        total[4] += paid or ZERO
        yield (
            claim,
            claim_kinds[claim_kind],
            district,
            year,
            institution or employer,
            statuses[status],
            _local(submitted_at),
            pk,
            name,
            id_number(id_no),
            shares[share],
            start,
            end,
            amount,
            decisions[decision],
            decision_rule,
            decision_reason,
            decided_by_name or decided_by_username,
            _local(decided_at),
            steps_text(steps),
            findings_text(findings),
            rules_version,
            line_booked,
            paid,
        )


def write_claim_lines(book: Workbook, ctx: Context) -> int:
    summary = book.sheet("汇总与对账", CLAIM_LINE_SUMMARY_COLUMNS)
    table = book.table("申领明细", CLAIM_LINE_COLUMNS)
    totals: dict[tuple[int, int, str], list[Any]] = {}
    lines = claim_lines(user=ctx.user, filters=ctx.filters)
    rows = _stream(table, claim_line_rows(lines, id_number=ctx.id_number, totals=totals), ctx.progress)

    _head(summary, "申领明细 · 汇总与对账 (R8.5)", ctx, rows, table)
    summary.header(*(c.header for c in CLAIM_LINE_SUMMARY_COLUMNS))
    grand: list[int | Decimal] = [0, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO]
    for district, year in _pairs(ctx, {(d, y) for d, y, _ in totals}):
        for balance in balances(district=district, year=year):
            count, amount, approved, booked, paid = totals.get(
                (district.pk, year, balance.share), (0, ZERO, ZERO, ZERO, ZERO)
            )
            figures = (
                count,
                amount,
                approved,
                booked,
                paid,
                balance.booked,
                balance.paid,
                balance.booked - booked,
            )
            summary.line(district.name, year, balance.label, *figures)
            grand = [a + b for a, b in zip(grand, figures, strict=True)]
    summary.line("合计", None, None, *grand, bold=True)
    summary.blank()
    summary.line(
        "说明",
        "核定通过金额为审核结论“通过”的明细之和；本次明细台账净额为这些明细在专账资金台账中的记账减冲销。"
        "区县年度台账净额和已拨付取自专账资金台账（与“专账资金”页面相同）；"
        "最后一列为台账中不属于本次导出明细的净额：本次导出包含该区县该年度的全部明细时为 0。",
    )
    return rows


# A district's fund summary (资金概况) ----------------------------------------------------------

FUND_COLUMNS = (
    Column("资金类别", 22),
    Column("年度额度（元）", 18),
    Column("已记账（元）", 18),
    Column("已拨付（元）", 18),
    Column("剩余额度（元）", 18),
)
DIFFERENCE_COLUMNS = (
    Column("类别", 10),
    Column("申领编号", 10, "int"),
    Column("明细编号", 10, "int"),
    Column("不一致之处", 80, "wrap"),
)


def write_fund_summary(book: Workbook, ctx: Context) -> int:
    """One district and year: the allocation and its shares against what is booked and paid, the
    claims by status, and every difference the reconciliation finds (R8.5)."""
    district = export_districts(ctx.user).get(code=ctx.filters.districts[0])
    year = ctx.filters.years[0]
    sheet = book.sheet("资金概况", FUND_COLUMNS)
    # The latest reconciliation while the books have not changed since it began, else one now and
    # kept (apps.ledger.services.reconciliation_for_summary): the summary says which and when.
    run, differences = reconciliation_for_summary(actor=ctx.user, district=district, year=year)
    table = book.table("对账差异", DIFFERENCE_COLUMNS)
    for d in differences:
        table.append((d.label, d.claim_id, d.line_id, d.message))
    shares = balances(district=district, year=year)
    by_status = claim_totals_by_status(district=district, year=year)
    rows = len(shares) + len(by_status) + len(differences)

    _head(sheet, f"{district.name} {year} 年度职业技能提升行动专账资金概况", ctx, rows, None)
    sheet.header(*(c.header for c in FUND_COLUMNS))
    for b in shares:
        sheet.line(b.label, b.allocated, b.booked, b.paid, b.remaining)
    sheet.line(
        "合计",
        *(sum((getattr(b, f) for b in shares), ZERO) for f in ("allocated", "booked", "paid", "remaining")),
        bold=True,
    )
    sheet.blank()
    sheet.header("申领状态", "件数", "申领金额（元）", "核定金额（元）")
    statuses = _labels(ClaimStatus.choices)
    for row in by_status:
        sheet.line(statuses[row["status"]], row["n"], row["total"] or ZERO, row["approved"] or ZERO)
    sheet.line(
        "合计",
        sum(row["n"] for row in by_status),
        sum((row["total"] or ZERO for row in by_status), ZERO),
        sum((row["approved"] or ZERO for row in by_status), ZERO),
        bold=True,
    )
    sheet.blank()
    sheet.line(
        "对账 (R8.5)",
        "账实相符、账表相符：申领核定金额、台账净额与拨付金额一致。"
        if not differences
        else f"发现 {len(differences)} 处不一致，逐条见“对账差异”工作表。",
    )
    if run is not None and run.finished_at is not None:
        asker = run.requested_by
        who = (asker.get_full_name() or asker.username) if asker is not None else "每日自动对账"
        when = timezone.localtime(run.finished_at)
        sheet.line("对账时间", f"{when:%Y-%m-%d %H:%M}（{who}，对账 #{run.pk}）")
    return rows


# Audit findings (稽核疑点) ----------------------------------------------------------------------

AUDIT_COLUMNS = (
    Column("疑点编号", 10, "int"),
    Column("规则", 8),
    Column("规则名称", 26),
    Column("严重程度", 8),
    Column("疑点说明", 60, "wrap"),
    Column("区县", 12),
    Column("培训机构 / 用人单位", 32),
    Column("申领编号", 10, "int"),
    Column("资金年度", 9, "int"),
    Column("明细编号", 10, "int"),
    Column("资金类别", 12),
    Column("学员姓名", 12),
    Column("身份证号码", 21),
    Column("测算金额（元）", 14, "yuan"),
    Column("台账净额（元）", 14, "yuan"),
    Column("关联申领编号", 10, "int"),
    Column("关联明细编号", 10, "int"),
    Column("较上次稽核", 10),
    Column("处理状态", 10),
    Column("处理意见", 30, "wrap"),
    Column("处理人", 12),
    Column("处理时间", 20, "datetime"),
    Column("发现时间", 20, "datetime"),
    Column("稽核批次", 10, "int"),
    Column("规则版本", 14),
)
AUDIT_FIELDS = (
    "pk",
    "rule",
    "details",
    "district_id",
    "district__name",
    "institution__name",
    "claim__institution__name",
    "claim__employer__name",
    "claim_id",
    "claim__year",
    "line_id",
    "line__share",
    "person__name",
    "person__id_number",
    "line__amount",
    "booked",
    "other_claim_id",
    "other_line_id",
    "change",
    "status",
    "resolution_reason",
    "resolved_by__full_name",
    "resolved_by__username",
    "resolved_at",
    "created_at",
    "run_id",
    "run__rules_version",
)
AUDIT_SUMMARY_COLUMNS = (
    Column("区县", 16),
    Column("规则 / 资金年度", 14),
    Column("规则名称", 26),
    Column("疑点数 / 涉及明细数", 18),
    Column("待处理 / 测算金额（元）", 20),
    Column("已确认 / 台账净额（元）", 20),
    Column("已排除 / 区县年度台账净额（元）", 24),
)
FINDING_STATUSES = tuple(FindingStatus.values)


def audit_finding_rows(
    findings: Any, *, id_number: Callable[[str], str], totals: dict[tuple[int, str, str], list[int]]
) -> Iterator[tuple[Any, ...]]:
    """One tuple per finding in AUDIT_COLUMNS' order, its message in the audit's own words
    (apps.audits.engine.catalogue); counts each finding by district, rule and status in `totals`."""
    shares, changes = _labels(Share.choices), _labels(Change.choices)
    statuses = _labels(FindingStatus.choices)
    for (
        pk,
        rule,
        details,
        district_id,
        district,
        institution,
        claim_institution,
        claim_employer,
        claim,
        year,
        line,
        share,
        name,
        id_no,
        amount,
        booked,
        other_claim,
        other_line,
        change,
        status,
        reason,
        resolved_by_name,
        resolved_by_username,
        resolved_at,
        found_at,
        run,
        rules_version,
    ) in (
        findings.annotate(booked=_ledger_net("line_id"))
        .values_list(*AUDIT_FIELDS)
        .iterator(chunk_size=CHUNK_ROWS)
    ):
        total = totals.setdefault((district_id, district, rule), [0] * (1 + len(FINDING_STATUSES)))
        total[0] += 1
        total[1 + FINDING_STATUSES.index(status)] += 1
        known = audit_catalogue.BY_ID.get(rule)
        yield (
            pk,
            rule,
            known.title if known else "",
            known.severity if known else "",
            audit_catalogue.message(rule, details),
            district,
            institution or claim_institution or claim_employer,
            claim,
            year or (details or {}).get("year"),
            line,
            shares.get(share) if share else None,
            name,
            id_number(id_no) if id_no else None,
            amount,
            booked if line else None,
            other_claim,
            other_line,
            changes[change],
            statuses[status],
            reason,
            resolved_by_name or resolved_by_username,
            _local(resolved_at),
            _local(found_at),
            run,
            rules_version,
        )


def write_audit_findings(book: Workbook, ctx: Context) -> int:
    summary = book.sheet("汇总与对账", AUDIT_SUMMARY_COLUMNS)
    table = book.table("稽核疑点", AUDIT_COLUMNS)
    totals: dict[tuple[int, str, str], list[int]] = {}
    findings = audit_findings(user=ctx.user, filters=ctx.filters)
    rows = _stream(table, audit_finding_rows(findings, id_number=ctx.id_number, totals=totals), ctx.progress)

    _head(summary, "稽核疑点 · 汇总与对账 (R8.5)", ctx, rows, table)
    summary.header("区县", "规则", "规则名称", "疑点数", *(str(label) for _, label in FindingStatus.choices))
    grand = [0] * (1 + len(FINDING_STATUSES))
    # Districts in the rows' order (by district), rules in the catalogue's.
    districts = {pk: index for index, pk in enumerate(dict.fromkeys(key[0] for key in totals))}
    rules = {rule.id: index for index, rule in enumerate(audit_catalogue.RULES)}
    for (_, district_name, rule), counts in sorted(
        totals.items(), key=lambda kv: (districts[kv[0][0]], rules.get(kv[0][2], len(rules)))
    ):
        known = audit_catalogue.BY_ID.get(rule)
        summary.line(district_name, rule, known.title if known else "", *counts)
        grand = [a + b for a, b in zip(grand, counts, strict=True)]
    summary.line("合计", None, None, *grand, bold=True)
    summary.blank()

    # The lines the findings are about, against the ledger of their district and year.
    lines = ClaimLine.objects.filter(pk__in=findings.exclude(line=None).values("line"))
    by_pair: dict[tuple[int, int], Mapping[str, Any]] = {
        (row["claim__district_id"], row["claim__year"]): row
        for row in lines.values("claim__district_id", "claim__year")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    }
    nets = {
        (row["claim_line__claim__district_id"], row["claim_line__claim__year"]): row["net"]
        for row in LedgerEntry.objects.filter(claim_line__in=lines)
        .values("claim_line__claim__district_id", "claim_line__claim__year")
        .annotate(net=Sum("amount"))
        .order_by()
    }
    summary.header(
        "区县", "资金年度", "", "涉及明细数", "测算金额（元）", "台账净额（元）", "区县年度台账净额（元）"
    )
    grand_pairs: list[int | Decimal] = [0, ZERO, ZERO, ZERO]
    for district, year in _pairs(ctx, set(by_pair)):
        row = by_pair.get((district.pk, year), {})
        booked = sum((b.booked for b in balances(district=district, year=year)), ZERO)
        figures = (row.get("n", 0), row.get("amount") or ZERO, nets.get((district.pk, year)) or ZERO, booked)
        summary.line(district.name, year, None, *figures)
        grand_pairs = [a + b for a, b in zip(grand_pairs, figures, strict=True)]
    summary.line("合计", None, None, *grand_pairs, bold=True)
    summary.blank()
    summary.line(
        "说明",
        "疑点为各项最近一次覆盖它的已完成稽核所发现、仍存在的疑点（与“批量稽核”页面的当前疑点相同）。"
        "下表按申领所属区县和资金年度列出疑点涉及的明细（同一明细有多个疑点只计一次）、其测算金额和在"
        "专账资金台账中的净额，以及该区县该年度台账净额合计（与“专账资金”页面相同）。",
    )
    return rows


WRITERS: dict[str, Callable[[Workbook, Context], int]] = {
    ExportKind.LEDGER: write_ledger,
    ExportKind.CLAIM_LINES: write_claim_lines,
    ExportKind.AUDIT_FINDINGS: write_audit_findings,
    ExportKind.FUND_SUMMARY: write_fund_summary,
}


def write(*, job: ExportJob, path: str, row_limit: int, tmpdir: str, progress: Progress) -> int:
    """Write the job's workbook to `path`; the number of detail rows written."""
    ctx = Context(job, ExportFilter.from_json(job.filters), job.started_at or timezone.now(), progress)
    book = Workbook(path, row_limit=row_limit, tmpdir=tmpdir)
    try:
        rows = WRITERS[job.kind](book, ctx)
    except BaseException:
        with contextlib.suppress(Exception):  # the original error is the one worth reporting
            book.close()
        raise
    book.close()
    return rows
