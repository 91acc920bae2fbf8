"""The lists of notices (public) and of objections (officers), see apps.core.filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.catalog.filters import DistrictOffered, district_filter
from apps.catalog.models import District
from apps.core import dates
from apps.core.filters import ALL, FilterSet

from .models import Objection, ObjectionStatus, PublicNotice


class PublicDistrictFilter(django_filters.ModelChoiceFilter):
    """Any district by its code: the notices are public."""

    def get_queryset(self, request: Any) -> QuerySet[District]:
        return District.objects.order_by("sort_order", "code")


class NoticeFilter(FilterSet):
    """?district (code) ?running (1: in its period today, 0: over)."""

    district = PublicDistrictFilter(
        field_name="district", label="区县", to_field_name="code", empty_label=ALL
    )
    running = django_filters.ChoiceFilter(
        label="状态", choices=[("1", "公示中"), ("0", "已结束")], empty_label=ALL, method="filter_running"
    )

    class Meta:
        model = PublicNotice
        fields: list[str] = []

    def filter_running(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = dates.today()
        if value == "1":
            return queryset.filter(published_on__lte=today, ends_on__gte=today)
        if value == "0":
            return queryset.filter(ends_on__lt=today)
        return queryset


class ObjectionFilter(DistrictOffered):
    """?district (code, the notice's) ?status."""

    district = district_filter("notice__district", "区县")
    status = django_filters.ChoiceFilter(label="状态", choices=ObjectionStatus.choices, empty_label=ALL)

    class Meta:
        model = Objection
        fields: list[str] = []
