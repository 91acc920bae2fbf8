"""R5 New apprenticeship 企业新型学徒制 (notice clause 五).

An apprenticeship runs "一般为1－2年" and is paid at an annual standard per apprentice (at least
4000 元/人·年 under 渝人社发〔2020〕43号; the district's figure is a setting), in proportion to the
months of the plan. When the enterprise restructures, closes or goes bankrupt before the end, an
apprentice who finished the main courses and obtained the certificate is paid for the months
actually trained. The standard in force when the class opened applies to the whole class (R5.4).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

from apps.rules.money import round_fen, yuan
from apps.rules.parameters import params_on
from apps.rules.results import Finding, Step

EarlyEnd = Literal["restructuring", "closure", "bankruptcy"]
EARLY_END_LABELS: Final[dict[str, str]] = {
    "restructuring": "改制重组",
    "closure": "关闭",
    "bankruptcy": "破产",
}
MONTHS_PER_YEAR: Final = 12


def check_period(planned_months: int, *, on: date) -> Finding | None:
    """R5.1 (W): the planned period is 12 to 24 months, both included.

    Clause 五 says the period is "一般为1－2年", generally: a longer or shorter plan is shown to the
    reviewer, who decides and records why.
    """
    params = params_on(on)
    if params.apprenticeship_min_months <= planned_months <= params.apprenticeship_max_months:
        return None
    return Finding(
        "R5.1",
        "W",
        f"新型学徒制计划培训期 {planned_months} 个月，不在一般的 {params.apprenticeship_min_months}–"
        f"{params.apprenticeship_max_months} 个月范围内，请审核人员确认 (R5.1)",
    )


def check_annual_amount(annual_amount: Decimal, *, on: date) -> Finding | None:
    """R5.2 (E): the annual standard ``A_app`` is at least 4000 元/人·年 (渝人社发〔2020〕43号)."""
    floor = params_on(on).apprenticeship_annual_floor
    if annual_amount >= floor:
        return None
    return Finding(
        "R5.2",
        "E",
        f"新型学徒制年度补贴标准 {yuan(annual_amount)} 元低于下限 {yuan(floor)} 元/人·年 (R5.2)",
    )


def apprenticeship_amount(annual_amount: Decimal, months: int) -> Decimal:
    """R5.2 and R5.3: ``A_app × months / 12``, rounded once to fen."""
    return round_fen(Fraction(annual_amount) * months / MONTHS_PER_YEAR)


@dataclass(frozen=True, slots=True)
class ApprenticeshipQuote:
    """R5: the amount of one apprentice, how it was reached and what the reviewer should see."""

    amount: Decimal
    steps: tuple[Step, ...]
    findings: tuple[Finding, ...]


def quote_apprenticeship(
    *,
    annual_amount: Decimal,
    planned_months: int,
    actual_months: int | None,
    early_end: str | None,
    on: date,
) -> ApprenticeshipQuote:
    """R5.1–R5.3: the subsidy of one apprentice who completed, or who ended early with a certificate.

    - R5.2 — on completion the full amount ``A_app × planned_months / 12`` (24 months at 4000 →
      8000.00);
    - R5.3 — when the enterprise restructured, closed or went bankrupt before the end, the actual
      whole months trained, ``A_app × actual_months / 12`` (W9: 15 months at 4000 → 5000.00).

    ``on`` is the day the class opened: its standard applies for the whole class (R5.4). Whether
    the apprentice passed (R2.6) is checked by the caller, as for every trainee.
    """
    findings = tuple(
        finding
        for finding in (check_period(planned_months, on=on), check_annual_amount(annual_amount, on=on))
        if finding is not None
    )
    if early_end is None:
        amount = apprenticeship_amount(annual_amount, planned_months)
        step = Step(
            "R5.2",
            f"新型学徒制培训期满：按计划培训期 {planned_months} 个月、年度标准 {yuan(annual_amount)} 元计发",
            f"{yuan(annual_amount)} × {planned_months} ÷ 12 = {yuan(amount)}",
            amount,
        )
    else:
        if actual_months is None:
            raise ValueError("企业新型学徒制提前结束时必须给出实际培训月数 actual_months (R5.3)")
        months = actual_months
        amount = apprenticeship_amount(annual_amount, months)
        step = Step(
            "R5.3",
            f"企业{EARLY_END_LABELS[early_end]}，培训未届满提前结束，学徒已完成主要课程并取得证书："
            f"按实际培训 {months} 个月折算",
            f"{yuan(annual_amount)} × {months} ÷ 12 = {yuan(amount)}",
            amount,
        )
    return ApprenticeshipQuote(amount, (step,), findings)


def advance_cap(full_amount: Decimal, *, on: date) -> Decimal:
    """R5.5: at most 50 % of the full amount may be advanced when the class opens."""
    return round_fen(Fraction(full_amount) * Fraction(params_on(on).apprenticeship_advance_share))


def balance_after_advance(amount: Decimal, advanced: Decimal) -> Decimal:
    """R5.5: what remains to pay at completion once the advance is deducted.

    Negative when the final amount (an early end under R5.3) is below the advance: that much is
    to be recovered.
    """
    return round_fen(Fraction(amount) - Fraction(advanced))
