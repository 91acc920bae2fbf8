"""The claims' list: the claimants' own claims, the officers' queue, everyone else's view of their
districts (see apps.core.filters)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from apps.catalog.filters import district_filter
from apps.core.filters import ALL, FilterSet, number_input, search_filter

from .models import Claim, ClaimKind, ClaimStatus
from .selectors import WAITING, has_findings

CLAIMANT_ROLES = ("institution_operator", "enterprise_filer")


def _amount(lookup_expr: str, label: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(
        field_name="total",
        lookup_expr=lookup_expr,
        label=label,
        max_digits=14,
        decimal_places=2,
        widget=number_input(step="0.01", min="0"),
    )


class ClaimFilter(FilterSet):
    """?kind ?status (or `waiting`: submitted or under review) ?claimant (name or credit code)
    ?district (code) ?amount_min ?amount_max (yuan, inclusive) ?has_findings (1/0)."""

    kind = django_filters.ChoiceFilter(label="申领类型", choices=ClaimKind.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[("waiting", "待审核（已提交、审核中）"), *ClaimStatus.choices],
        empty_label=ALL,
        method="filter_status",
    )
    claimant = search_filter("培训机构或用人单位", "filter_claimant", placeholder="名称或统一社会信用代码")
    district = district_filter(label="区县")
    amount_min = _amount("gte", "申领金额从（元）")
    amount_max = _amount("lte", "至（元）")
    has_findings = django_filters.ChoiceFilter(
        label="校验结果或稽核疑点",
        choices=[("1", "有校验提示或未排除的稽核疑点"), ("0", "都没有")],
        empty_label=ALL,
        method="filter_has_findings",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hidden = set()
        if getattr(self.user, "role", None) in CLAIMANT_ROLES:
            hidden.add("claimant")  # their own claims only
        if not getattr(self.user, "is_city_wide", False):
            hidden.add("district")
        self.not_offered = frozenset(hidden)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "waiting":
            return queryset.filter(status__in=WAITING)
        return queryset.filter(status=value)

    def filter_has_findings(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The engine's findings on a line, or a current open or confirmed audit finding on one
        (selectors.has_findings: indexed EXISTS, not the list's annotation)."""
        flagged = has_findings()
        return queryset.filter(flagged if value == "1" else ~flagged)

    def filter_claimant(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        code = value.upper()
        return queryset.filter(
            Q(institution__name__contains=value)
            | Q(employer__name__contains=value)
            | Q(institution__uscc=code)
            | Q(employer__uscc=code)
        )
