"""The explanation follows the dated parameters it used (issue 15, item 3).

Each test gives a parameter a second value from 2022-01-01, as a later notice would, and quotes the
same scenario dated before and after that day: the amount changes, and so does the figure written
in the step that explains it. District settings (R3.5, R8.1) are dated by the caller, who passes
the settings in force on the day; the step shows whichever figure it was given.
"""

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from apps.rules import parameters
from apps.rules.district import DistrictSettings
from apps.rules.figures import figures_on
from apps.rules.parameters import ParameterValue, params_on
from apps.rules.rates import rate_row_steps
from apps.rules.results import Step

from .builders import apprenticeship, online_class, run, w3

LATER: date = date(2022, 1, 1)


@pytest.fixture
def from_2022(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, ParameterValue], None]]:
    """Give the parameter ``name`` a new value effective from 2022-01-01 (the earlier one stays)."""

    def change(name: str, value: ParameterValue) -> None:
        changed = tuple(
            replace(p, values=(*p.values, (LATER, value))) if p.name == name else p
            for p in parameters.PARAMETERS
        )
        monkeypatch.setattr(parameters, "PARAMETERS", changed)
        params_on.cache_clear()

    yield change
    params_on.cache_clear()


def _step(steps: tuple[Step, ...], rule: str, marker: str) -> Step:
    return next(step for step in steps if step.rule == rule and marker in step.text)


def test_r5_5_the_advance_share_in_words_follows_the_dated_parameter(from_2022) -> None:
    from_2022("apprenticeship_advance_share", D("0.40"))

    before = run(apprenticeship(advance=True))
    after = run(apprenticeship(advance=True, start="2022-02-01", end="2024-01-31"))

    assert before.amount == D("4000.00")
    assert before.steps[-1].arithmetic == "8000.00 × 50% = 4000.00"
    assert "不超过全额的 50%" in before.steps[-1].text
    assert after.amount == D("3200.00")
    assert after.steps[-1].arithmetic == "8000.00 × 40% = 3200.00"
    assert "不超过全额的 40%" in after.steps[-1].text


def test_r1_5_the_class_hours_per_day_in_the_rate_step_follow_the_dated_parameter(from_2022) -> None:
    from_2022("class_hours_per_day", 8)

    before = run(w3())
    after = run(w3(approved_on="2022-01-10", start="2022-01-17", end="2022-02-28"))

    assert before.steps[0].arithmetic == "⌊1000.00 × 6 ÷ 130.00⌋ = 46"
    assert after.steps[0].arithmetic == "⌊1000.00 × 8 ÷ 130.00⌋ = 61"
    assert "折算为 61 课时" in after.steps[0].text
    paid = next(step for step in after.steps if step.amount)
    assert paid.arithmetic == "130.00 × 46 ÷ 8 = 747.50" and after.amount == D("747.50")


def test_r1_5_the_rate_table_row_is_worded_from_the_parameter_of_its_first_day(from_2022) -> None:
    from_2022("class_hours_per_day", 8)
    row = {"standard": D("1000.00"), "rate": D("130.00"), "class_hours": 46, "new": False}

    assert rate_row_steps(**row, on=date(2021, 3, 1)) == (
        Step(
            "R1.5", "课时 H = ⌊S × 6 ÷ r⌋ = ⌊1000.00 × 6 ÷ 130.00⌋ = 46 课时", "⌊1000.00 × 6 ÷ 130.00⌋ = 46"
        ),
    )
    (later,) = rate_row_steps(**{**row, "class_hours": 61}, on=LATER)
    assert later.text == "课时 H = ⌊S × 8 ÷ r⌋ = ⌊1000.00 × 8 ÷ 130.00⌋ = 61 课时"


def test_r1_5_a_new_occupation_row_is_worded_from_the_parameter_of_its_first_day(from_2022) -> None:
    from_2022("class_hours_per_day", 8)
    new = {"rate": D("150.00"), "class_hours": 48, "new": True}

    (before,) = rate_row_steps(**new, standard=D("1200.00"), on=date(2021, 3, 1))
    (after,) = rate_row_steps(**new, standard=D("900.00"), on=LATER)

    assert before.text == "新职业：课时 H = 48（区县确定），补贴标准 S = 150.00 × 48 ÷ 6 = 1200.00 元"
    assert (after.arithmetic, after.amount) == ("150.00 × 48 ÷ 8 = 900.00", D("900.00"))
    assert after.text == "新职业：课时 H = 48（区县确定），补贴标准 S = 150.00 × 48 ÷ 8 = 900.00 元"


