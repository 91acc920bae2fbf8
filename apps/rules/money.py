"""Money and time arithmetic shared by every rule (docs/rules.md "Units and rounding").

Money is ``Decimal`` yuan with two places, never ``float``. A segment (the offline part of a
subsidy, the online part, one apprenticeship, one month of 以工代训) is computed exactly, as a
``Fraction`` where a division is involved, and rounded half-up to 0.01 yuan once. Segments are then
added, and caps applied last. Training days are class-hours / 6, kept as an exact fraction until the
money step.
"""

from decimal import Decimal
from fractions import Fraction

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def round_fen(value: Fraction | Decimal | int) -> Decimal:
    """Round an exact amount half-up (ties away from zero) to whole fen, as ``Decimal`` with 2 places.

    >>> round_fen(Fraction(130 * 46, 6))
    Decimal('996.67')
    """
    exact = Fraction(value)
    scaled = exact.numerator * 100
    fen, remainder = divmod(abs(scaled), exact.denominator)
    if 2 * remainder >= exact.denominator:
        fen += 1
    return Decimal(fen if scaled >= 0 else -fen).scaleb(-2)


def yuan(amount: Decimal) -> str:
    """Format an amount of yuan for people: at least two decimal places, never exponent notation.

    Amounts that carry more places (an uplifted rate ``r × (1 + u)``) keep them all, so the
    arithmetic shown in an explanation is exact.
    """
    if amount == amount.quantize(FEN):
        return f"{amount:.2f}"
    return f"{amount.normalize():f}"


def percent(share: Decimal) -> str:
    """A share as people read it: ``Decimal("0.30")`` → ``"30%"``, ``Decimal("0.125")`` → ``"12.5%"``."""
    return f"{(share * 100).normalize():f}%"


def days_text(class_hours: int, class_hours_per_day: int) -> str:
    """Training days as an exact fraction in words: ``60`` class-hours → ``"10"``, ``23`` → ``"23/6"``."""
    days = Fraction(class_hours, class_hours_per_day)
    return str(days.numerator) if days.denominator == 1 else f"{days.numerator}/{days.denominator}"
