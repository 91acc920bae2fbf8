"""Filters of list pages and list APIs (django-filter), shared by both.

Each list has one `FilterSet` in its app's `filters.py`. It narrows a queryset that the app's
permission policy or selector has already scoped to what the user may see; it never widens it.
The page renders the FilterSet's form (`includes/filter_form.html`) and the API reads the same
parameters, so a bookmark and an API call narrow alike. A value that does not parse is refused in
Chinese: the page shows the error on the form and narrows by the other values only, the API
answers 400 with `{"detail", "field"}` like every other error.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django_filters.rest_framework import DjangoFilterBackend

from .errors import ApplicationError
from .urls import MAX_ID

ALL = "全部"
YES_NO = [("1", "是"), ("0", "否")]
LEVEL_CHOICES = [
    ("5", "五级/初级工"),
    ("4", "四级/中级工"),
    ("3", "三级/高级工"),
    ("2", "二级/技师"),
    ("1", "一级/高级技师"),
    ("special", "专项职业能力"),
]


def search_input(**attrs: Any) -> forms.Widget:
    return forms.SearchInput(attrs=attrs)


def search_filter(label: str, method: str, **attrs: Any) -> django_filters.CharFilter:
    """A free-text search box; `method` on the FilterSet decides what it matches."""
    return django_filters.CharFilter(label=label, method=method, widget=search_input(**attrs))


def date_input() -> forms.Widget:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_filter(field_name: str, lookup_expr: str, label: str) -> django_filters.DateFilter:
    """A day (YYYY-MM-DD) bounding `field_name`, e.g. `gte` for "from", `lte` for "to"."""
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup_expr, label=label, widget=date_input()
    )


def number_input(**attrs: Any) -> forms.Widget:
    return forms.NumberInput(attrs=attrs)


def year_filter(field_name: str, label: str = "年度") -> django_filters.NumberFilter:
    """A year (2021–2100) as a number box."""
    return django_filters.NumberFilter(
        field_name=field_name,
        label=label,
        min_value=2021,
        max_value=2100,
        widget=number_input(min=2021, max=2100),
    )


def level_filter(label: str = "等级") -> django_filters.ChoiceFilter:
    """A vocational level 5…1, or `special` for a special ability (no level)."""
    return django_filters.ChoiceFilter(
        label=label, choices=LEVEL_CHOICES, empty_label=ALL, method="filter_level"
    )


def yes_no_filter(field_name: str, label: str, choices: list[tuple[str, str]] | None = None) -> Any:
    """`1` / `0` for a boolean field (the database reads them as true and false)."""
    return django_filters.ChoiceFilter(
        field_name=field_name, label=label, choices=choices or YES_NO, empty_label=ALL
    )


class FilterSet(django_filters.FilterSet):
    """The portal's FilterSet: built from the request (its GET or the API's query parameters),
    its form's ids prefixed `filter_` so they never clash with another form on the same page,
    and `not_offered` naming fields the page does not show this user (a one-district user has
    no district to choose) while the API still accepts them."""

    not_offered: frozenset[str] = frozenset()

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, request: Any = None) -> None:
        super().__init__(data, queryset, request=request)
        self.user = getattr(request, "user", None)

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            self._form = form_class(self.data if self.is_bound else None, auto_id="filter_%s")
        return self._form

    def offered_fields(self) -> list[forms.BoundField]:
        return [self.form[name] for name in self.form.fields if name not in self.not_offered]

    def offered_queryset(self, name: str) -> QuerySet | None:
        """What a model-choice filter offers this user on the page, or None when it is not shown."""
        if name in self.not_offered:
            return None
        field = self.form.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field.queryset

    @property
    def active(self) -> bool:
        """Whether the request chose any filter (the empty list then says "adjust the filters")."""
        data = self.data or {}
        return any(data.get(name) for name in self.filters)

    def narrowed(self) -> QuerySet:
        """The rows for the page: narrowed by every value that reads; a value that does not is
        left out and its error shown on the form (the list says so rather than hiding it)."""
        self.is_valid()
        return self.qs

    def first_error(self) -> ApplicationError:
        field, errors = next(iter(self.errors.items()))
        if field == "__all__":
            return ApplicationError(f"筛选条件有误：{errors[0]}")
        label = self.form.fields[field].label or field
        return ApplicationError(f"筛选条件“{label}”有误：{errors[0]}", field=field)

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        if value == "special":
            return queryset.filter(level__isnull=True)
        return queryset.filter(level=int(value))


def filter_page(filterset_class: type[FilterSet], request: HttpRequest, queryset: QuerySet) -> FilterSet:
    """The page's FilterSet over `queryset`; read `.narrowed()` for the rows and `.form` to show."""
    return filterset_class(request.GET, queryset, request=request)


class DocumentedFilters(DjangoFilterBackend):
    """Names a list API's FilterSet to the schema: drf-spectacular reads `filterset_class` through
    django-filter's backend. The filtering itself is `filter_api` in the view's `get_queryset`, so
    this backend leaves the queryset as it is."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        return queryset


def filter_api(filterset_class: type[FilterSet], request: Any, queryset: QuerySet) -> QuerySet:
    """The API's rows: `queryset` narrowed by the query parameters, or a 400 in Chinese."""
    filterset = filterset_class(request.query_params, queryset, request=request)
    if not filterset.is_valid():
        raise filterset.first_error()
    return filterset.qs


class IntegerFilter(django_filters.Filter):
    """A whole number (django-filter's NumberFilter reads decimals)."""

    field_class = forms.IntegerField


class EventFilter(FilterSet):
    """The changes feed's parameters (GET /api/v1/events): the cursor to read after and the kinds
    of object. The kinds offered are those a permission policy covers (apps.core.events)."""

    after = IntegerFilter(
        field_name="pk", lookup_expr="gt", label="游标（上次返回的 next）", min_value=0, max_value=MAX_ID
    )
    type = django_filters.MultipleChoiceFilter(label="对象类型", method="filter_type")

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *, request: Any = None) -> None:
        super().__init__(data, queryset, request=request)
        from .events import event_types  # events reads every app's policies: not at import time

        self.filters["type"].extra["choices"] = [(kind, kind) for kind in event_types()]

    def filter_type(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        wanted = Q()
        for kind in value:
            app_label, model = kind.split(".", 1)
            wanted |= Q(content_type__app_label=app_label, content_type__model=model)
        return queryset.filter(wanted)
