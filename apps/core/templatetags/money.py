"""Amounts for people: ``{{ line.amount|yuan }}`` → ``2,200,000.00`` (ui.md: separators, two places).

Only for display. Form input values, the API's JSON and Excel exports keep plain numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

FEN = Decimal("0.01")


@register.filter
def yuan(value: object) -> object:
    """A Decimal (or int, or numeric string) rounded half-up to the fen, with thousands separators.

    Anything that is not a number (None, "—", "") is returned unchanged, so ``|default`` still
    works; a float goes through its shortest ``repr`` so no binary noise reaches the page."""
    if value is None or isinstance(value, bool):
        return value
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return value
    if not amount.is_finite():
        return value
    return f"{amount.quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"
