from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import (
    EVALUATION_WEIGHT_DEFAULTS,
    PUBLICITY_WORKING_DAYS_DEFAULT,
    District,
    DistrictSetting,
    Occupation,
    RateRow,
    SettingKey,
)
from .permissions import district_setting_policy, districts_visible_to, rate_row_policy

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from apps.accounts.models import User


class RowsInForce(TypedDict):
    rows_in_force: int


def in_force_on(day: date, prefix: str = "") -> Q:
    """Rows whose [effective_from, effective_to] period contains `day` (an open end is forever)."""
    return Q(**{f"{prefix}effective_from__lte": day}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": day})
    )


def districts_with_rates_in_force(
    *, user: User, on: date
) -> QuerySet[WithAnnotations[District, RowsInForce]]:
    """The user's districts, each annotated with how many rate-table rows are in force on `on`."""
    return (
        districts_visible_to(user)
        .annotate(rows_in_force=Count("rate_rows", filter=in_force_on(on, prefix="rate_rows__")))
        .order_by("sort_order", "code")  # Meta.ordering is ignored in GROUP BY queries
    )


def publicity_working_days(*, district: District, on: date) -> int:
    """How many working days the district's public notices (公示) run when published on `on`: its
    setting in force then, else PUBLICITY_WORKING_DAYS_DEFAULT."""
    row = (
        DistrictSetting.objects.filter(
            in_force_on(on), district=district, key=SettingKey.PUBLICITY_WORKING_DAYS
        )
        .order_by("-effective_from")
        .first()
    )
    return int(row.value) if row else PUBLICITY_WORKING_DAYS_DEFAULT


@dataclass(frozen=True)
class Weight:
    """A 综合评估 weight as used: the district's setting in force (with the date it took effect)
    or, where the district set none, the default (`effective_from` None)."""

    value: int
    effective_from: date | None = None

    @property
    def source(self) -> str:
        if self.effective_from is None:
            return "默认"
        return f"区县设置（{self.effective_from.isoformat()} 起）"


def evaluation_weights_on(
    *, on: date, district_ids: QuerySet[Any] | list[int]
) -> dict[int, dict[SettingKey, Weight]]:
    """The six 综合评估 weights in force on `on` in each of the districts (ids, or a query of
    them): a district that set one has it with its start date, the others default
    (EVALUATION_WEIGHT_DEFAULTS). One query, whatever the number of districts; a district absent
    from the answer set none (`evaluation_weights_of` fills in the defaults)."""
    rows = (
        DistrictSetting.objects.filter(in_force_on(on), key__in=list(EVALUATION_WEIGHT_DEFAULTS))
        .filter(district_id__in=district_ids)
        .order_by("effective_from", "pk")
        .values_list("district_id", "key", "value", "effective_from")
    )
    out: dict[int, dict[SettingKey, Weight]] = {}
    for district_id, key, value, start in rows:
        out.setdefault(district_id, {})[SettingKey(key)] = Weight(int(value), start)
    return out


def evaluation_weights_of(
    weights: dict[int, dict[SettingKey, Weight]], district_id: int
) -> dict[SettingKey, Weight]:
    """One district's weights from `evaluation_weights_on`'s answer, the defaults filled in."""
    own = weights.get(district_id, {})
    return {key: own.get(key) or Weight(int(default)) for key, default in EVALUATION_WEIGHT_DEFAULTS.items()}


def district_get(*, code: str, user: User) -> District:
    try:
        return districts_visible_to(user).get(code=code)
    except District.DoesNotExist as exc:
        raise Http404("区县不存在") from exc


def occupation_list() -> QuerySet[Occupation]:
    """The occupation catalogue (narrowed by `filters.OccupationFilter` on a list)."""
    return Occupation.objects.all()


def rate_row_list(*, user: User, district: District | None = None) -> QuerySet[RateRow]:
    """The rate rows the user may see, of one district if given (narrowed by
    `filters.RateRowFilter` on a list)."""
    qs = rate_row_policy.visible(user).select_related("district", "occupation")
    return qs if district is None else qs.filter(district=district)


def rate_row_get(*, row_id: int, user: User) -> RateRow:
    return rate_row_policy.get_visible(
        user, RateRow.objects.select_related("district", "occupation"), pk=row_id
    )


def rate_row_in_force(
    *, district: District, occupation: Occupation, level: int | None, on: date
) -> RateRow | None:
    """The rate-table row that applies to a class approved on `on` (R1.6): a row for the
    occupation itself wins over a row for its whole major category."""
    level_q = Q(level__isnull=True) if level is None else Q(level=level)
    rows = (
        RateRow.objects.filter(district=district)
        .filter(level_q, in_force_on(on))
        .filter(
            Q(occupation=occupation) | Q(occupation__isnull=True, major_category=occupation.major_category)
        )
        .select_related("occupation")
        .order_by("occupation_id", "-effective_from")  # NULLs last on PostgreSQL, first on SQLite
    )
    specific = [row for row in rows if row.occupation_id is not None]
    if specific:
        return specific[0]
    return next(iter(rows), None)


def district_setting_list(*, user: User, district: District) -> QuerySet[DistrictSetting]:
    return district_setting_policy.visible(user).filter(district=district)
