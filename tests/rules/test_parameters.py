"""Dated parameters, the parameters in force on a day, district settings and RULES_VERSION."""

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.rules import PARAMETERS, RULES_VERSION, DistrictSettings, parameters_in_force
from apps.rules.parameters import Parameter, parameter, params_on

ROOT = Path(__file__).resolve().parents[2]


def test_parameters_in_force_on_the_first_day() -> None:
    in_force = {item.name: item for item in parameters_in_force(date(2021, 3, 1))}

    assert set(in_force) == {item.name for item in PARAMETERS}
    assert in_force["daily_rate_min"].value == Decimal("130.00")
    assert in_force["daily_rate_max"].value == Decimal("200.00")
    assert in_force["online_share_cap"].value == Decimal("0.30")
    assert in_force["work_for_training_last_day"].value == date(2021, 12, 31)
    assert in_force["per_year_limit"].value == 3
    assert in_force["per_year_limit"].effective_from == date(2021, 3, 1)
    assert in_force["rate_floor_manufacturing_advanced"].reference == "渝人社发〔2021〕12号 一"


def test_nothing_is_in_force_before_the_notice() -> None:
    assert parameters_in_force(date(2021, 2, 28)) == ()


def test_every_parameter_names_its_rule_and_reference() -> None:
    for item in PARAMETERS:
        assert item.rule.startswith("R")
        assert item.label
        assert item.reference
        assert [day for day, _ in item.values] == sorted(day for day, _ in item.values)


def test_dated_values() -> None:
    rate = Parameter("r", "标签", "元", "R1.1", "ref", ((date(2021, 3, 1), 1), (date(2022, 1, 1), 2)))

    assert rate.value_on(date(2021, 12, 31)) == 1
    assert rate.value_on(date(2022, 1, 1)) == 2
    with pytest.raises(LookupError, match="尚未生效"):
        rate.value_on(date(2021, 2, 28))


def test_params_before_the_notice_read_the_first_values() -> None:
    assert params_on(date(2020, 7, 1)).per_year_limit == 3
    assert params_on(date(2021, 5, 1)).class_hours_per_day == 6
    assert parameter("minimum_age").value_on(date(2021, 3, 1)) == 16


def test_rules_version_is_stable_across_processes() -> None:
    code = "from apps.rules import RULES_VERSION; print(RULES_VERSION)"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONDONTWRITEBYTECODE": "1"},
        ).stdout.strip()
        for seed in ("1", "2")
    }

    assert outputs == {RULES_VERSION}
    assert len(RULES_VERSION) == 12
    assert int(RULES_VERSION, 16) >= 0


def test_district_settings_defaults_are_the_demo_values() -> None:
    settings = DistrictSettings()

    assert settings.work_for_training_monthly_amount == Decimal("500.00")
    assert settings.work_for_training_max_months == 6
    assert settings.apprenticeship_annual_amount == Decimal("4000.00")
    assert settings.living_allowance_per_day == Decimal("100.00")
    assert settings.enterprise_uplift == Decimal("0")
    assert settings.per_year_limit_from == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"work_for_training_monthly_amount": 500.0},
        {"living_allowance_per_day": Decimal("-1")},
        {"enterprise_uplift": Decimal("NaN")},
        {"work_for_training_max_months": -1},
        {"work_for_training_max_months": True},
        {"work_for_training_max_months": "6"},
        {"per_year_limit_from": (("2022-01-01", 1),)},
        {"per_year_limit_from": ((date(2022, 1, 1), -1),)},
    ],
    ids=[
        "float money",
        "negative allowance",
        "NaN uplift",
        "negative months",
        "bool months",
        "text months",
        "text date",
        "negative limit",
    ],
)
def test_district_settings_refuse_bad_values(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="区县设置"):
        DistrictSettings(**changes)  # type: ignore[arg-type]
