"""Rounding half-up to whole fen, once; formatting amounts and days."""

from decimal import Decimal
from fractions import Fraction

import pytest

from apps.rules.money import days_text, round_fen, yuan


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(130 * 46, 6), "996.67"),
        (Fraction(1, 200), "0.01"),
        (Fraction(1, 201), "0.00"),
        (Fraction(-1, 200), "-0.01"),
        (Decimal("2.345"), "2.35"),
        (Decimal("2.344999"), "2.34"),
        (7, "7.00"),
        (0, "0.00"),
    ],
    ids=[
        "W3",
        "half a fen up",
        "under half a fen down",
        "negative half away from zero",
        "decimal tie",
        "decimal below tie",
        "integer",
        "zero",
    ],
)
def test_round_fen(value: Fraction | Decimal | int, rounded: str) -> None:
    assert str(round_fen(value)) == rounded


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("130"), "130.00"),
        (Decimal("143.000"), "143.00"),
        (Decimal("154.995"), "154.995"),
        (Decimal("1E+3"), "1000.00"),
    ],
    ids=["whole", "trailing zeros", "exact rate with more places", "exponent"],
)
def test_yuan(amount: Decimal, text: str) -> None:
    assert yuan(amount) == text


def test_days_text() -> None:
    assert days_text(60, 6) == "10"
    assert days_text(23, 6) == "23/6"
    assert days_text(3, 6) == "1/2"
