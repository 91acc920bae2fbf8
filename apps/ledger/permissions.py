"""Who may see and act on the special account (专账资金).

The ledger is read by the municipal admin and the auditor (every district) and by district
officers (their own); third parties, institutions and enterprises do not see it. A district's
allocation and its shares are the municipal bureau's figure (R8.2): the municipal admin alone sets
them, for any district; officers read their own district's. Entries are reversed and payments
recorded by the officers of the district and the admin. The services themselves require the
same; the auditor never acts.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from apps.accounts.models import Role
from apps.catalog.models import District
from apps.catalog.permissions import districts_visible_to, may_edit_district
from apps.core.permissions import PermissionPolicy, is_active_user

from .models import Allocation, LedgerEntry, Payment

if TYPE_CHECKING:
    from apps.accounts.models import User

LEDGER_READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})
LEDGER_ACTORS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER})


def ledger_districts(user: User) -> QuerySet[District]:
    """The districts whose special account the user may read."""
    if not is_active_user(user) or user.role not in LEDGER_READERS:
        return District.objects.none()
    return districts_visible_to(user)


def may_act_in(user: User, district: District | None) -> bool:
    """Reverse entries, record payments: the district's officers and the admin. (Allocations:
    may_set_allocations.)"""
    return is_active_user(user) and district is not None and may_edit_district(user, district)


def may_set_allocations(user: User) -> bool:
    """Set any district's allocation and shares (R8.2): the municipal admin alone."""
    return is_active_user(user) and user.role == Role.MUNICIPAL_ADMIN


def allocation_districts(user: User) -> QuerySet[District]:
    """The districts whose allocation the user may set: every one for the admin, else none."""
    return District.objects.all() if may_set_allocations(user) else District.objects.none()


def actable_districts(user: User) -> QuerySet[District]:
    """The districts where the user may reverse entries and record payments."""
    if not is_active_user(user):
        return District.objects.none()
    if user.role == Role.MUNICIPAL_ADMIN:
        return District.objects.all()
    if user.role == Role.DISTRICT_OFFICER and user.district_id is not None:
        return District.objects.filter(pk=user.district_id)
    return District.objects.none()


class _LedgerPolicy(PermissionPolicy):
    """Read within ledger_districts; `act` where may_act_in; `list` for the ledger's readers and
    `act` in general (no object) for officers and the admin."""

    district_lookup: str

    def visible(self, user: User) -> QuerySet:
        if is_active_user(user) and user.role in LEDGER_READERS and user.is_city_wide:
            # Every row is of a district: a city-wide reader's rows need no district subquery
            # (nor the joins to reach it), so the lists walk their own indexes.
            return self.model.objects.all()
        return self.model.objects.filter(**{f"{self.district_lookup}__in": ledger_districts(user)})

    @abstractmethod
    def district_of(self, obj: Any) -> District:
        """The district whose account the object belongs to."""

    def can(self, user: User, action: str, obj: Any = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in LEDGER_READERS
        if action == "act" and obj is None:
            return user.role in LEDGER_ACTORS
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "act":
            return may_act_in(user, self.district_of(obj))
        return False


class AllocationPolicy(_LedgerPolicy):
    """Actions: list, view; act (set the allocation and its shares, R8.2): the municipal admin
    alone, in any district, with or without an object. Officers read their own district's."""

    model = Allocation
    district_lookup = "district"

    def district_of(self, obj: Allocation) -> District:
        return obj.district

    def can(self, user: User, action: str, obj: Any = None) -> bool:
        if action == "act":
            return may_set_allocations(user)
        return super().can(user, action, obj)


class LedgerEntryPolicy(_LedgerPolicy):
    """Actions: list, view, act (reverse the entry)."""

    model = LedgerEntry
    district_lookup = "allocation__district"

    def district_of(self, obj: LedgerEntry) -> District:
        return obj.allocation.district


class PaymentPolicy(_LedgerPolicy):
    """Actions: list, view, act (record a payment in the district)."""

    model = Payment
    district_lookup = "district"

    def district_of(self, obj: Payment) -> District:
        return obj.district


allocation_policy = AllocationPolicy()
entry_policy = LedgerEntryPolicy()
payment_policy = PaymentPolicy()
