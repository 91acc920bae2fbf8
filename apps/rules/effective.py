"""R9 Effective dates (the last paragraph of the notice).

"本通知有关政策自印发之日起实施，已审核通过开班申请的培训班次，按原有政策执行。" The notice was issued
on 2021-03-01 and took effect that day.
"""

from datetime import date
from decimal import Decimal

from apps.rules.money import yuan
from apps.rules.parameters import POLICY_EFFECTIVE_DATE
from apps.rules.results import Step


def follows_previous_policy(approved_on: date) -> bool:
    """R9.1: a class whose application was approved before 2021-03-01 follows the previous policy.

    2021-03-01 itself is under the notice: it took effect on the day it was issued, so an approval
    given that day is an approval under the new policy.
    """
    return approved_on < POLICY_EFFECTIVE_DATE


def previous_policy_step(approved_on: date, standard: Decimal) -> Step:
    """R9.1: under the previous policy a passing trainee is paid the per-person standard ``S``, no days.

    W6: a class approved on 2021-02-20 with ``S`` = 1000 pays 1000.00, not the 996.67 of W3.
    """
    return Step(
        "R9.1",
        f"开班申请于 {approved_on.isoformat()} 审核通过，"
        f"早于本通知施行之日 {POLICY_EFFECTIVE_DATE.isoformat()}，"
        "按原有政策执行：合格学员按补贴标准 S 补贴，不按天数折算",
        f"S = {yuan(standard)}",
        standard,
    )
