"""R8 The special account 职业技能提升行动专账资金 (notice clause 八).

Each district draws on its yearly allocation of the special account, with shares set aside for
以工代训 and for the living allowance; payments go only to trainees registered by real name, and
never depend on region or 户籍 (R8.4, see :func:`apps.rules.identity.check_id_number`). The
ledger reconciles with claims and payments (R8.5, "账实相符、账表相符") in the ledger app.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction

from apps.rules.identity import check_id_number
from apps.rules.money import round_fen, yuan
from apps.rules.parameters import params_on
from apps.rules.results import Finding, RuleViolation


def living_allowance(*, offline_class_hours: int, daily_amount: Decimal, on: date) -> Decimal:
    """R8.1: the living allowance (生活费, transport included) for the offline training days.

    ``L × offline class-hours / 6``, the days kept exact and the amount rounded once to fen. ``L`` is
    the district setting; only the groups the district names receive it, from its allowance share.
    """
    return round_fen(Fraction(daily_amount) * offline_class_hours / params_on(on).class_hours_per_day)


def check_allocation(
    *, allocated: Decimal, committed: Decimal, requested: Decimal, share: str
) -> Finding | None:
    """R8.2 (E): an approval that would overdraw the district's allocation or one of its shares is refused.

    Clause 八: the district fixes "按照年度资金额度和培训计划，合理确定专账资金中的以工代训、生活费
    （含交通费）支出比例". ``committed`` is what is already approved against ``allocated``.
    """
    if committed + requested <= allocated:
        return None
    return Finding(
        "R8.2",
        "E",
        f"{share}已批准 {yuan(committed)} 元，本次 {yuan(requested)} 元，"
        f"合计超过额度 {yuan(allocated)} 元 (R8.2)",
    )


def check_real_name(id_number: str | None, *, on: date | None = None) -> Finding | None:
    """R8.3 (E): 凡进必补、不进不补 — only a trainee registered by real name, with a valid ID, is paid."""
    if id_number is None or not id_number.strip():
        return Finding("R8.3", "E", "学员未进行实名登记（没有身份证号码），不予补贴 (R8.3)")
    try:
        check_id_number(id_number, on=on)
    except RuleViolation as violation:
        return Finding("R8.3", "E", f"学员实名信息无效，不予补贴：{violation.finding.message} (R8.3)")
    return None
