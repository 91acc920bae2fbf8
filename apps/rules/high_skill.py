"""R6 High-skill training (notice clause 六): the throughput of high-skill bases, and who may train 高级工.

High-skill training bases must train enough people at 高级工 and above, and a district-level private
training school may run 高级工 classes only once the district bureau has recognised it for that.
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final, Literal

from apps.rules.parameters import params_on
from apps.rules.rates import level_name
from apps.rules.results import Finding

BaseTier = Literal["national", "municipal"]
BASE_TIER_LABELS: Final[dict[str, str]] = {"national": "国家级", "municipal": "市级"}


def check_high_skill_base(*, tier: BaseTier, person_times_by_year: Sequence[int], on: date) -> Finding | None:
    """R6.1 (W): a high-skill base trains, on average per year, 600 (national) or 300 (municipal)
    person-times at 高级工 and above.

    Clause 六 says "年均…应分别达到600人次、300人次": the yearly average over the years given, not
    every single year. A base below it is flagged for revocation and its unpaid construction grants
    are held; a reviewer confirms. With no year on record there is nothing to judge.
    """
    if not person_times_by_year:
        return None
    params = params_on(on)
    target = (
        params.high_skill_base_national_target
        if tier == "national"
        else params.high_skill_base_municipal_target
    )
    average = Fraction(sum(person_times_by_year), len(person_times_by_year))
    if average >= target:
        return None
    shown = (Decimal(average.numerator) / average.denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Finding(
        "R6.1",
        "W",
        f"{BASE_TIER_LABELS[tier]}高技能人才培训基地年均高级工及以上培训 {shown} 人次，"
        f"低于 {target} 人次：拟取消基地资格，暂缓拨付尚未拨付的建设补助资金 (R6.1)",
    )


def check_district_school_level(*, level: int | None, recognised: bool) -> Finding | None:
    """R6.2 (E): a district-level private training school runs 高级工 classes only if recognised for it.

    Clause 六: "经所在区县人力社保局认定，区县级民办职业培训学校可开展高级工培训". The notice opens
    高级工 (level 3) to such schools with the district bureau's recognition, and nothing higher: a
    技师 or 高级技师 class is refused even when the school is recognised. Levels 5 and 4 and
    专项职业能力 need no recognition.
    """
    if level is None or level > 3:
        return None
    if level == 3 and recognised:
        return None
    if level == 3:
        reason = "未经所在区县人力社保局认定，不得开展高级工培训"
    else:
        reason = f"按本通知只能经认定后开展高级工培训，不得开展{level_name(level)}培训"
    return Finding("R6.2", "E", f"区县级民办职业培训学校{reason} (R6.2)")
