"""R1 Per-day rates and training days (notice clause 一, and clause 四 for the enterprise uplift).

The notice lets each district turn the per-person standards of 渝人社发〔2019〕124号 and
渝人社发〔2020〕43号 into a daily rate ``r`` between 130 and 200 元/人·天, with floors that depend on
the kind of occupation and the level, and fixed rates for the ministry's new occupations. The
number of class-hours a class is planned for then follows from the standard and the rate.

Levels are numbered as in the national vocational qualification system: 5 初级工, 4 中级工,
3 高级工, 2 技师, 1 高级技师. ``None`` stands for 专项职业能力, which has no level and counts as
below 高级工 (R1.3).
"""

import math
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact
from fractions import Fraction
from typing import Final

from apps.rules.money import round_fen, yuan
from apps.rules.parameters import params_on
from apps.rules.results import Finding, Step

MANUFACTURING: Final = 6  # 职业分类大典第六大类 生产制造及有关人员
PROFESSIONAL: Final = 2  # 职业分类大典第二大类 专业技术人员

LEVEL_NAMES: Final[dict[int | None, str]] = {
    5: "初级工",
    4: "中级工",
    3: "高级工",
    2: "技师",
    1: "高级技师",
    None: "专项职业能力",
}

#: Exact decimal arithmetic: a product that would need rounding raises instead of rounding silently.
EXACT: Final = Context(prec=60, traps=[Inexact])


def level_name(level: int | None) -> str:
    """The Chinese name of a level: 3 → 高级工, ``None`` → 专项职业能力."""
    return LEVEL_NAMES[level]


def is_advanced(level: int | None) -> bool:
    """高级工及以上: levels 3, 2 and 1. 专项职业能力 (no level) is not."""
    return level is not None and level <= 3


def fixed_rate_applies(category: int, new: bool) -> bool:
    """R1.4's scope: a new occupation published by the ministry outside major categories 2 and 6."""
    return new and category not in (PROFESSIONAL, MANUFACTURING)


def check_rate_range(rate: Decimal, *, on: date) -> Finding | None:
    """R1.1 (E): a district's daily rate lies between 130 and 200 元/人·天, both included.

    Clause 一: the standards are converted "按照130元/人.天至200元/人.天折算确定".
    """
    params = params_on(on)
    if rate < params.daily_rate_min:
        return Finding(
            "R1.1",
            "E",
            f"日补贴标准 {yuan(rate)} 元低于折算区间下限 {yuan(params.daily_rate_min)} 元/人·天 (R1.1)",
        )
    if rate > params.daily_rate_max:
        return Finding(
            "R1.1",
            "E",
            f"日补贴标准 {yuan(rate)} 元高于折算区间上限 {yuan(params.daily_rate_max)} 元/人·天 (R1.1)",
        )
    return None


def check_rate_floor(rate: Decimal, *, category: int, level: int | None, on: date) -> Finding | None:
    """R1.2 and R1.3 (E): the floor of the daily rate for the occupation's category and level.

    R1.2 — occupations of major category 6 (生产制造, codes ``6-…``): at least 150 元/人·天, and at
    least 180 at 高级工 and above. R1.3 — every other occupation: at least 130, and at least 150 at
    高级工 and above; 专项职业能力 counts as below 高级工. A new occupation of category 6 follows R1.2
    and one of category 2 follows R1.3; other new occupations have the fixed rates of R1.4 instead.
    """
    params = params_on(on)
    advanced = is_advanced(level)
    if category == MANUFACTURING:
        rule, kind = "R1.2", "第六大类"
        floor = params.rate_floor_manufacturing_advanced if advanced else params.rate_floor_manufacturing
    else:
        rule, kind = "R1.3", "其他职业（工种）"
        floor = params.rate_floor_other_advanced if advanced else params.rate_floor_other
    if rate >= floor:
        return None
    return Finding(
        rule, "E", f"日补贴标准 {yuan(rate)} 元低于{kind}{level_name(level)}下限 {yuan(floor)} 元 ({rule})"
    )


def check_new_occupation_rate(rate: Decimal, *, level: int | None, on: date) -> Finding | None:
    """R1.4 (E): a new occupation outside categories 2 and 6 is paid exactly 150, or 180 at 高级工 and above.

    Clause 一: for such new occupations the standard "调整为150元/人.天（其中，高级工及以上调整为
    180元/人.天）" — adjusted to, not at least.
    """
    params = params_on(on)
    fixed = params.new_occupation_rate_advanced if is_advanced(level) else params.new_occupation_rate
    if rate == fixed:
        return None
    return Finding(
        "R1.4",
        "E",
        f"新职业{level_name(level)}日补贴标准应为 {yuan(fixed)} 元，填报为 {yuan(rate)} 元 (R1.4)",
    )


