"""The institutions' lists: institutions and employers (see apps.core.filters)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from apps.catalog.filters import DistrictFilter, DistrictOffered, district_filter
from apps.core.filters import ALL, search_filter, yes_no_filter

from .models import AgencyStatus, Employer, Institution, InstitutionKind, InstitutionStatus, ThirdPartyAgency


def _by_name_or_code(queryset: QuerySet, value: str) -> QuerySet:
    return queryset.filter(Q(name__contains=value) | Q(uscc__startswith=value.upper()))


class InstitutionFilter(DistrictOffered):
    """?q (name or credit code), ?status, ?kind, ?district (code)."""

    q = search_filter("机构名称或统一社会信用代码", "filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=InstitutionStatus.choices, empty_label=ALL)
    kind = django_filters.ChoiceFilter(label="机构类型", choices=InstitutionKind.choices, empty_label=ALL)
    district = district_filter()

    class Meta:
        model = Institution
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _by_name_or_code(queryset, value)


class EmployerFilter(DistrictOffered):
    """?q (name or credit code), ?district (code), ?classified (1/0)."""

    q = search_filter("单位名称或统一社会信用代码", "filter_q")
    district = district_filter()
    classified = yes_no_filter("is_classified", "涉密企业")

    class Meta:
        model = Employer
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _by_name_or_code(queryset, value)


class AgencyFilter(DistrictOffered):
    """?q (name or credit code), ?status, ?district (code: a district its contracts serve)."""

    q = search_filter("机构名称或统一社会信用代码", "filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=AgencyStatus.choices, empty_label=ALL)
    district = DistrictFilter(
        field_name="contracts__districts",
        label="服务区县",
        to_field_name="code",
        empty_label=ALL,
        distinct=True,
    )

    class Meta:
        model = ThirdPartyAgency
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _by_name_or_code(queryset, value)
