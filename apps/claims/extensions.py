"""Sections other apps add to the claim page, and the notes they put on its lines.

`claims` may not import the apps to its right (audits, ledger), yet an officer reviewing a claim
needs what they found about it next to the lines. So an app registers a section in its
AppConfig.ready(): `build(user, claim)` returns the section's template context, with the notes it
puts on single lines under "line_notes", or None to show nothing to that user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.accounts.models import User


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


def claim_page_extras(*, user: User, claim: Any) -> ClaimPageExtras:
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


# Review guards ----------------------------------------------------------------------------------
# What other apps know that must stop or slow an officer's approval: a confirmed audit finding on a
# line (it cannot be approved until dismissed with a reason), and the open findings on a claim
# (its final approval asks the officer to acknowledge them, and the acknowledgement is logged).


@dataclass(frozen=True)
class ReviewGuard:
    # line ids → why each may not be approved
    blocking: Callable[[list[int]], dict[int, list[str]]]
    # the claim → what the officer must acknowledge before the final approval
    pending: Callable[[Any], list[str]]


guards: list[ReviewGuard] = []


def register_review_guard(
    *, blocking: Callable[[list[int]], dict[int, list[str]]], pending: Callable[[Any], list[str]]
) -> None:
    guards.append(ReviewGuard(blocking, pending))


def lines_blocked(line_ids: list[int]) -> dict[int, list[str]]:
    """Why each of these lines may not be approved, by line id (lines with nothing to say left out)."""
    out: dict[int, list[str]] = {}
    for guard in guards:
        for line_id, reasons in guard.blocking(line_ids).items():
            out.setdefault(line_id, []).extend(reasons)
    return out


def claim_pending_matters(claim: Any) -> list[str]:
    """What the officer must acknowledge before approving the claim."""
    return [message for guard in guards for message in guard.pending(claim)]


# Approving as a whole ---------------------------------------------------------------------------
# Whether the officer may approve a claim's pending lines at once (其余明细全部通过) or must decide
# each: apps.audits' claim sampling (a claim at or over the district's risk threshold, or drawn at
# its random rate, is reviewed line by line). A guard returns why not, or nothing.

bulk_guards: list[Callable[[Any], list[str]]] = []


def register_bulk_guard(guard: Callable[[Any], list[str]]) -> None:
    bulk_guards.append(guard)


def claim_bulk_refusals(claim: Any) -> list[str]:
    """Why the claim's pending lines may not be approved at once (nothing: they may)."""
    return [reason for guard in bulk_guards for reason in guard(claim)]


# Findings held elsewhere --------------------------------------------------------------------------
# A claim "has findings" (the claims' list, its filter and API) when a line has a finding of the
# engine or another app holds one on a line that waits for a decision: the audits register their
# current open or confirmed findings. Each source is a queryset of rows with a `claim_id` column,
# read through a partial index of its own (an EXISTS by claim), so the flag is one indexed fact.

finding_sources: list[Callable[[], QuerySet[Any]]] = []


def register_finding_source(source: Callable[[], QuerySet[Any]]) -> None:
    finding_sources.append(source)


# On submission --------------------------------------------------------------------------------
# What other apps attach to a claim when it is submitted (or submitted again), in the transaction
# that submits it, before any line can be decided: apps.inspections writes the findings (A7) of a
# process-supervision visit on the lines of trainees it saw absent, if they had no line then.

submitted_hooks: list[Callable[[Any], object]] = []


def register_claim_submitted(hook: Callable[[Any], object]) -> None:
    submitted_hooks.append(hook)


def claim_submitted(claim: Any) -> None:
    for hook in submitted_hooks:
        hook(claim)
