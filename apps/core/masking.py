"""Masking of personal data in lists and exports (ui.md): `5001**********1234`, `138****5678`."""

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
