"""The roster's filter, shared by the class's roster page and its API (see apps.core.filters)."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from apps.core.filters import ALL, FilterSet, date_filter, search_filter
from apps.institutions.models import ThirdPartyAgency
from apps.institutions.selectors import agencies_engaged_by

from .models import Enrolment, EnrolmentStatus, PersonalDataView

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


def _agencies(request: Any) -> QuerySet:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ThirdPartyAgency.objects.none()
    return agencies_engaged_by(user=user).order_by("name", "id")


class ThirdPartyReadFilter(FilterSet):
    """?agency (id, among the agencies whose reads the user may see), ?since, ?until (days)."""

    agency = django_filters.ModelChoiceFilter(label="第三方社会机构", queryset=_agencies, empty_label=ALL)  # type: ignore[arg-type]  # django-filter calls it with the request
    since = date_filter("created_at__date", "gte", "查看日期自")
    until = date_filter("created_at__date", "lte", "查看日期至")

    class Meta:
        model = PersonalDataView
        fields: list[str] = []
