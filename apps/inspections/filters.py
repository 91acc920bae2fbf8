"""The inspections list's filter (the page's form)."""

from __future__ import annotations

import django_filters

from apps.core.filters import ALL, FilterSet

from .models import Inspection, InspectionStatus, Stratum


class InspectionFilter(FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=InspectionStatus.choices, empty_label=ALL)
    stratum = django_filters.ChoiceFilter(label="风险分层", choices=Stratum.choices, empty_label=ALL)
    week = django_filters.DateFilter(label="抽查周（周一）", field_name="draw__week_start")

    class Meta:
        model = Inspection
        fields = ["status", "stratum", "week"]
