"""Masking of personal data in lists, exports and public notices (ui.md): `5001**********1234`,
`138****5678`, `张*`."""

from __future__ import annotations


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    text = (value or "").replace(" ", "")
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end :]


def mask_id_number(value: str) -> str:
    return mask_middle(value, keep_start=4, keep_end=4)


def mask_phone(value: str) -> str:
    return mask_middle(value, keep_start=3, keep_end=4)


def mask_bank_account(value: str) -> str:
    return mask_middle(value, keep_start=4, keep_end=4)


def mask_name(value: str) -> str:
    """A person's name on a public notice (公示): its first character, then one * for each other
    (`张*`, `欧阳**`); a one-character name is shown as `*`."""
    text = (value or "").strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 1)
