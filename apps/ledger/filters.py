"""The ledger's lists: entries, payments, recoveries and allocations (see apps.core.filters)."""

from __future__ import annotations

import django_filters

from apps.catalog.filters import DistrictOffered, district_filter
from apps.claims.models import Share
from apps.core.filters import ALL, FilterSet, number_input, year_filter

from .models import Allocation, EntryKind, LedgerEntry, Payment, Recovery, RecoveryStatus


class EntryFilter(DistrictOffered):
    """?district (code) ?year (the allocation's) ?share ?kind ?claim (its number)."""

    district = district_filter("allocation__district", "区县")
    year = year_filter("allocation__year")
    share = django_filters.ChoiceFilter(label="资金类别", choices=Share.choices, empty_label=ALL)
    kind = django_filters.ChoiceFilter(label="类型", choices=EntryKind.choices, empty_label=ALL)
    claim = django_filters.NumberFilter(
        field_name="claim_line__claim_id", label="申领编号", min_value=1, widget=number_input(min=1)
    )

    class Meta:
        model = LedgerEntry
        fields: list[str] = []


class PaymentFilter(DistrictOffered):
    """?district (code) ?year (paid in)."""

    district = district_filter("district", "区县")
    year = year_filter("paid_on__year", "拨付年度")

    class Meta:
        model = Payment
        fields: list[str] = []


class RecoveryFilter(DistrictOffered):
    """?district (code, the claim's) ?status."""

    district = district_filter("claim_line__claim__district", "区县")
    status = django_filters.ChoiceFilter(label="状态", choices=RecoveryStatus.choices, empty_label=ALL)

    class Meta:
        model = Recovery
        fields: list[str] = []


class AllocationFilter(FilterSet):
    """?year (the API's list; the page shows one year at a time, chosen with its year selector)."""

    year = year_filter("year")

    class Meta:
        model = Allocation
        fields: list[str] = []
