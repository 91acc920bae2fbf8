"""What an export selects, as stored on its job (JSON) and described in the workbook and log
(`ExportFilter`); and the filter of the export log's page and API (`ExportLogFilter`, a
django-filter FilterSet: see apps.core.filters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import django_filters

from apps.audits.engine.catalogue import RULE_CHOICES
from apps.audits.models import FindingStatus
from apps.claims.models import ClaimKind, ClaimStatus, Share
from apps.core.filters import ALL, FilterSet
from apps.ledger.models import EntryKind

from .models import ExportJob, ExportKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What `kinds` and `statuses` choose from in each export, and their names: the ledger's entry
# kinds, the claims' kinds, the audit rules; the claims' statuses, the findings' handling.
KIND_CHOICES: dict[str, Sequence[tuple[str, StrOrPromise]]] = {
    ExportKind.LEDGER: EntryKind.choices,
    ExportKind.CLAIM_LINES: ClaimKind.choices,
    ExportKind.AUDIT_FINDINGS: RULE_CHOICES,
    ExportKind.FUND_SUMMARY: [],
}
KIND_LABELS: dict[str, str] = {
    ExportKind.LEDGER: "类型",
    ExportKind.CLAIM_LINES: "申领类型",
    ExportKind.AUDIT_FINDINGS: "稽核规则",
}
STATUS_CHOICES: dict[str, Sequence[tuple[str, StrOrPromise]]] = {
    ExportKind.LEDGER: ClaimStatus.choices,
    ExportKind.CLAIM_LINES: ClaimStatus.choices,
    ExportKind.AUDIT_FINDINGS: FindingStatus.choices,
    ExportKind.FUND_SUMMARY: [],
}
STATUS_LABELS: dict[str, str] = {
    ExportKind.LEDGER: "申领状态",
    ExportKind.CLAIM_LINES: "申领状态",
    ExportKind.AUDIT_FINDINGS: "处理状态",
}
# The date the `date_from` / `date_to` filter applies to, by export.
DATE_LABELS: dict[str, str] = {
    ExportKind.LEDGER: "记账日期",
    ExportKind.CLAIM_LINES: "申领提交日期",
    ExportKind.AUDIT_FINDINGS: "发现日期",
    ExportKind.FUND_SUMMARY: "",
}


@dataclass(frozen=True)
class ExportFilter:
    """Empty tuples mean "all": every district in the user's scope, every year, kind, share and
    status. Dates bound the entry's booking date (ledger), the claim's submission date (claim
    lines) or the day a finding was found (audit findings), both inclusive."""

    districts: tuple[str, ...] = ()  # district codes
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    shares: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # claim statuses; for audit findings, their handling
    date_from: date | None = None
    date_to: date | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data = {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}
        data["date_from"] = self.date_from.isoformat() if self.date_from else None
        data["date_to"] = self.date_to.isoformat() if self.date_to else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportFilter:
        return cls(
            districts=tuple(data.get("districts") or ()),
            years=tuple(int(y) for y in data.get("years") or ()),
            kinds=tuple(data.get("kinds") or ()),
            shares=tuple(data.get("shares") or ()),
            statuses=tuple(data.get("statuses") or ()),
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
        )

    def describe(self, *, kind: str, district_names: dict[str, str]) -> str:
        """In words, for the summary sheet and the log: 区县：渝中区、万州区；年度：2021；…"""

        def labels(values: tuple[Any, ...], choices: Sequence[tuple[str, StrOrPromise]] | None = None) -> str:
            if not values:
                return "全部"
            names = dict(choices or [])
            return "、".join(str(names.get(v, v)) for v in values)

        parts = [
            f"区县：{'、'.join(district_names.get(c, c) for c in self.districts) or '全部'}",
            f"年度：{labels(self.years)}",
        ]
        if kind != ExportKind.FUND_SUMMARY:
            parts += [
                f"{KIND_LABELS[kind]}：{labels(self.kinds, KIND_CHOICES[kind])}",
                f"资金类别：{labels(self.shares, Share.choices)}",
                f"{STATUS_LABELS[kind]}：{labels(self.statuses, STATUS_CHOICES[kind])}",
            ]
            if self.date_from or self.date_to:
                start = self.date_from.isoformat() if self.date_from else "不限"
                end = self.date_to.isoformat() if self.date_to else "不限"
                parts.append(f"{DATE_LABELS[kind]}：{start} 至 {end}")
        return "；".join(parts)


class ExportLogFilter(FilterSet):
    """?kind (what was exported) ?user (who asked: the exact user name)."""

    kind = django_filters.ChoiceFilter(label="导出内容", choices=ExportKind.choices, empty_label=ALL)
    user = django_filters.CharFilter(field_name="requested_by__username", label="用户名", max_length=150)

    class Meta:
        model = ExportJob
        fields: list[str] = []
