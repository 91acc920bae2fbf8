"""Role home pages and navigation, assembled from what each app registers.

`core` sits underneath every other app, so it cannot import them; instead each app registers
its navigation entries and home-page panels in its AppConfig.ready(), and the home view and
the navigation context processor show those meant for the user's role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """`build(user)` returns the template context of the panel, or None to hide it."""

    template: str
    roles: frozenset[str]
    build: Callable[[Any], dict[str, Any] | None]
    order: int = 100


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    panels: list[HomePanel] = field(default_factory=list)


registry = Registry()


def register_nav(label: str, url_name: str, roles: Iterable[str], order: int = 100) -> None:
    registry.nav.append(NavItem(str(label), url_name, frozenset(roles), order))


def register_panel(
    template: str, roles: Iterable[str], build: Callable[[Any], dict[str, Any] | None], order: int = 100
) -> None:
    registry.panels.append(HomePanel(template, frozenset(roles), build, order))


def nav_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    items = []
    for item in sorted(registry.nav, key=lambda i: i.order):
        if user.role in item.roles:
            items.append({"label": item.label, "url": reverse(item.url_name), "active": False})
    # The entry whose address is the longest prefix of the current page is the active one.
    matches = [
        i
        for i in items
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


def home_context(user: Any) -> dict[str, Any]:
    panels = []
    for panel in sorted(registry.panels, key=lambda p: p.order):
        if user.role in panel.roles:
            context = panel.build(user)
            if context is not None:
                panels.append({"template": panel.template, **context})
    return {"panels": panels}
