"""Reading scenarios the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import Role, User
from apps.catalog.models import District

from . import engine
from .models import Scenario, ScenarioAdoption, ScenarioLine
from .permissions import scenario_policy


def scenario_list(*, user: User) -> QuerySet[Scenario]:
    return scenario_policy.visible(user).select_related("district", "created_by")


def scenario_get(*, user: User, pk: int) -> Scenario:
    scenario = scenario_list(user=user).filter(pk=pk).first()
    if scenario is None:
        raise Http404("推演不存在")
    return scenario


def changed_lines(scenario: Scenario) -> QuerySet[ScenarioLine]:
    return scenario.lines.select_related("line__person", "line__claim").order_by("line_id")


def explain_rows(scenario: Scenario, rows: Iterable[Any]) -> None:
    """Give each changed line shown its two explanations, quoted again from the line's inputs
    (`steps_before`, `steps_after`); `stale` when the line has been quoted afresh since the
    replay (its amounts no longer those recorded: the explanations are of its inputs now)."""
    for row in rows:
        was, now = engine.explain(row.line.inputs, scenario.changes)
        row.steps_before, row.steps_after = engine.steps_of(was), engine.steps_of(now)
        row.stale = (was.amount, now.amount) != (row.before, row.after)


def draft_districts(*, user: User) -> QuerySet[District]:
    if user.role == Role.MUNICIPAL_ADMIN:
        return District.objects.order_by("sort_order", "code")
    return District.objects.filter(pk=user.district_id or 0)


def adoptions(scenario: Scenario) -> QuerySet[ScenarioAdoption]:
    """The scenario's adoptions, newest first, with who proposed and who decided."""
    return scenario.adoptions.select_related("proposed_by", "decided_by").order_by("-pk")