def check_daily_rate(
    rate: Decimal, *, category: int, level: int | None, new: bool, on: date
) -> tuple[Finding, ...]:
    """R1.1–R1.4 together: every finding on a daily rate, on the day the class is approved."""
    second = (
        check_new_occupation_rate(rate, level=level, on=on)
        if fixed_rate_applies(category, new)
        else check_rate_floor(rate, category=category, level=level, on=on)
    )
    return tuple(finding for finding in (check_rate_range(rate, on=on), second) if finding is not None)


def planned_class_hours(standard: Decimal, rate: Decimal, *, on: date) -> int:
    """R1.5: the class-hours an occupation-level is planned for, ``H = floor(S × 6 / r)``.

    ``S`` is the per-person standard of the district table and ``r`` the daily rate; 6 class-hours
    make a training day (R2.1). W3: ``floor(1000 × 6 / 130) = 46``.
    """
    return math.floor(Fraction(standard) * params_on(on).class_hours_per_day / Fraction(rate))


def new_occupation_standard(rate: Decimal, planned_hours: int, *, on: date) -> Decimal:
    """R1.5, new occupations: the district sets ``H`` and the standard follows, ``S = r × H / 6``."""
    return round_fen(Fraction(rate) * planned_hours / params_on(on).class_hours_per_day)


def planned_hours_step(standard: Decimal, rate: Decimal, planned: int, *, on: date) -> Step:
    """R1.5 in words, as a quote shows it: ``H = floor(S × 6 / r)`` with the class-hours per day in force."""
    per_day = params_on(on).class_hours_per_day
    return Step(
        "R1.5",
        f"计划总课时按补贴标准 {yuan(standard)} 元与日补贴标准 {yuan(rate)} 元折算为 {planned} 课时",
        f"⌊{yuan(standard)} × {per_day} ÷ {yuan(rate)}⌋ = {planned}",
    )


def new_occupation_standard_step(rate: Decimal, planned: int, standard: Decimal, *, on: date) -> Step:
    """R1.5 for a new occupation in words, as a quote shows it: ``S = r × H / 6``."""
    per_day = params_on(on).class_hours_per_day
    return Step(
        "R1.5",
        f"新职业补贴标准按日补贴标准与核定课时折算为 {yuan(standard)} 元",
        f"{yuan(rate)} × {planned} ÷ {per_day} = {yuan(standard)}",
        standard,
    )


def rate_row_steps(
    *, standard: Decimal, rate: Decimal, class_hours: int, new: bool, on: date
) -> tuple[Step, ...]:
    """R1.5 as the district's rate table explains one row that takes effect on ``on``.

    A new occupation: the district set ``H`` and ``S = r × H / 6``; any other: ``H = floor(S × 6 / r)``.
    The class-hours per day are the parameter in force on ``on``.
    """
    per_day = params_on(on).class_hours_per_day
    if new:
        arithmetic = f"{yuan(rate)} × {class_hours} ÷ {per_day} = {yuan(standard)}"
        return (
            Step(
                "R1.5",
                f"新职业：课时 H = {class_hours}（区县确定），补贴标准 S = {arithmetic} 元",
                arithmetic,
                standard,
            ),
        )
    arithmetic = f"⌊{yuan(standard)} × {per_day} ÷ {yuan(rate)}⌋ = {class_hours}"
    return (Step("R1.5", f"课时 H = ⌊S × {per_day} ÷ r⌋ = {arithmetic} 课时", arithmetic),)


@dataclass(frozen=True, slots=True)
class Uplifted:
    """R1.7: an enterprise's daily rate and standard after the district uplift."""

    rate: Decimal
    standard: Decimal


def uplift(rate: Decimal, standard: Decimal, enterprise_uplift: Decimal) -> Uplifted:
    """R1.7: enterprise staff training may be paid ``r' = r × (1 + u)`` and capped at ``S' = S × (1 + u)``.

    Clause 四: "企业职工培训的学时补贴标准可适当上浮". ``u`` is a district setting (default 0). The
    checks of R1.1–R1.4 apply to ``r`` before the uplift, and ``H`` is computed from ``S`` and ``r``.
    ``r'`` is kept exact (it is a rate, not a payment); ``S'`` is an amount and is rounded to fen.
    """
    factor = EXACT.add(Decimal(1), enterprise_uplift)
    return Uplifted(EXACT.multiply(rate, factor), round_fen(EXACT.multiply(standard, factor)))
