"""The catalog's lists: occupations and a district's rate table (see apps.core.filters), and the
district filter every list above the catalog offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.core.filters import ALL, FilterSet, date_input, level_filter, search_filter, yes_no_filter

from .models import District, MajorCategory, Occupation, RateRow
from .permissions import districts_visible_to
from .selectors import in_force_on

if TYPE_CHECKING:
    from apps.accounts.models import User


def offers_district_choice(user: User | None) -> bool:
    """Whether a list offers this user a district to choose: city-wide users and third-party
    reviewers read several districts; everyone else reads one, or none."""
    return user is not None and (user.is_city_wide or user.role == Role.THIRD_PARTY_REVIEWER)


class DistrictOffered(FilterSet):
    """A FilterSet with a `district` filter that the page shows only to users of several districts
    (the API accepts it from everyone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not offers_district_choice(self.user):
            self.not_offered = self.not_offered | {"district"}


class DistrictFilter(django_filters.ModelChoiceFilter):
    """A district by its code, among those the user may read (one outside is refused)."""

    def get_queryset(self, request: Any) -> QuerySet[District]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return District.objects.none()
        return districts_visible_to(user).order_by("sort_order", "code")


def district_filter(field_name: str = "district", label: str = "所在区县") -> DistrictFilter:
    return DistrictFilter(field_name=field_name, label=label, to_field_name="code", empty_label=ALL)


def occupation_matches(value: str, prefix: str = "occupation__") -> Q:
    """An occupation whose code starts with `value` or whose name contains it."""
    return Q(**{f"{prefix}code__startswith": value}) | Q(**{f"{prefix}name__contains": value})


class OccupationFilter(FilterSet):
    q = search_filter("编码或名称", "filter_q")
    category = django_filters.ChoiceFilter(
        field_name="major_category", label="大类", choices=MajorCategory.choices, empty_label=ALL
    )
    new = yes_no_filter("is_new", "新职业")

    class Meta:
        model = Occupation
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(occupation_matches(value, prefix=""))


class RateRowFilter(FilterSet):
    """A rate table's rows. The page is one district's table (its URL names the district); the API
    chooses it with ?district=."""

    district = district_filter(label="区县")
    occupation = search_filter("职业编码或名称", "filter_occupation")
    level = level_filter()
    on = django_filters.DateFilter(label="生效于", method="filter_on", widget=date_input())
    not_offered = frozenset({"district"})

    class Meta:
        model = RateRow
        fields: list[str] = []

    def filter_occupation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(occupation_matches(value))

    def filter_on(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(in_force_on(value)) if value else queryset
