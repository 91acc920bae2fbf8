"""Dated parameters: every figure the rules use, with the day it took effect and where it comes from.

Modelled on OpenFisca's parameters. A parameter has a name, a Chinese label, a unit, the rule ID
and legal reference it comes from, and a list of ``(effective_from, value)`` pairs in date order.
The value in force on a day is the one with the latest ``effective_from`` not after that day.

All parameters start on 2021-03-01, the day notice 渝人社发〔2021〕12号 was issued and took effect
("本通知有关政策自印发之日起实施"). A figure that the notice does not state itself (the
apprenticeship floor of 渝人社发〔2020〕43号, the age of 16) is still a parameter, with a reference that
says where it comes from. Figures a district chooses (the 以工代训 monthly amount and the like) are not
parameters but :class:`apps.rules.district.DistrictSettings`, passed in with each quote.

``RULES_VERSION`` is a fingerprint of every parameter value plus ``CODE_VERSION``; it is stamped
on every claim line and audit finding, so a figure can always be traced to the rules that made it.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Final

ParameterValue = Decimal | int | date

#: Bump when the code of the rules changes the way a figure is computed, even if no parameter moved.
CODE_VERSION: Final = "peixun-rules/2021-12/1"

#: The day notice 渝人社发〔2021〕12号 was issued and took effect (R9.1).
POLICY_EFFECTIVE_DATE: Final = date(2021, 3, 1)

NOTICE: Final = "渝人社发〔2021〕12号"


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named figure of the rules, with its dated values and its legal reference."""

    name: str
    label: str
    unit: str
    rule: str
    reference: str
    values: tuple[tuple[date, ParameterValue], ...]

    def entry_on(self, on: date) -> tuple[date, ParameterValue] | None:
        """The ``(effective_from, value)`` pair in force on ``on``, or ``None`` before the first."""
        current = None
        for effective_from, value in self.values:
            if effective_from > on:
                break
            current = (effective_from, value)
        return current

    def valid_until(self, on: date) -> date | None:
        """The last day of the value in force on ``on``: the day before the next value takes
        effect, or ``None`` while no later value is known."""
        for effective_from, _ in self.values:
            if effective_from > on:
                return date.fromordinal(effective_from.toordinal() - 1)
        return None

    def value_on(self, on: date) -> ParameterValue:
        """The value in force on ``on``; ``LookupError`` if the parameter did not exist yet."""
        entry = self.entry_on(on)
        if entry is None:
            raise LookupError(f"参数 {self.name} 在 {on.isoformat()} 尚未生效")
        return entry[1]


def _parameter(
    name: str, label: str, unit: str, rule: str, reference: str, value: ParameterValue
) -> Parameter:
    return Parameter(name, label, unit, rule, reference, ((POLICY_EFFECTIVE_DATE, value),))


PARAMETERS: Final[tuple[Parameter, ...]] = (
    _parameter("daily_rate_min", "日补贴标准折算下限", "元/人·天", "R1.1", f"{NOTICE} 一", Decimal("130.00")),
    _parameter("daily_rate_max", "日补贴标准折算上限", "元/人·天", "R1.1", f"{NOTICE} 一", Decimal("200.00")),
    _parameter(
        "rate_floor_manufacturing",
        "生产制造（第六大类）职业日补贴标准下限",
        "元/人·天",
        "R1.2",
        f"{NOTICE} 一",
        Decimal("150.00"),
    ),
    _parameter(
        "rate_floor_manufacturing_advanced",
        "生产制造（第六大类）职业高级工及以上日补贴标准下限",
        "元/人·天",
        "R1.2",
        f"{NOTICE} 一",
        Decimal("180.00"),
    ),
    _parameter(
        "rate_floor_other", "其他职业日补贴标准下限", "元/人·天", "R1.3", f"{NOTICE} 一", Decimal("130.00")
    ),
    _parameter(
        "rate_floor_other_advanced",
        "其他职业高级工及以上日补贴标准下限",
        "元/人·天",
        "R1.3",
        f"{NOTICE} 一",
        Decimal("150.00"),
    ),
    _parameter(
        "new_occupation_rate", "新职业日补贴标准", "元/人·天", "R1.4", f"{NOTICE} 一", Decimal("150.00")
    ),
    _parameter(
        "new_occupation_rate_advanced",
        "新职业高级工及以上日补贴标准",
        "元/人·天",
        "R1.4",
        f"{NOTICE} 一",
        Decimal("180.00"),
    ),
    _parameter("class_hours_per_day", "每天学时折合课时数", "课时", "R2.1", f"{NOTICE} 二", 6),
    _parameter("class_hour_minutes", "每课时分钟数", "分钟", "R2.1", f"{NOTICE} 二", 45),
    _parameter(
        "online_share_cap",
        "线上培训学时占培训总学时比例上限",
        "比例",
        "R2.3",
        f"{NOTICE} 二",
        Decimal("0.30"),
    ),
    _parameter(
        "online_rate_cap",
        "线上培训日补贴标准上限（含流量费）",
        "元/人·天",
        "R2.4",
        f"{NOTICE} 二",
        Decimal("60.00"),
    ),
    _parameter(
        "work_for_training_last_day",
        "以工代训政策实施截止日期",
        "日期",
        "R3.1",
        f"{NOTICE} 三（渝人社发〔2020〕87号延至2021年12月31日）",
        date(2021, 12, 31),
    ),
    _parameter("apprenticeship_min_months", "企业新型学徒制培训周期下限", "月", "R5.1", f"{NOTICE} 五", 12),
    _parameter("apprenticeship_max_months", "企业新型学徒制培训周期上限", "月", "R5.1", f"{NOTICE} 五", 24),
    _parameter(
        "apprenticeship_annual_floor",
        "企业新型学徒制年度补贴标准下限",
        "元/人·年",
        "R5.2",
        "渝人社发〔2020〕43号（本通知未载明具体数额）",
        Decimal("4000.00"),
    ),
    _parameter(
        "apprenticeship_advance_share",
        "企业新型学徒制开班预支比例上限",
        "比例",
        "R5.5",
        "企业新型学徒制有关规定（本通知未载明）",
        Decimal("0.50"),
    ),
    _parameter(
        "high_skill_base_national_target",
        "国家级高技能人才培训基地年均高级工及以上培训规模",
        "人次/年",
        "R6.1",
        f"{NOTICE} 六",
        600,
    ),
    _parameter(
        "high_skill_base_municipal_target",
        "市级高技能人才培训基地年均高级工及以上培训规模",
        "人次/年",
        "R6.1",
        f"{NOTICE} 六",
        300,
    ),
    _parameter(
        "per_year_limit",
        "每人每年享受培训补贴次数上限",
        "次",
        "R10.1",
        f"{NOTICE} 三（“每年3次”）",
        3,
    ),
    _parameter("minimum_age", "参训最低年龄", "周岁", "R11.2", "国家劳动用工规定（本通知未载明）", 16),
    _parameter(
        "policy_effective_date",
        "本通知施行日期",
        "日期",
        "R9.1",
        f"{NOTICE} 末段（自印发之日起实施）",
        POLICY_EFFECTIVE_DATE,
    ),
)
"""Every parameter, in the order of the rules that use them.

The per-year limit (R10.1) deserves a word. The notice speaks of "每年3次" as a limit already in
force, so the parameter holds 3 from 2021-03-01. docs/rules.md records that later Chongqing rules
lowered it to 1 but gives no date, and we will not invent one: the later value and the day it
took effect come in with the district settings (``DistrictSettings.per_year_limit_from``), and
:func:`apps.rules.limits.per_year_limit_on` reads the parameter and those dated values together.
"""

