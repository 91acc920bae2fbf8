"""The roster's filter, shared by the class's roster page and its API (see apps.core.filters)."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Q, QuerySet

from apps.core.filters import ALL, FilterSet, search_filter

from .models import Enrolment, EnrolmentStatus

ID_ENDING = re.compile(r"[0-9]{3,5}[0-9Xx]")


class RosterFilter(FilterSet):
    """?q (part of a name, or the last 4–6 characters of an ID number) ?status."""

    q = search_filter("姓名或身份证号码末 4 位", "filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=EnrolmentStatus.choices, empty_label=ALL)

    class Meta:
        model = Enrolment
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q(person__name__contains=value)
        if ID_ENDING.fullmatch(value):
            condition |= Q(person__id_number__endswith=value.upper())
        return queryset.filter(condition)
