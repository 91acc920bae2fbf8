"""A running class of 渝中区 with a session next week, three trainees on its roster who all signed
in, and a submitted completion claim with a line for each; the officer of 渝中区 inspects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from apps.catalog.models import SettingKey
from apps.classes.models import ClassSession
from apps.inspections import services
from tests.audits.conftest import World, admin, at, eager_tasks, officer, world  # noqa: F401
from tests.factories import DistrictSettingFactory

TODAY = date(2021, 6, 2)  # a Wednesday
WEEK = date(2021, 6, 7)  # the Monday after


@dataclass
class Scene:
    world: World
    session: Any
    claim: Any
    lines: list
    enrolments: list


@pytest.fixture
def scene(world, officer) -> Scene:  # noqa: F811
    DistrictSettingFactory(
        district=world.yuzhong, key=SettingKey.INSPECTION_RATE, value=1, effective_from=date(2021, 1, 1)
    )
    klass = world.training_class(
        date(2021, 6, 1), date(2021, 6, 30), [(WEEK + timedelta(days=1), "09:00", "12:00", "offline")]
    )
    klass.status = "running"
    klass.save(update_fields=["status"])
    session = ClassSession.objects.get(training_class=klass)
    claim = world.completion(klass)
    lines = [world.enrol(claim, world.person(name)) for name in ("张三", "李四", "王五")]
    enrolments = [line.enrolment for line in lines]
    for enrolment in enrolments:
        world.sign_in(enrolment, session, at(session.date, "08:58"))
    return Scene(world, session, claim, lines, enrolments)


def draw_week(scene: Scene, actor: Any, seed: int = 7):
    return services.inspection_draw(district=scene.world.yuzhong, week_start=WEEK, actor=actor, seed=seed)
