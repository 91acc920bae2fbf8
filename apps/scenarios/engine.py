"""What a scenario changes on a line's quote inputs, and the replay of one line: pure, no database.

A change is `{"field": f, "op": "set" | "add" | "percent", "value": "<decimal>"}` on one of
FIELDS, applied to every line whose inputs hold that field (a living allowance line holds
`daily_amount`, a 以工代训 line `monthly_amount` ...); `percent` adds that many percent, rounded
half-up to the cent. A change of the rate table (`standard`, `rate`) may be narrowed as a rate row
is, to one occupation (`"occupation": "<code>"`) and one level (`"level": "1"` … `"5"`), and any
change may be dated (`"from": "YYYY-MM-DD"`): it then applies to the lines whose class was
approved (or, without an approval date, whose training started) on or after that day, as a new
rate row or setting applies from its effective date (R9.2). The line is quoted again by the rules
engine on its own stored inputs with the changes applied (docs/money.md: a stored line re-quotes
to its amount from its inputs), so the difference is the changes' alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from apps.rules import ClassMemo, Scenario, ScenarioError, parse_scenario, quote, read_field, result_to_dict

FIELDS: Final[dict[str, str]] = {
    "daily_amount": "生活费补贴(含交通费)日标准 L（元/人·天）",
    "monthly_amount": "以工代训月补贴标准 A_wft（元/人·月）",
    "annual_amount": "企业新型学徒制年补贴标准 A_app（元/人·年）",
    "standard": "职业培训补贴标准 S（元/人）",
    "rate": "职业培训日补贴标准（元/人·天）",
    "enterprise_uplift": "企业职工培训上浮比例 u",
    "max_months": "以工代训最长补贴月数 M_wft",
    "per_year_limit": "每人每年补贴性培训次数上限（R10.1）",
}
# Counts, not amounts: whole numbers (a percent is rounded half-up to a whole number).
INTEGER_FIELDS: Final = frozenset({"max_months", "per_year_limit"})
OPS: Final[dict[str, str]] = {"set": "改为", "add": "增加", "percent": "增加百分比"}
CENT = Decimal("0.01")


# The fields a change may be narrowed to one occupation and level by: those of a rate row.
RATE_ROW_FIELDS: Final = frozenset({"standard", "rate"})
LEVELS: Final[dict[str, str]] = {"1": "一级", "2": "二级", "3": "三级", "4": "四级", "5": "五级"}


def describe(change: Mapping[str, str]) -> str:
    unit = "%" if change["op"] == "percent" else ""
    narrowed = [
        *([f"职业（工种）{change['occupation']}"] if change.get("occupation") else []),
        *([LEVELS[change["level"]]] if change.get("level") else []),
        *([f"{change['from']} 起审批或开班的"] if change.get("from") else []),
    ]
    scope = f"（仅{'、'.join(narrowed)}）" if narrowed else ""
    return f"{FIELDS[change['field']]} {OPS[change['op']]} {change['value']}{unit}{scope}"


def applies(inputs: Mapping[str, Any], change: Mapping[str, str]) -> bool:
    """Whether the change reaches the line: it holds the field, and is of the change's occupation,
    level and dates where the change names them."""
    if inputs.get(change["field"]) is None:
        return False
    if change.get("occupation") and occupation_of(inputs) != change["occupation"]:
        return False
    if change.get("level") and str(inputs.get("level")) != change["level"]:
        return False
    if change.get("from"):
        day = inputs.get("approved_on") or inputs.get("start")
        if day is None or str(day) < change["from"]:
            return False
    return True


def apply(inputs: Mapping[str, Any], changes: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The inputs with the changes applied (fields a line does not hold, and lines a narrowed
    change does not reach, are left alone)."""
    out = dict(inputs)
    for change in changes:
        name = change["field"]
        if not applies(inputs, change):
            continue
        value, current = Decimal(change["value"]), Decimal(str(out[name]))
        if change["op"] == "set":
            new = value
        elif change["op"] == "add":
            new = current + value
        else:
            exponent = Decimal(1) if name in INTEGER_FIELDS else CENT
            new = (current * (100 + value) / 100).quantize(exponent, rounding=ROUND_HALF_UP)
        out[name] = int(new) if name in INTEGER_FIELDS else str(new)
    return out


