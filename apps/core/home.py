"""Role home pages and navigation, assembled from what each app registers.

`core` sits underneath every other app, so it cannot import them; instead each app registers
its navigation entries and home-page panels in its AppConfig.ready(), and the home view and
the navigation context processor show those meant for the user's role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import get_script_prefix, get_urlconf, reverse

if TYPE_CHECKING:
    from apps.accounts.models import User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """`build(user)` returns the template context of the panel, or None to hide it; a year-bound
    panel's is `build(user, year)`, the year the home page's selector shows."""

    template: str
    roles: frozenset[str]
    build: Callable[..., dict[str, Any] | None]
    order: int = 100
    year_bound: bool = False


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    panels: list[HomePanel] = field(default_factory=list)
    # Each returns the years a user has data in (allocations, claims), for the year selector.
    years: list[Callable[[Any], Iterable[int]]] = field(default_factory=list)


registry = Registry()


def register_nav(label: str, url_name: str, roles: Iterable[str], order: int = 100) -> None:
    registry.nav.append(NavItem(str(label), url_name, frozenset(roles), order))


def register_panel(
    template: str,
    roles: Iterable[str],
    build: Callable[..., dict[str, Any] | None],
    order: int = 100,
    *,
    year_bound: bool = False,
) -> None:
    registry.panels.append(HomePanel(template, frozenset(roles), build, order, year_bound))


def register_years(years: Callable[[Any], Iterable[int]]) -> None:
    registry.years.append(years)


def years_with_data(user: User) -> list[int]:
    """The years the user has data in, newest first, as the apps that hold it say."""
    return sorted({year for source in registry.years for year in source(user)}, reverse=True)


def chosen_year(asked: str, years: list[int], today: int) -> int:
    """The year a year-bound page shows: the one asked for (?year=), else this year if it has data
    or nothing has, else the latest year with data up to this year (the earliest after it when
    every year with data lies ahead)."""
    if asked.isdigit() and 2000 <= int(asked) <= 2100:
        return int(asked)
    if not years or today in years:
        return today
    past = [year for year in years if year <= today]
    return max(past) if past else min(years)


def year_choices(years: list[int], year: int, today: int) -> list[int]:
    """The selector's years: those with data, this year and the one shown, newest first."""
    return sorted({*years, today, year}, reverse=True)


@functools.lru_cache(maxsize=512)
def _nav_url(name: str, prefix: str, urlconf: Any) -> str:
    """A menu entry's address, reversed once per script prefix and URLconf (every page shows the
    menu: reversing its thirty-odd entries each time cost about a millisecond a page)."""
    return reverse(name, urlconf=urlconf)


def nav_for(user: User, current_path: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    prefix, urlconf = get_script_prefix(), get_urlconf()
    for item in sorted(registry.nav, key=lambda i: i.order):
        if user.role in item.roles:
            items.append(
                {"label": item.label, "url": _nav_url(item.url_name, prefix, urlconf), "active": False}
            )
    # The entry whose address is the longest prefix of the current page is the active one.
    matches = [
        i
        for i in items
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


def home_context(user: User, year: int | None = None) -> dict[str, Any]:
    """The user's panels; the year-bound ones for `year` (this year when None)."""
    panels = []
    year_bound = False
    for panel in sorted(registry.panels, key=lambda p: p.order):
        if user.role in panel.roles:
            if panel.year_bound:
                context = panel.build(user, year)
                year_bound = year_bound or context is not None
            else:
                context = panel.build(user)
            if context is not None:
                panels.append({"template": panel.template, **context})
    return {"panels": panels, "year_bound": year_bound}
