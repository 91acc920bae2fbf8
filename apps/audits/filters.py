"""The batch audits' lists: runs and findings (see apps.core.filters)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.catalog.filters import district_filter
from apps.core.filters import ALL, FilterSet

from .engine.catalogue import RULE_CHOICES
from .models import BATCH_SCOPES, AuditFinding, AuditRun, Change, FindingStatus, RunStatus


class RunFilter(FilterSet):
    """?scope ?status."""

    scope = django_filters.ChoiceFilter(label="稽核范围", choices=BATCH_SCOPES, empty_label=ALL)
    status = django_filters.ChoiceFilter(label="状态", choices=RunStatus.choices, empty_label=ALL)

    class Meta:
        model = AuditRun
        fields: list[str] = []


class FindingFilter(FilterSet):
    """?rule ?district (code) ?status (handling) ?change ?claim (its number; the API's).

    Over one run (`of_run`), a finding that cleared since the previous run is listed only when
    ?change=cleared asks for it; the current findings are offered no such choice."""

    rule = django_filters.ChoiceFilter(label="规则", choices=RULE_CHOICES, empty_label=ALL)
    district = district_filter(label="区县")
    status = django_filters.ChoiceFilter(label="处理状态", choices=FindingStatus.choices, empty_label=ALL)
    change = django_filters.ChoiceFilter(label="与上次相比", choices=Change.choices, empty_label=ALL)
    claim = django_filters.NumberFilter(field_name="claim_id", label="申领编号", min_value=1)

    class Meta:
        model = AuditFinding
        fields: list[str] = []

    def __init__(self, *args: Any, of_run: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.of_run = of_run
        hidden = {"claim"}
        if not getattr(self.user, "is_city_wide", False):
            hidden.add("district")
        self.not_offered = frozenset(hidden)
        change = self.form.fields["change"]
        if of_run:
            change.widget.choices = [("", "新增和仍存在"), *Change.choices]
        else:
            change.widget.choices = [("", ALL), *(c for c in Change.choices if c[0] != Change.CLEARED)]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.of_run and self.form.cleaned_data.get("change") != Change.CLEARED:
            queryset = queryset.exclude(change=Change.CLEARED)
        return queryset