def test_r1_5_a_new_occupation_quote_divides_by_the_class_hours_per_day_in_force(from_2022) -> None:
    from_2022("class_hours_per_day", 8)
    new = {"occupation": {"code": "4-04-05-05", "category": 4, "new": True}, "level": 5}
    data = {**new, "rate": "150.00", "standard": None, "planned_hours": 48}

    before = run(w3(**data, attended={"offline": 48, "online": 0}))
    after = run(
        w3(
            **data,
            attended={"offline": 48, "online": 0},
            approved_on="2022-01-10",
            start="2022-01-17",
            end="2022-02-28",
        )
    )

    assert before.steps[1].arithmetic == "150.00 × 48 ÷ 6 = 1200.00" and before.amount == D("1200.00")
    assert after.steps[1].arithmetic == "150.00 × 48 ÷ 8 = 900.00" and after.amount == D("900.00")


def test_r2_5_the_online_share_in_the_step_and_the_finding_follows_the_dated_parameter(from_2022) -> None:
    from_2022("online_share_cap", D("0.20"))
    later = {"approved_on": "2022-01-10", "start": "2022-01-17", "end": "2022-03-31"}

    before = run(online_class(attended={"offline": 70, "online": 30}))
    after = run(online_class(attended={"offline": 70, "online": 30}, **later))

    before_step = _step(before.steps, "R2.5", "线上计入")
    assert "不超过计划总课时的 30%，即 30 课时" in before_step.text
    assert "min(30, ⌊0.30 × 100⌋) = 30" in before_step.arithmetic
    after_step = _step(after.steps, "R2.5", "线上计入")
    assert "不超过计划总课时的 20%，即 20 课时" in after_step.text
    assert "min(30, ⌊0.20 × 100⌋) = 20" in after_step.arithmetic
    excess = next(f for f in after.findings if f.rule == "R2.5")
    assert "（计划总课时 100 的 20%），超出的 10 课时不予补贴" in excess.message
    planned = next(f for f in after.findings if f.rule == "R2.3")
    assert planned.message.startswith("计划线上课时 30 超过计划总课时 100 的 20%（最多 20 课时）")
    assert before.amount == D("2050.00") and after.amount == D("1950.00")  # 1750 + 300; 1750 + 200


@pytest.mark.parametrize(
    ("case", "settings", "text", "arithmetic"),
    [
        ("R3.5 the demo 500 a month", DistrictSettings(), "每月 500.00 元", "500.00 × 1 = 500.00"),
        (
            "R3.5 a district's 650 from a later day",
            DistrictSettings(work_for_training_monthly_amount=D("650.00")),
            "每月 650.00 元",
            "650.00 × 1 = 650.00",
        ),
    ],
    ids=["R3.5 the demo 500 a month", "R3.5 a district's 650 from a later day"],
)
def test_the_work_for_training_monthly_amount_in_words_is_the_district_setting_in_force(
    case: str, settings: DistrictSettings, text: str, arithmetic: str
) -> None:
    result = run({"kind": "work_for_training", "months": ["2021-10"]}, settings=settings)
    step = result.steps[-1]
    assert text in step.text and step.arithmetic == arithmetic and result.amount == step.amount


def test_r8_1_the_living_allowance_per_day_in_words_is_the_district_setting_in_force() -> None:
    allowance = {
        "kind": "living_allowance",
        "approved_on": "2021-04-01",
        "start": "2021-04-06",
        "end": "2021-04-30",
        "planned_hours": 60,
        "attended": {"offline": 60, "online": 0},
    }
    before = run(allowance, settings=DistrictSettings())
    after = run(allowance, settings=DistrictSettings(living_allowance_per_day=D("120.00")))

    assert (
        before.steps[-1].arithmetic == "100.00 × 60 ÷ 6 = 1000.00" and "× 100.00 元" in before.steps[-1].text
    )
    assert after.steps[-1].arithmetic == "120.00 × 60 ÷ 6 = 1200.00" and "× 120.00 元" in after.steps[-1].text


def test_r1_1_r2_1_r2_3_r5_5_the_figures_pages_write_follow_the_dated_parameters(from_2022) -> None:
    from_2022("online_share_cap", D("0.25"))
    from_2022("apprenticeship_advance_share", D("0.40"))
    from_2022("class_hours_per_day", 8)
    from_2022("daily_rate_min", D("135.50"))

    before, after = figures_on(date(2021, 12, 31)), figures_on(LATER)

    assert (before.online_share, before.advance_share, before.rate_min) == ("30%", "50%", "130")
    assert (after.online_share, after.advance_share, after.rate_min) == ("25%", "40%", "135.5")
    assert before.planned_hours_formula == "H = ⌊S × 6 ÷ r⌋"
    assert after.planned_hours_formula == "H = ⌊S × 8 ÷ r⌋"
    assert after.new_occupation_standard_formula == "r × H ÷ 8"
    assert after.rate_max == "200" and after.class_hour_minutes == "45" and after.minimum_age == "16"
    assert after.work_for_training_last_month == "2021 年 12 月"
    assert (after.high_skill_base_national_target, after.high_skill_base_municipal_target) == ("600", "300")
