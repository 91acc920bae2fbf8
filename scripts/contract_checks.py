"""Schemathesis checks of our own (loaded by scripts/contract-test.sh through SCHEMATHESIS_HOOKS).

`stays_in_district`: a district officer's token never reads another district's objects. Every
answer is walked; any object's `district` (a code, or {"code": …}) must be one of the districts
in CONTRACT_DISTRICTS. Unset: the role is not scoped to districts and the check passes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import schemathesis


def _districts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "district" and isinstance(item, str) and item:
                yield item
            elif key == "district" and isinstance(item, dict) and isinstance(item.get("code"), str):
                yield item["code"]
            else:
                yield from _districts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _districts(item)


@schemathesis.check
def stays_in_district(ctx: Any, response: Any, case: Any) -> bool | None:
    allowed = {code for code in os.environ.get("CONTRACT_DISTRICTS", "").split(",") if code}
    if not allowed or response.status_code >= 300:
        return None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    foreign = sorted(set(_districts(body)) - allowed)
    if foreign:
        raise AssertionError(f"a token of {sorted(allowed)} read objects of district(s) {foreign}")
    return None
