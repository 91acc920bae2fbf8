"""The inbox's filter, shared by the page and the API (see apps.core.filters)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.core.filters import ALL, FilterSet

from .models import Notice


class NoticeFilter(FilterSet):
    """?unread=1 (the API also reads ?unread=true): unread notices only."""

    unread = django_filters.ChoiceFilter(
        label="阅读状态", choices=[("1", "未读"), ("true", "未读")], empty_label=ALL, method="filter_unread"
    )

    class Meta:
        model = Notice
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["unread"].widget.choices = [("", ALL), ("1", "未读")]

    def filter_unread(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(read_at__isnull=True)