_BY_NAME: Final[dict[str, Parameter]] = {parameter.name: parameter for parameter in PARAMETERS}


@dataclass(frozen=True, slots=True)
class ParameterInForce:
    """One parameter as the rules page shows it on a given day."""

    name: str
    label: str
    unit: str
    rule: str
    reference: str
    value: ParameterValue
    effective_from: date


def parameters_in_force(on: date) -> tuple[ParameterInForce, ...]:
    """Every parameter in force on ``on`` with its value and the day that value took effect.

    Before 2021-03-01 no parameter of the notice was in force, and the answer is empty.
    """
    in_force = []
    for parameter in PARAMETERS:
        entry = parameter.entry_on(on)
        if entry is not None:
            effective_from, value = entry
            in_force.append(
                ParameterInForce(
                    parameter.name,
                    parameter.label,
                    parameter.unit,
                    parameter.rule,
                    parameter.reference,
                    value,
                    effective_from,
                )
            )
    return tuple(in_force)


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """The parameters in force on one day, typed, as the rule functions read them."""

    on: date
    daily_rate_min: Decimal
    daily_rate_max: Decimal
    rate_floor_manufacturing: Decimal
    rate_floor_manufacturing_advanced: Decimal
    rate_floor_other: Decimal
    rate_floor_other_advanced: Decimal
    new_occupation_rate: Decimal
    new_occupation_rate_advanced: Decimal
    class_hours_per_day: int
    class_hour_minutes: int
    online_share_cap: Decimal
    online_rate_cap: Decimal
    work_for_training_last_day: date
    apprenticeship_min_months: int
    apprenticeship_max_months: int
    apprenticeship_annual_floor: Decimal
    apprenticeship_advance_share: Decimal
    high_skill_base_national_target: int
    high_skill_base_municipal_target: int
    per_year_limit: int
    minimum_age: int
    policy_effective_date: date


@lru_cache(maxsize=4096)
def params_on(on: date) -> ParameterSet:
    """The parameters in force on ``on``, looked up once per day and cached.

    A few rules still apply to facts dated before the notice took effect: the per-year limit (R10)
    and the identity checks (R11) for a class approved under the previous policy, or a 以工代训
    month of 2020 (R3.1). For those days the parameters are read as the notice first published
    them on 2021-03-01, which is what "每年3次" and the other figures the notice relies on meant then.
    """
    day = max(on, POLICY_EFFECTIVE_DATE)
    values = {parameter.name: parameter.value_on(day) for parameter in PARAMETERS}
    return ParameterSet(on=on, **values)  # type: ignore[arg-type]


def parameter(name: str) -> Parameter:
    """The parameter called ``name`` (``KeyError`` if there is none)."""
    return _BY_NAME[name]


def _fingerprint() -> str:
    """A digest of every parameter value and the code version, identical across runs and processes."""
    payload = {
        "code_version": CODE_VERSION,
        "parameters": [
            [parameter.name, [[day.isoformat(), str(value)] for day, value in parameter.values]]
            for parameter in PARAMETERS
        ],
    }
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


RULES_VERSION: Final = _fingerprint()
