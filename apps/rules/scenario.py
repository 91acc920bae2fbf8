"""The quote contract (docs/quote-contract.md): one trainee, one class or one claim line, as a ``Scenario``.

``parse_scenario`` turns the JSON object of the contract (already decoded, numbers as ``Decimal``
or ``int``) into a ``Scenario``; ``parse_scenario_json`` decodes the text first. Anything wrong
raises :class:`ScenarioError` naming the field, in Chinese. Money is never a float: amounts are
strings such as ``"180.00"``, integers, or JSON numbers decoded exactly as ``Decimal``; at most two
decimal places.

Fields that are missing take their defaults. The amounts a district sets (``monthly_amount``,
``max_months``, ``annual_amount``, ``enterprise_uplift``) default to ``None`` here, meaning "the
district setting", whose demo values are the defaults docs/rules.md shows; a value given in the scenario
is the one locked onto the class or claim (R5.4, R9.2) and wins.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, NoReturn

from apps.rules.apprenticeship import EARLY_END_LABELS, OTHER_REASON, EarlyEnd
from apps.rules.effective import follows_previous_policy
from apps.rules.enterprise import MATERIALS
from apps.rules.limits import KIND_LABELS, KINDS, HistoryEntry, months_between
from apps.rules.money import ZERO

_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH: Final = re.compile(r"([0-9]{4})-([0-9]{2})")
_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_OCCUPATION_CODE: Final = re.compile(r"([1-8])-[0-9]{2}-[0-9]{2}-[0-9]{2}")
_MONEY_PLACES: Final = 2
_RATIO_PLACES: Final = 4
_MAX_INTEGER: Final = 1_000_000
_MAX_AMOUNT_DIGITS: Final = 10
ALL_MATERIALS: Final = tuple(MATERIALS)
#: What can be quoted: the trainings of the history (``KINDS``) and the living allowance (R8.1),
#: which is paid for a training's offline days but is not a training of its own.
LIVING_ALLOWANCE: Final = "living_allowance"
QUOTE_KINDS: Final[tuple[str, ...]] = (*KINDS, LIVING_ALLOWANCE)
QUOTE_KIND_LABELS: Final[dict[str, str]] = {**KIND_LABELS, LIVING_ALLOWANCE: "生活费补贴"}


class ScenarioError(ValueError):
    """A quote input that cannot be read: ``field`` names it (``rate``, ``history[2].end``, ``$``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _fail(field: str, reason: str) -> NoReturn:
    raise ScenarioError(field, f"字段 {field}：{reason}")


@dataclass(frozen=True, slots=True)
class Occupation:
    """An occupation (工种) of the 职业分类大典: its code, its major category, and whether it is new."""

    code: str
    category: int
    new: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.category <= 8:
            _fail("occupation.category", f"职业分类大典大类应为 1–8，填写为 {self.category}")
        if not self.code.strip():
            _fail("occupation.code", "职业（工种）编码不能为空")
        match = _OCCUPATION_CODE.fullmatch(self.code)
        if match and int(match.group(1)) != self.category:
            _fail(
                "occupation.category",
                f"职业编码 {self.code} 属于第 {match.group(1)} 大类，与填写的大类 {self.category} 不一致",
            )


@dataclass(frozen=True, slots=True)
class Attendance:
    """Class-hours attended by the trainee, offline and online."""

    offline: int = 0
    online: int = 0

    def __post_init__(self) -> None:
        for name in ("offline", "online"):
            if getattr(self, name) < 0:
                _fail(f"attended.{name}", "实到课时不能为负数")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One trainee in one class, enterprise training, 以工代训 claim, apprenticeship or living
    allowance (the quote contract, docs/quote-contract.md).

    Construct it through :func:`parse_scenario`, or directly from trusted, typed values: the
    checks that span fields (what each kind requires, dates in order, ranges) run either way.
    """

    kind: str
    approved_on: date | None = None
    start: date | None = None
    end: date | None = None
    occupation: Occupation | None = None
    level: int | None = None
    standard: Decimal | None = None
    rate: Decimal | None = None
    planned_hours: int | None = None
    planned_online: int = 0
    online_rate: Decimal | None = None
    attended: Attendance | None = None
    passed: bool = True
    enterprise_uplift: Decimal | None = None
    classified: bool = False
    materials: tuple[str, ...] = ALL_MATERIALS
    months: tuple[date, ...] = ()
    monthly_amount: Decimal | None = None
    max_months: int | None = None
    annual_amount: Decimal | None = None
    planned_months: int = 24
    actual_months: int | None = None
    early_end: EarlyEnd | None = None
    early_end_reason: str | None = None
    advance: bool = False
    settled: bool = False
    paid_before: Decimal = ZERO
    relation: str | None = None
    per_year_limit: int | None = None
    daily_amount: Decimal | None = None
    groups: tuple[str, ...] = ()
    id_number: str | None = None
    history: tuple[HistoryEntry, ...] = ()

    def __post_init__(self) -> None:
        _check_ranges(self)
        _check_kind_fields(self)
        if self.kind in ("class", "enterprise"):
            _check_class(self)
        elif self.kind == "work_for_training":
            if not self.months:
                _fail("months", '以工代训必须填写申领月份，例如 ["2021-10"]')
        elif self.kind == LIVING_ALLOWANCE:
            _check_living_allowance(self)
        else:
            _check_apprenticeship(self)
        if self.start is not None and self.end is not None and self.end < self.start:
            _fail("end", f"结束日期 {self.end.isoformat()} 早于开始日期 {self.start.isoformat()}")
        for index, entry in enumerate(self.history):
            if entry.end < entry.start:
                _fail(
                    f"history[{index}].end",
                    f"结束日期 {entry.end.isoformat()} 早于开始日期 {entry.start.isoformat()}",
                )
            if entry.months and entry.kind != "work_for_training":
                _fail(f"history[{index}].months", "只有以工代训（work_for_training）的记录填写月份 months")
            outside = sorted(set(entry.months) - set(months_between(entry.start, entry.end)))
            if outside:
                _fail(
                    f"history[{index}].months",
                    f"月份 {outside[0].year:04d}-{outside[0].month:02d} 不在该记录的起止日期之内",
                )

    @property
    def follows_previous_policy(self) -> bool:
        """R9.1: approved before 2021-03-01 (class and enterprise kinds only)."""
        return self.approved_on is not None and follows_previous_policy(self.approved_on)


def _check_ranges(scenario: Scenario) -> None:
    if scenario.kind not in QUOTE_KINDS:
        _fail("kind", f"应为 {'、'.join(QUOTE_KINDS)} 之一，填写为 {scenario.kind!r}")
    if scenario.level is not None and not 1 <= scenario.level <= 5:
        _fail(
            "level",
            f"职业技能等级应为 1–5（1 高级技师 … 5 初级工），专项职业能力填 null，填写为 {scenario.level}",
        )
    if scenario.rate is not None and scenario.rate <= 0:
        _fail("rate", "日补贴标准必须大于 0")
    if scenario.planned_hours is not None and scenario.planned_hours < 1:
        _fail("planned_hours", "计划课时必须至少为 1，或填 null 由补贴标准折算")
    if scenario.planned_online < 0:
        _fail("planned_online", "计划线上课时不能为负数")
    if scenario.planned_months < 1:
        _fail("planned_months", "计划培训月数必须至少为 1")
    if scenario.actual_months is not None and scenario.actual_months < 0:
        _fail("actual_months", "实际培训月数不能为负数")
    if scenario.max_months is not None and scenario.max_months < 0:
        _fail("max_months", "最多补贴月数不能为负数")
    if scenario.early_end is not None and scenario.early_end not in EARLY_END_LABELS:
        _fail("early_end", f"应为 null 或 {'、'.join(EARLY_END_LABELS)} 之一，填写为 {scenario.early_end!r}")
    if scenario.per_year_limit is not None and scenario.per_year_limit < 0:
        _fail("per_year_limit", "每人每年补贴次数上限不能为负数")


# Fields that belong to one kind only, with the kinds that may give them (a value other than the
# default elsewhere is an error naming the field, so that nothing given is silently ignored).
_KIND_FIELDS: Final[dict[str, tuple[tuple[str, ...], object]]] = {
    "advance": (("apprenticeship",), False),
    "settled": (("apprenticeship",), False),
    "early_end_reason": (("apprenticeship",), None),
    "relation": (("enterprise",), None),
    "daily_amount": ((LIVING_ALLOWANCE,), None),
    "groups": ((LIVING_ALLOWANCE,), ()),
    "paid_before": (("class", "enterprise", "apprenticeship", LIVING_ALLOWANCE), ZERO),
    "per_year_limit": (("class", "enterprise", "apprenticeship"), None),
}


def _check_kind_fields(scenario: Scenario) -> None:
    for name, (kinds, default) in _KIND_FIELDS.items():
        if scenario.kind not in kinds and getattr(scenario, name) != default:
            labels = "、".join(QUOTE_KIND_LABELS[kind] for kind in kinds)
            _fail(name, f"只有{labels}测算填写 {name}，本次为{QUOTE_KIND_LABELS[scenario.kind]}")


def _check_living_allowance(scenario: Scenario) -> None:
    for name in ("approved_on", "start", "end"):
        if getattr(scenario, name) is None:
            _fail(name, f"生活费补贴测算必须填写 {name}（班级审核通过日期与培训起止日期）")
    if scenario.attended is not None and scenario.attended.online:
        _fail("attended.online", "生活费补贴按线下培训天数计发，不填写线上课时 (R8.1)")


def _check_class(scenario: Scenario) -> None:
    for name in ("approved_on", "start", "end", "occupation"):
        if getattr(scenario, name) is None:
            _fail(name, f"{KIND_LABELS[scenario.kind]}测算必须填写 {name}")
    if scenario.follows_previous_policy:
        if scenario.standard is None:
            _fail("standard", "原有政策（2021-03-01 前审核通过）按补贴标准 S 补贴，必须填写 standard")
        return
    if scenario.rate is None:
        _fail("rate", "必须填写日补贴标准 rate（元/人·天）")
    occupation = scenario.occupation
    if scenario.standard is None and not (
        occupation is not None and occupation.new and scenario.planned_hours is not None
    ):
        _fail("standard", "必须填写补贴标准 standard（新职业可改为填写区县核定的计划课时 planned_hours）")
    attended_online = scenario.attended.online if scenario.attended is not None else 0
    if scenario.online_rate is None and (scenario.planned_online > 0 or attended_online > 0):
        _fail("online_rate", "有线上课时时必须填写线上日补贴标准 online_rate（元/人·天）")


def _check_apprenticeship(scenario: Scenario) -> None:
    for name in ("start", "end"):
        if getattr(scenario, name) is None:
            _fail(name, f"企业新型学徒制测算必须填写 {name}（开班日期与计划结束日期）")
    if scenario.early_end == OTHER_REASON:
        if not (scenario.early_end_reason or "").strip():
            _fail("early_end_reason", "因其他原因提前结束（early_end 为 other）时必须写明原因 (R5.3)")
    elif scenario.early_end_reason is not None:
        _fail("early_end_reason", "提前结束原因只在 early_end 为 other 时填写")
    if scenario.early_end is None:
        if scenario.actual_months is not None:
            _fail("actual_months", "实际培训月数只在提前结束（early_end）时填写")
        return
    if scenario.advance:
        _fail("advance", "开班预拨（advance）与提前结束（early_end）不能同时填写")
    if scenario.actual_months is None:
        _fail("actual_months", "提前结束（early_end）时必须填写实际培训月数 actual_months")
    if scenario.actual_months >= scenario.planned_months:
        _fail(
            "actual_months",
            f"提前结束时实际培训月数 {scenario.actual_months} 应少于计划培训月数 {scenario.planned_months}",
        )


# Readers of the JSON values of each field. Each takes the field's name (for messages) and value.


def _integer(field: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(field, f"应为整数，填写为 {value!r}")
    if abs(value) > _MAX_INTEGER:
        _fail(field, f"数值 {value} 过大")
    return value


def _optional_integer(field: str, value: object) -> int | None:
    return None if value is None else _integer(field, value)


def _boolean(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        _fail(field, f"应为 true 或 false，填写为 {value!r}")
    return value


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        _fail(field, f"应为字符串，填写为 {value!r}")
    return value


def _optional_text(field: str, value: object) -> str | None:
    return None if value is None else _text(field, value)


def _decimal(field: str, value: object, places: int, what: str) -> Decimal:
    if isinstance(value, bool | float):
        _fail(field, f'{what}应写成字符串（如 "180.00"）或精确的数字，不接受浮点数或布尔值，填写为 {value!r}')
    if isinstance(value, str):
        if not _NUMBER.fullmatch(value):
            _fail(field, f'{what}应写成如 "180.00" 的十进制数，填写为 {value!r}')
        number = Decimal(value)
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        _fail(field, f'{what}应写成字符串（如 "180.00"）或数字，填写为 {value!r}')
    if not number.is_finite() or number.adjusted() >= _MAX_AMOUNT_DIGITS:
        _fail(field, f"{what} {value} 不是有效的数值")
    if number < 0:
        _fail(field, f"{what}不能为负数，填写为 {value}")
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if rounded != number:
        _fail(field, f"{what}最多 {places} 位小数，填写为 {value}")
    return rounded.copy_abs()


def _money(field: str, value: object) -> Decimal | None:
    return None if value is None else _decimal(field, value, _MONEY_PLACES, "金额")


def _ratio(field: str, value: object) -> Decimal | None:
    return None if value is None else _decimal(field, value, _RATIO_PLACES, "比例")


def _date(field: str, value: object) -> date | None:
    return None if value is None else _day(field, value)


def _day(field: str, value: object) -> date:
    text = _text(field, value)
    if not _DATE.fullmatch(text):
        _fail(field, f"日期应写成 YYYY-MM-DD，填写为 {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(field, f"{text} 不是有效日期")


def _object(field: str, value: object, allowed: tuple[str, ...]) -> Mapping[str, object]:
    if not isinstance(value, dict):
        _fail(field, f"应为 JSON 对象，填写为 {value!r}")
    for key in value:
        if key not in allowed:
            _fail(f"{field}.{key}", f"未知字段 {field}.{key}（可用字段：{'、'.join(allowed)}）")
    return value


def _list(field: str, value: object) -> list[object]:
    if not isinstance(value, list):
        _fail(field, f"应为 JSON 数组，填写为 {value!r}")
    return value


def _kind(field: str, value: object) -> str:
    text = _text(field, value)
    if text not in KINDS:
        _fail(field, f"应为 {'、'.join(KINDS)} 之一，填写为 {text!r}")
    return text


def _quote_kind(field: str, value: object) -> str:
    text = _text(field, value)
    if text not in QUOTE_KINDS:
        _fail(field, f"应为 {'、'.join(QUOTE_KINDS)} 之一，填写为 {text!r}")
    return text


def _texts(field: str, value: object) -> tuple[str, ...]:
    return tuple(_text(f"{field}[{index}]", item) for index, item in enumerate(_list(field, value)))


def _paid(field: str, value: object) -> Decimal:
    amount = _money(field, value)
    return ZERO if amount is None else amount


def _occupation(field: str, value: object) -> Occupation | None:
    if value is None:
        return None
    data = _object(field, value, ("code", "category", "new"))
    for key in ("code", "category"):
        if key not in data:
            _fail(f"{field}.{key}", "必须填写")
    return Occupation(
        _text(f"{field}.code", data["code"]),
        _integer(f"{field}.category", data["category"]),
        _boolean(f"{field}.new", data.get("new", False)),
    )


def _attended(field: str, value: object) -> Attendance | None:
    if value is None:
        return None
    data = _object(field, value, ("offline", "online"))
    return Attendance(
        _integer(f"{field}.offline", data.get("offline", 0)),
        _integer(f"{field}.online", data.get("online", 0)),
    )


def _materials(field: str, value: object) -> tuple[str, ...]:
    items = []
    for index, item in enumerate(_list(field, value)):
        key = _text(f"{field}[{index}]", item)
        if key not in MATERIALS:
            _fail(f"{field}[{index}]", f"应为 {'、'.join(MATERIALS)} 之一，填写为 {key!r}")
        items.append(key)
    return tuple(dict.fromkeys(items))


def _months(field: str, value: object) -> tuple[date, ...]:
    months = []
    for index, item in enumerate(_list(field, value)):
        text = _text(f"{field}[{index}]", item)
        match = _MONTH.fullmatch(text)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
            _fail(f"{field}[{index}]", f"月份应写成 YYYY-MM，填写为 {text!r}")
        months.append(date(int(match.group(1)), int(match.group(2)), 1))
    return tuple(months)


_HISTORY_FIELDS: Final = ("kind", "start", "end", "occupation_code", "level", "months")


def _history(field: str, value: object) -> tuple[HistoryEntry, ...]:
    entries = []
    for index, item in enumerate(_list(field, value)):
        name = f"{field}[{index}]"
        data = _object(name, item, _HISTORY_FIELDS)
        for key in ("kind", "start", "end"):
            if key not in data:
                _fail(f"{name}.{key}", "必须填写")
        level = _optional_integer(f"{name}.level", data.get("level"))
        if level is not None and not 1 <= level <= 5:
            _fail(f"{name}.level", f"职业技能等级应为 1–5 或 null，填写为 {level}")
        entries.append(
            HistoryEntry(
                _kind(f"{name}.kind", data["kind"]),  # type: ignore[arg-type]
                _day(f"{name}.start", data["start"]),
                _day(f"{name}.end", data["end"]),
                _optional_text(f"{name}.occupation_code", data.get("occupation_code")),
                level,
                tuple(sorted(set(_months(f"{name}.months", data.get("months", []))))),
            )
        )
    return tuple(entries)


def _not_null(reader: Callable[[str, object], object]) -> Callable[[str, object], object]:
    def read(field: str, value: object) -> object:
        if value is None:
            _fail(field, "不能为 null")
        return reader(field, value)

    return read


_READERS: Final[dict[str, Callable[[str, object], object]]] = {
    "kind": _not_null(_quote_kind),
    "approved_on": _date,
    "start": _date,
    "end": _date,
    "occupation": _occupation,
    "level": _optional_integer,
    "standard": _money,
    "rate": _money,
    "planned_hours": _optional_integer,
    "planned_online": _not_null(_integer),
    "online_rate": _money,
    "attended": _attended,
    "passed": _not_null(_boolean),
    "enterprise_uplift": _ratio,
    "classified": _not_null(_boolean),
    "materials": _not_null(_materials),
    "months": _not_null(_months),
    "monthly_amount": _money,
    "max_months": _optional_integer,
    "annual_amount": _money,
    "planned_months": _not_null(_integer),
    "actual_months": _optional_integer,
    "early_end": _optional_text,
    "early_end_reason": _optional_text,
    "advance": _not_null(_boolean),
    "settled": _not_null(_boolean),
    "paid_before": _paid,
    "relation": _optional_text,
    "per_year_limit": _optional_integer,
    "daily_amount": _money,
    "groups": _not_null(_texts),
    "id_number": _optional_text,
    "history": _not_null(_history),
}

#: Every field of the quote contract, in the order of docs/quote-contract.md.
FIELDS: Final = tuple(_READERS)


def parse_scenario(data: Mapping[str, object]) -> Scenario:
    """Read one quote input (a decoded JSON object) into a :class:`Scenario`.

    Raises :class:`ScenarioError` for a value of the wrong type or form, an unknown field (named),
    a missing required field, or fields that do not fit together. ``level`` must be given for the
    class and enterprise kinds, ``null`` meaning 专项职业能力, so that a forgotten level is never
    read as the lowest floor.
    """
    if not isinstance(data, dict):
        _fail("$", "测算输入必须是一个 JSON 对象")
    for key in data:
        if key not in _READERS:
            raise ScenarioError(key, f"未知字段 {key}（可用字段：{'、'.join(FIELDS)}）")
    if "kind" not in data:
        _fail("kind", f"必须填写测算类型（{'、'.join(QUOTE_KINDS)}）")
    values = {key: _READERS[key](key, value) for key, value in data.items()}
    if values["kind"] in ("class", "enterprise") and "level" not in data:
        _fail("level", "必须填写职业技能等级 level（1–5），专项职业能力填 null")
    return Scenario(**values)  # type: ignore[arg-type]


def read_field(name: str, value: object) -> object:
    """One field of the contract read as :func:`parse_scenario` reads it: a caller that parsed the
    fields many inputs share once completes each with its own, and makes the ``Scenario`` again,
    which runs the checks across fields again."""
    if name not in _READERS:
        raise ScenarioError(name, f"未知字段 {name}（可用字段：{'、'.join(FIELDS)}）")
    return _READERS[name](name, value)


def _reject_constant(name: str) -> NoReturn:
    _fail("$", f"不接受 {name}，金额和数量必须是有限的数值")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    data: dict[str, object] = {}
    for key, value in pairs:
        if key in data:
            raise ScenarioError(key, f"字段 {key} 重复出现")
        data[key] = value
    return data


def load_json(text: str | bytes) -> object:
    """Decode JSON as the contract reads it: numbers with a fraction become exact ``Decimal``."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            _fail("$", "输入不是 UTF-8 编码的文本")
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        _fail("$", f"输入不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）")
    except RecursionError:
        _fail("$", "输入的 JSON 嵌套过深，无法读取")


def parse_scenario_json(text: str | bytes) -> Scenario:
    """Decode one JSON object and read it as a :class:`Scenario` (see :func:`parse_scenario`)."""
    data = load_json(text)
    if not isinstance(data, dict):
        _fail("$", "测算输入必须是一个 JSON 对象")
    return parse_scenario(data)
