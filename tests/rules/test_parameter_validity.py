"""A dated parameter knows the last day of each of its values (GET /api/v1/parameters shows it)."""

from datetime import date
from decimal import Decimal

from apps.rules import PARAMETERS, Parameter


def test_valid_until_is_the_day_before_the_next_value() -> None:
    parameter = Parameter(
        "x", "x", "元", "R1.1", "test", ((date(2021, 3, 1), Decimal("1")), (date(2022, 1, 1), Decimal("2")))
    )

    assert parameter.valid_until(date(2021, 6, 1)) == date(2021, 12, 31)
    assert parameter.valid_until(date(2022, 1, 1)) is None


def test_the_notices_parameters_have_no_end_yet() -> None:
    assert {parameter.valid_until(date(2026, 12, 7)) for parameter in PARAMETERS} == {None}
