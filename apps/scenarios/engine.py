"""What a scenario changes on a line's quote inputs, and the replay of one line: pure, no database.

A change is `{"field": f, "op": "set" | "add" | "percent", "value": "<decimal>"}` on one of
FIELDS, applied to every line whose inputs hold that field (a living allowance line holds
`daily_amount`, a 以工代训 line `monthly_amount` ...); `percent` adds that many percent, rounded
half-up to the cent. The line is quoted again by the rules engine on its own stored inputs with
the changes applied (docs/money.md: a stored line re-quotes to its amount from its inputs), so the
difference is the changes' alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from apps.rules import parse_scenario, quote, result_to_dict

FIELDS: Final[dict[str, str]] = {
    "daily_amount": "生活费补贴(含交通费)日标准 L（元/人·天）",
    "monthly_amount": "以工代训月补贴标准 A_wft（元/人·月）",
    "annual_amount": "企业新型学徒制年补贴标准 A_app（元/人·年）",
    "standard": "职业培训补贴标准 S（元/人）",
    "rate": "职业培训日补贴标准（元/人·天）",
    "enterprise_uplift": "企业职工培训上浮比例 u",
}
OPS: Final[dict[str, str]] = {"set": "改为", "add": "增加", "percent": "增加百分比"}
CENT = Decimal("0.01")


def describe(change: Mapping[str, str]) -> str:
    unit = "%" if change["op"] == "percent" else ""
    return f"{FIELDS[change['field']]} {OPS[change['op']]} {change['value']}{unit}"


def apply(inputs: Mapping[str, Any], changes: list[Mapping[str, str]]) -> dict[str, Any]:
    """The inputs with the changes applied (fields a line does not hold are left alone)."""
    out = dict(inputs)
    for change in changes:
        name = change["field"]
        if out.get(name) is None:
            continue
        value, current = Decimal(change["value"]), Decimal(str(out[name]))
        if change["op"] == "set":
            new = value
        elif change["op"] == "add":
            new = current + value
        else:
            new = (current * (100 + value) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        out[name] = str(new)
    return out


def touches(inputs: Mapping[str, Any], changes: list[Mapping[str, str]]) -> bool:
    """Whether any change applies to the line (it holds one of the changed fields): a line it does
    not touch quotes to its stored amount, so it need not be quoted again."""
    return any(inputs.get(change["field"]) is not None for change in changes)


def replay(inputs: Mapping[str, Any], changes: list[Mapping[str, str]]) -> tuple[Decimal, Any]:
    """The line's amount under the changes, and the engine's result (for its steps)."""
    result = quote(parse_scenario(apply(inputs, changes)))
    return result.amount, result


def steps_of(result: Any) -> list[Any]:
    """A result's explanation as a stored line keeps it."""
    steps = result_to_dict(result)["steps"]
    assert isinstance(steps, list)
    return steps


def occupation_of(inputs: Mapping[str, Any]) -> str:
    occupation = inputs.get("occupation")
    if isinstance(occupation, Mapping):
        return str(occupation.get("code") or "—")
    return str(occupation or "—")


def explain(inputs: Mapping[str, Any], changes: list[Mapping[str, str]]) -> tuple[Any, Any]:
    """A line's quote on its inputs as they are, and under the changes: both explanations of a
    changed line, quoted again when shown."""
    return quote(parse_scenario(dict(inputs))), replay(inputs, changes)[1]
