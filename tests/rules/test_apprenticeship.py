"""R5: the new apprenticeship, its period at 11 / 12 / 24 / 25 months, its floor and early ends."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.rules import DistrictSettings
from apps.rules.apprenticeship import advance_cap, balance_after_advance, quote_apprenticeship
from tests.rules.builders import apprenticeship, rules_of, run

PERIOD_CASES = [
    ("11 months is outside the usual period", 11, "3666.67", [("R5.1", "W")]),
    ("12 months is the shortest usual period", 12, "4000.00", []),
    ("24 months is the longest usual period", 24, "8000.00", []),
    ("25 months is outside the usual period", 25, "8333.33", [("R5.1", "W")]),
]


@pytest.mark.parametrize(
    ("months", "amount", "findings"),
    [case[1:] for case in PERIOD_CASES],
    ids=[case[0] for case in PERIOD_CASES],
)
def test_planned_period(months: int, amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(apprenticeship(planned_months=months))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str]]]] = [
    ("annual amount below 4000 is an error", {"annual_amount": "3999.99"}, "0.00", [("R5.2", "E")]),
    ("annual amount of 5000", {"annual_amount": "5000.00"}, "10000.00", []),
    ("not certified is not paid", {"passed": False}, "0.00", [("R2.6", "E")]),
    ("restructuring at 7 months", {"early_end": "restructuring", "actual_months": 7}, "2333.33", []),
    ("closure at 0 months", {"early_end": "closure", "actual_months": 0}, "0.00", []),
    (
        "early end without certificate",
        {"early_end": "closure", "actual_months": 6, "passed": False},
        "0.00",
        [("R2.6", "E")],
    ),
]


@pytest.mark.parametrize(
    ("changes", "amount", "findings"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_apprenticeship(changes: dict[str, Any], amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(apprenticeship(**changes))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


def test_settings_supply_the_annual_amount() -> None:
    data = apprenticeship()
    del data["annual_amount"]

    assert run(data).amount == Decimal("8000.00")
    assert run(
        data, settings=DistrictSettings(apprenticeship_annual_amount=Decimal("4500.00"))
    ).amount == Decimal("9000.00")
    below = run(data, settings=DistrictSettings(apprenticeship_annual_amount=Decimal("3000.00")))
    assert rules_of(below) == [("R5.2", "E")]


def test_apprenticeship_counts_towards_the_year_and_occupation_limits() -> None:
    history = [
        {
            "kind": "class",
            "start": "2022-01-05",
            "end": "2022-02-05",
            "occupation_code": "6-18-01-01",
            "level": 4,
        }
    ]

    result = run(
        apprenticeship(
            end="2022-03-31",
            planned_months=12,
            occupation={"code": "6-18-01-01", "category": 6},
            level=4,
            history=history,
        ),
        settings=DistrictSettings(per_year_limit_from=((date(2022, 1, 1), 1),)),
    )

    assert rules_of(result) == [("R10.1", "E"), ("R10.2", "E")]


def test_early_end_needs_the_actual_months() -> None:
    with pytest.raises(ValueError, match="actual_months"):
        quote_apprenticeship(
            annual_amount=Decimal("4000"),
            planned_months=24,
            actual_months=None,
            early_end="closure",
            on=date(2021, 4, 1),
        )


def test_advance_and_balance() -> None:
    on = date(2021, 4, 1)

    assert advance_cap(Decimal("8000.00"), on=on) == Decimal("4000.00")
    assert advance_cap(Decimal("3666.67"), on=on) == Decimal("1833.34")
    assert balance_after_advance(Decimal("8000.00"), Decimal("4000.00")) == Decimal("4000.00")
    assert balance_after_advance(Decimal("2333.33"), Decimal("4000.00")) == Decimal("-1666.67")
