from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet

from apps.accounts.models import Role
from apps.core.permissions import PermissionPolicy, is_active_user

from .extensions import engaged_districts
from .models import District, DistrictSetting, RateRow

if TYPE_CHECKING:
    from apps.accounts.models import User

M = TypeVar("M", bound=Model)


def districts_visible_to(user: User) -> QuerySet[District]:
    """The districts whose data this user may read (`in_visible_districts` over the districts)."""
    return in_visible_districts(District.objects.all(), user, field="pk")


def in_visible_districts(qs: QuerySet[M], user: User, field: str = "district") -> QuerySet[M]:
    """`qs` narrowed to the rows whose `field` names a district this user may read: none for an
    inactive user, all for a city-wide one, those of the agency's active contracts for a
    third-party reviewer (R7.1), the user's own otherwise. Their own is a plain condition on the
    row's own column (`district_id = 3`): a subquery over the districts would add a relation to
    every query built on it, and PostgreSQL's planning time grows steeply with the relations a
    query joins (a claim read with its institution, class and district took 2–3 ms to plan and
    0.3 ms to run)."""
    if not is_active_user(user):
        return qs.none()
    if user.is_city_wide:
        return qs
    if user.role == Role.THIRD_PARTY_REVIEWER:
        return qs.filter(**{f"{field}__in": engaged_districts(user)})
    if user.district_id is None:
        return qs.none()
    return qs.filter(**{field: user.district_id})


def may_edit_district(user: User, district: District) -> bool:
    """Rate tables and settings: the municipal admin anywhere, an officer in their own district."""
    if not is_active_user(user):
        return False
    if user.role == Role.MUNICIPAL_ADMIN:
        return True
    return user.role == Role.DISTRICT_OFFICER and district is not None and user.district_id == district.pk


class DistrictScopedPolicy(PermissionPolicy):
    """For models with a `district` foreign key: read within the visible districts,
    edit where `may_edit_district` allows."""

    def visible(self, user: User) -> QuerySet:
        return in_visible_districts(self.model.objects.all(), user)

    def can(self, user: User, action: str, obj: Any = None) -> bool:
        if action == "view":
            return obj is None or self.visible(user).filter(pk=obj.pk).exists()
        if action in {"add", "change"}:
            if obj is None:
                return user.is_authenticated and user.role in {Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER}
            return may_edit_district(user, obj.district)
        return False


class RateRowPolicy(DistrictScopedPolicy):
    model = RateRow


class DistrictSettingPolicy(DistrictScopedPolicy):
    model = DistrictSetting


rate_row_policy = RateRowPolicy()
district_setting_policy = DistrictSettingPolicy()