def touches(inputs: Mapping[str, Any], changes: Sequence[Mapping[str, str]]) -> bool:
    """Whether any change applies to the line (it holds one of the changed fields): a line it does
    not touch quotes to its stored amount, so it need not be quoted again."""
    return any(applies(inputs, change) for change in changes)


def replay(inputs: Mapping[str, Any], changes: Sequence[Mapping[str, str]]) -> tuple[Decimal, Any]:
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


def explain(inputs: Mapping[str, Any], changes: Sequence[Mapping[str, str]]) -> tuple[Any, Any]:
    """A line's quote on its inputs as they are, and under the changes: both explanations of a
    changed line, quoted again when shown."""
    return quote(parse_scenario(dict(inputs))), replay(inputs, changes)[1]


# The fields of a line's inputs that are each trainee's own; all the others (the class's, the
# claim's, the district's locked on them) the trainees of a class share.
OWN_FIELDS: Final = ("id_number", "history")


@dataclass(frozen=True, slots=True)
class Shared:
    """What lines with the same shared inputs have in common under the changes: whether a change
    reaches them, their occupation and level (for the totals), and those inputs with the changes
    applied, read by the engine (or why the engine cannot read them)."""

    touched: bool
    occupation: str
    level: Any
    # The scenario's fields but the trainee's own, as the engine read them.
    values: Mapping[str, Any] | None = None
    error: ScenarioError | None = None


_SHARED_FIELDS: Final = tuple(field.name for field in fields(Scenario) if field.name not in OWN_FIELDS)


class Replayer:
    """The replay of many lines under the same changes (a chunk of a scenario), line for line what
    :func:`replay` gives: what lines share is decoded, changed and read once per distinct text
    (``shared``), each line adding its own fields (``after``); the class's own part of the quote is
    reused from the line before it of the same class inputs (:class:`apps.rules.ClassMemo`). The
    changes reach a line or not by the shared fields alone (a change is on an amount, a count or a
    rate, narrowed by occupation, level and dates), so that is decided once too."""

    def __init__(self, changes: Sequence[Mapping[str, str]], size: int = 10_000) -> None:
        self.changes = changes
        self._shared: dict[str, Shared] = {}
        self._size = size
        self._memo = ClassMemo(size)

    def shared(self, text: str) -> Shared:
        """The lines' shared inputs, as JSON text without OWN_FIELDS (the same text, the same
        inputs)."""
        found = self._shared.get(text)
        if found is None:
            found = self._read(json.loads(text))
            if len(self._shared) >= self._size:
                self._shared.clear()
            self._shared[text] = found
        return found

    def _read(self, inputs: dict[str, Any]) -> Shared:
        occupation, level = occupation_of(inputs), inputs.get("level")
        if not touches(inputs, self.changes):
            return Shared(False, occupation, level)
        try:
            scenario = parse_scenario(apply(inputs, self.changes))
        except ScenarioError as error:
            return Shared(True, occupation, level, error=error)
        values = {name: getattr(scenario, name) for name in _SHARED_FIELDS}
        return Shared(True, occupation, level, values=values)

    def after(self, shared: Shared, id_number: str | None, history: str | None) -> Decimal:
        """A touched line's amount under the changes, from its shared inputs and its own fields as
        JSON text (``None``: the field is absent). Raises ScenarioError where :func:`replay` would."""
        if shared.error is not None:
            raise shared.error
        assert shared.values is not None
        own: dict[str, Any] = {
            name: read_field(name, json.loads(text))
            for name, text in zip(OWN_FIELDS, (id_number, history), strict=True)
            if text is not None
        }
        # The shared inputs held none of the own fields, so they were read at their defaults: the
        # scenario made again with the line's own is checked again across all its fields.
        return quote(Scenario(**shared.values, **own), memo=self._memo).amount
