"""R2 Flexible hours and online training (notice clause 二).

The unit of time is the class-hour (课时) of 45 minutes; 6 class-hours make one training day,
whatever the schedule. Hours size the subsidy but never decide whether a trainee may sit the
assessment (R2.2: "培训学时仅作为鉴定评价和结业考核的参考要素"), so nothing here refuses an
assessment. Online training is paid as its own segment at its own, lower, daily rate, and only up
to 30 % of the planned class-hours.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from apps.rules.money import percent, round_fen, yuan
from apps.rules.parameters import params_on
from apps.rules.results import Finding

#: R2.6: what counts as passing.
PASSING_CERTIFICATES = ("职业资格证书", "职业技能等级证书", "专项职业能力证书", "培训合格证书（结业）")


def class_hours_from_minutes(session_minutes: Iterable[int], *, on: date) -> int:
    """R2.1: attendance minutes become whole class-hours, ``minutes // 45`` for each session.

    A weekend, evening, after-work or online session counts the same; the part of a session short
    of 45 minutes is not carried over to the next one.
    """
    minutes_per_class_hour = params_on(on).class_hour_minutes
    return sum(minutes // minutes_per_class_hour for minutes in session_minutes)


def online_cap(planned_hours: int, *, on: date) -> int:
    """R2.3 and R2.5: the most online class-hours a class may plan or be paid, ``floor(0.30 × H)``."""
    return math.floor(params_on(on).online_share_cap * planned_hours)


def check_planned_online(planned_online: int, planned_hours: int, *, on: date) -> Finding | None:
    """R2.3 (O): planned online class-hours are at most 30 % of the planned total, ``≤ floor(0.30 × H)``.

    Clause 二 says "原则上不超过培训总学时的30%": in principle. A district officer may therefore approve
    a plan above it with a written reason; the finding is O, not E. Whatever the plan, R2.5 pays
    online hours only up to the same 30 %.
    """
    cap = online_cap(planned_hours, on=on)
    if planned_online <= cap:
        return None
    return Finding(
        "R2.3",
        "O",
        f"计划线上课时 {planned_online} 超过计划总课时 {planned_hours} 的 "
        f"{percent(params_on(on).online_share_cap)}（最多 {cap} 课时），"
        "原则上不允许，经办人员书面说明理由后方可通过 (R2.3)",
    )


def check_online_rate(online_rate: Decimal, *, on: date) -> Finding | None:
    """R2.4 (E): the online daily rate ``r_on`` is at most 60 元/人·天, data costs included.

    Clause 二: online training "补贴标准不超过60元/人.天（含流量费）". The cap is absolute: the
    enterprise uplift of R1.7 does not raise it.
    """
    cap = params_on(on).online_rate_cap
    if online_rate <= cap:
        return None
    return Finding(
        "R2.4", "E", f"线上日补贴标准 {yuan(online_rate)} 元超过上限 {yuan(cap)} 元/人·天（含流量费） (R2.4)"
    )


@dataclass(frozen=True, slots=True)
class PayableHours:
    """R2.5: the class-hours of one trainee that are paid, and the online hours above the cap."""

    offline: int
    online: int
    online_cap: int
    online_excess: int


def payable_class_hours(
    *, planned_hours: int, attended_offline: int, attended_online: int, on: date
) -> PayableHours:
    """R2.5: which attended class-hours are paid, online first up to its cap, then offline up to ``H``.

    - ``on  = min(attended_online, floor(0.30 × H))``
    - ``off = min(attended_offline, H − on)``

    Online hours above the cap are not paid, even when the plan's R2.3 finding was overridden;
    offline hours fill the rest of ``H``. W1: ``H = 83``, attended 60 offline and 23 online,
    cap 24 → 60 and 23 paid.
    """
    cap = online_cap(planned_hours, on=on)
    online = min(attended_online, cap)
    offline = min(attended_offline, planned_hours - online)
    return PayableHours(offline, online, cap, attended_online - online)


def segment_amount(rate: Decimal, class_hours: int, *, on: date) -> Decimal:
    """R2.5: one segment, ``round(rate × class_hours / 6)``: the days kept exact, rounded once to fen.

    W3: ``130 × 46 / 6 = 996.666…`` → 996.67.
    """
    return round_fen(Fraction(rate) * class_hours / params_on(on).class_hours_per_day)


def check_passed(passed: bool) -> Finding | None:
    """R2.6 (E): a trainee who did not pass gets nothing.

    Passing means holding one of 职业资格证书, 职业技能等级证书, 专项职业能力证书 or 培训合格证书
    (结业); a failed assessment or completion exam, or no certificate, is not passing.
    """
    if passed:
        return None
    return Finding(
        "R2.6",
        "E",
        "学员未取得职业资格证书、职业技能等级证书、专项职业能力证书或培训合格证书，不予补贴 (R2.6)",
    )
