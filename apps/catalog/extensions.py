"""Hooks apps.catalog offers the apps above it, filled in their AppConfig.ready(): the districts a
third-party reviewer works in, which apps.institutions reads from the active service contracts of
the reviewer's agency (R7.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .models import District

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.accounts.models import User

#: (user, scope or None for any scope) -> the districts; scope is one of
#: apps.institutions.models.ContractScope.
EngagedDistricts = Callable[["User", "str | None"], "QuerySet[District]"]

_engaged_sources: list[EngagedDistricts] = []


def register_engaged_districts(source: EngagedDistricts) -> None:
    """The one source of a third-party reviewer's districts (a second registration replaces it)."""
    _engaged_sources[:] = [source]


def engaged_districts(user: User, scope: str | None = None) -> QuerySet[District]:
    """The districts whose active contracts engage this third-party reviewer (for `scope`, or any):
    none until apps.institutions registers its source."""
    if not _engaged_sources:
        return District.objects.none()
    return _engaged_sources[0](user, scope)
