"""The class applications' list (see apps.core.filters)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.catalog.filters import occupation_matches
from apps.core.filters import ALL, FilterSet, date_filter, level_filter, search_filter, yes_no_filter

from .models import ClassStatus, TrainingClass


class ClassFilter(FilterSet):
    """?status ?institution (name or credit code) ?occupation (code prefix or name) ?level
    ?start_from ?start_to (start date, inclusive) ?has_findings (1/0)."""

    status = django_filters.ChoiceFilter(label="状态", choices=ClassStatus.choices, empty_label=ALL)
    institution = search_filter("培训机构", "filter_institution")
    occupation = search_filter("职业编码或名称", "filter_occupation")
    level = level_filter()
    start_from = date_filter("start_date", "gte", "开班日期从")
    start_to = date_filter("start_date", "lte", "至")
    has_findings = yes_no_filter("has_findings", "疑点", [("1", "有疑点"), ("0", "无疑点")])

    class Meta:
        model = TrainingClass
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if getattr(self.user, "role", None) == Role.INSTITUTION_OPERATOR:
            self.not_offered = frozenset({"institution"})  # their own classes only

    def filter_institution(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(institution__name__contains=value) | Q(institution__uscc=value.upper()))

    def filter_occupation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(occupation_matches(value))
