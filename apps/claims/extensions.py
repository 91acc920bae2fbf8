"""Sections other apps add to the claim page, and the notes they put on its lines.

`claims` may not import the apps to its right (audits, ledger), yet an officer reviewing a claim
needs what they found about it next to the lines. So an app registers a section in its
AppConfig.ready(): `build(user, claim)` returns the section's template context, with the notes it
puts on single lines under "line_notes", or None to show nothing to that user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LineNote:
    """A remark on one line, shown in its row: a rule, its severity, what it says, a link to more."""

    rule: str
    severity: str
    message: str
    rule_url: str
    url: str
    link_label: str


@dataclass(frozen=True)
class ClaimSection:
    template: str
    build: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedSection:
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class ClaimPageExtras:
    sections: list[RenderedSection] = field(default_factory=list)
    line_notes: dict[int, list[LineNote]] = field(default_factory=dict)


sections: list[ClaimSection] = []


def register_claim_section(
    template: str, build: Callable[[Any, Any], dict[str, Any] | None], order: int = 100
) -> None:
    sections.append(ClaimSection(template, build, order))


def claim_page_extras(*, user: Any, claim: Any) -> ClaimPageExtras:
    """Every registered section the user is shown for the claim, and their notes by line id."""
    extras = ClaimPageExtras()
    for section in sorted(sections, key=lambda s: s.order):
        context = section.build(user, claim)
        if context is None:
            continue
        for line_id, notes in context.pop("line_notes", {}).items():
            extras.line_notes.setdefault(line_id, []).extend(notes)
        extras.sections.append(RenderedSection(section.template, context))
    return extras
