"""Reading scenarios the user may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import Role, User
from apps.catalog.models import District

from .models import Scenario, ScenarioLine
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


def draft_districts(*, user: User) -> QuerySet[District]:
    if user.role == Role.MUNICIPAL_ADMIN:
        return District.objects.order_by("sort_order", "code")
    return District.objects.filter(pk=user.district_id or 0)
