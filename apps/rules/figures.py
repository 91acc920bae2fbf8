"""The figures of the rules as pages, forms, help texts and messages write them.

A page never types a figure of the notice (``30%``, ``× 6 ÷``, ``130–200 元``) into its text: it asks
for the :class:`Figures` in force on the day it is about (a claim's or a class's date; today for a
form) and writes them in. When a parameter takes a new value from some day, the pages about that
day and after say the new figure, as the engine's steps do.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.rules.money import percent
from apps.rules.parameters import params_on


def whole(amount: Decimal) -> str:
    """A figure of yuan as the notice writes it, without the fen when there are none: ``130.00`` → ``130``."""
    return f"{amount.normalize():f}"


def year_month(day: date) -> str:
    """A month in Chinese: 2021-12-31 → ``2021 年 12 月``."""
    return f"{day.year} 年 {day.month} 月"


@dataclass(frozen=True, slots=True)
class Figures:
    """The parameters in force on ``on``, each written for people (yuan without fen, shares in %)."""

    on: date
    rate_min: str
    rate_max: str
    rate_floor_manufacturing: str
    rate_floor_manufacturing_advanced: str
    rate_floor_other: str
    rate_floor_other_advanced: str
    new_occupation_rate: str
    new_occupation_rate_advanced: str
    class_hours_per_day: str
    class_hour_minutes: str
    online_share: str
    online_rate_cap: str
    work_for_training_last_month: str
    advance_share: str
    high_skill_base_national_target: str
    high_skill_base_municipal_target: str
    per_year_limit: str
    minimum_age: str

    @property
    def planned_hours_formula(self) -> str:
        """R1.5: ``H = ⌊S × 6 ÷ r⌋``."""
        return f"H = ⌊S × {self.class_hours_per_day} ÷ r⌋"

    @property
    def new_occupation_standard_formula(self) -> str:
        """R1.5 for a new occupation: ``r × H ÷ 6``."""
        return f"r × H ÷ {self.class_hours_per_day}"


def figures_on(on: date) -> Figures:
    """Every figure a page may write, from the parameters in force on ``on``."""
    p = params_on(on)
    return Figures(
        on=on,
        rate_min=whole(p.daily_rate_min),
        rate_max=whole(p.daily_rate_max),
        rate_floor_manufacturing=whole(p.rate_floor_manufacturing),
        rate_floor_manufacturing_advanced=whole(p.rate_floor_manufacturing_advanced),
        rate_floor_other=whole(p.rate_floor_other),
        rate_floor_other_advanced=whole(p.rate_floor_other_advanced),
        new_occupation_rate=whole(p.new_occupation_rate),
        new_occupation_rate_advanced=whole(p.new_occupation_rate_advanced),
        class_hours_per_day=str(p.class_hours_per_day),
        class_hour_minutes=str(p.class_hour_minutes),
        online_share=percent(p.online_share_cap),
        online_rate_cap=whole(p.online_rate_cap),
        work_for_training_last_month=year_month(p.work_for_training_last_day),
        advance_share=percent(p.apprenticeship_advance_share),
        high_skill_base_national_target=str(p.high_skill_base_national_target),
        high_skill_base_municipal_target=str(p.high_skill_base_municipal_target),
        per_year_limit=str(p.per_year_limit),
        minimum_age=str(p.minimum_age),
    )
