from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from apps.core.filters import ALL, FilterSet

from .models import Role, User


class UserFilter(FilterSet):
    """?q (user name or full name, contains) ?role."""

    q = django_filters.CharFilter(method="search", label="用户名或姓名", max_length=150)
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label=ALL)

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))
