"""R5 New apprenticeship 企业新型学徒制 (notice clause 五).

An apprenticeship runs "一般为1－2年" and is paid at an annual standard per apprentice (at least
4000 元/人·年 under 渝人社发〔2020〕43号; the district's figure is a setting), in proportion to the
months of the plan. When the enterprise restructures, closes or goes bankrupt before the end — or
ends it early for a similar reason: the notice's list ends with 等 — an apprentice who finished the
main courses and obtained the certificate is paid for the months actually trained. The standard in
force when the class opened applies to the whole class (R5.4). Up to half may be advanced at
opening and is deducted at the settlement (R5.5); once settled, nothing more is paid.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

from apps.rules.money import percent, round_fen, yuan
from apps.rules.parameters import params_on
from apps.rules.results import Finding, Step

EarlyEnd = Literal["restructuring", "closure", "bankruptcy", "other"]
#: R5.3's "or a similar reason" (the notice's 等): allowed with a written reason, as a W finding.
OTHER_REASON: Final = "other"
EARLY_END_LABELS: Final[dict[str, str]] = {
    "restructuring": "改制重组",
    "closure": "关闭",
    "bankruptcy": "破产",
    OTHER_REASON: "其他原因",
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
    early_end_reason: str | None = None,
) -> ApprenticeshipQuote:
    """R5.1–R5.3: the subsidy of one apprentice who completed, or who ended early with a certificate.

    - R5.2 — on completion the full amount ``A_app × planned_months / 12`` (24 months at 4000 →
      8000.00);
    - R5.3 — when the enterprise restructured, closed or went bankrupt before the end, the actual
      whole months trained, ``A_app × actual_months / 12`` (W9: 15 months at 4000 → 5000.00);
      for another reason (``other``, with ``early_end_reason`` written out) the same amount, with a
      W finding that the officer accepts with a reason of their own.

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
            f"{yuan(annual_amount)} × {planned_months} ÷ {MONTHS_PER_YEAR} = {yuan(amount)}",
            amount,
        )
    else:
        if actual_months is None:
            raise ValueError("企业新型学徒制提前结束时必须给出实际培训月数 actual_months (R5.3)")
        months = actual_months
        amount = apprenticeship_amount(annual_amount, months)
        if early_end == OTHER_REASON:
            why = f"因其他原因（{early_end_reason}）"
            findings = (*findings, check_other_early_end(early_end_reason or ""))
        else:
            why = f"企业{EARLY_END_LABELS[early_end]}，"
        step = Step(
            "R5.3",
            f"{why}培训未届满提前结束，学徒已完成主要课程并取得证书：按实际培训 {months} 个月折算",
            f"{yuan(annual_amount)} × {months} ÷ {MONTHS_PER_YEAR} = {yuan(amount)}",
            amount,
        )
    return ApprenticeshipQuote(amount, (step,), findings)


def check_other_early_end(reason: str) -> Finding:
    """R5.3 (W): an early end for a reason the notice does not name (its list ends with 等) is paid
    as for the named ones, but the officer must accept the written reason with one of their own."""
    return Finding(
        "R5.3",
        "W",
        f"提前结束的原因“{reason}”不是通知列明的改制重组、关闭或破产，属于“等”情形，"
        "须审核人员确认并填写理由 (R5.3)",
    )


def advance_cap(full_amount: Decimal, *, on: date) -> Decimal:
    """R5.5: at most the advance share in force (50 % since 2021-03-01) of the full amount is advanced."""
    return round_fen(Fraction(full_amount) * Fraction(params_on(on).apprenticeship_advance_share))


def advance_step(full_amount: Decimal, advance: Decimal, *, on: date) -> Step:
    """R5.5 in words: the advance at opening, its share taken from the dated parameter."""
    share = percent(params_on(on).apprenticeship_advance_share)
    return Step(
        "R5.5",
        f"开班时预拨不超过全额的 {share}，结业或提前结束时从应拨金额中扣除",
        f"{yuan(full_amount)} × {share} = {yuan(advance)}",
        advance,
    )


def check_advanced_once(paid_before: Decimal) -> Finding:
    """R5.5 (E): the advance is made once, at opening; a second advance of the same apprenticeship
    (whatever plan it states) is not paid. What is left is paid at the settlement."""
    return Finding(
        "R5.5",
        "E",
        f"该学徒已预拨 {yuan(paid_before)} 元，开班预拨只有一次，其余在结业或提前结束时清算 (R5.5)",
    )


def check_settled() -> Finding:
    """R5.5 (E): once the apprenticeship is settled (its completion or early end booked, the advance
    deducted there), nothing more is paid for it: no advance after the settlement, no second one."""
    return Finding(
        "R5.5",
        "E",
        "该学徒的新型学徒制培训已结业清算（结业或提前结束已记账，开班预拨已在其中扣除），不再补贴 (R5.5)",
    )


def balance_after_advance(amount: Decimal, advanced: Decimal) -> Decimal:
    """R5.5: what remains to pay at completion once the advance is deducted.

    Negative when the final amount (an early end under R5.3) is below the advance: that much is
    to be recovered.
    """
    return round_fen(Fraction(amount) - Fraction(advanced))
