"""R3 Work-for-training 以工代训 (notice clause 三).

以工代训 trains on the job: the enterprise organises no separate class, files no training plan and
issues no certificate (R3.2). It is paid per worker and month at the district's monthly amount,
for a limited number of months per worker and enterprise, and only for months up to the end of
2021, when the extension of 渝人社发〔2020〕87号 ran out. It does not count towards the per-year
limit (R3.3), but a worker cannot be in other subsidised training during a 以工代训 month (R3.4).

Months are written ``YYYY-MM`` and represented by their first day.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.rules.limits import (
    WORK_FOR_TRAINING,
    TrainingRecord,
    describe,
    months_of,
    overlapping_other_training,
)
from apps.rules.money import round_fen, yuan
from apps.rules.parameters import params_on
from apps.rules.results import Finding, Step


def month_text(month: date) -> str:
    """``2021-10`` for the month whose first day is ``month``."""
    return f"{month.year:04d}-{month.month:02d}"


def month_end(month: date) -> date:
    """The last day of the month whose first day is ``month``."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def check_month_payable(month: date) -> Finding | None:
    """R3.1 (E, on that month only): 以工代训 is payable for months up to and including 2021-12.

    Clause 三: "渝人社发〔2020〕87号文件有关政策实施期限延至2021年12月31日". A later month is refused
    on its own; the other months of the claim are still paid. W8: 2022-01 is refused.
    """
    last_day = params_on(month).work_for_training_last_day
    if month <= last_day:
        return None
    return Finding(
        "R3.1",
        "E",
        f"{month_text(month)} 晚于以工代训政策截止月份 {month_text(last_day)}"
        f"（渝人社发〔2020〕87号延至 {last_day.year}年{last_day.month}月{last_day.day}日），"
        "该月不予补贴 (R3.1)",
        "part",
    )


def months_already_paid(history: Iterable[TrainingRecord]) -> frozenset[date]:
    """R3.5: the 以工代训 months of the worker at this enterprise already claimed (pending or approved):
    exactly the months of each line, not the gap between them."""
    return frozenset(
        month for record in history if record.kind == WORK_FOR_TRAINING for month in months_of(record)
    )


@dataclass(frozen=True, slots=True)
class WorkForTrainingQuote:
    """R3: the months paid, the amount, and the findings on the months left out."""

    paid_months: tuple[date, ...]
    amount: Decimal
    steps: tuple[Step, ...]
    findings: tuple[Finding, ...]


def quote_work_for_training(
    *,
    months: Sequence[date],
    monthly_amount: Decimal,
    max_months: int,
    history: Sequence[TrainingRecord],
) -> WorkForTrainingQuote:
    """R3.1, R3.4 and R3.5: the 以工代训 subsidy of one worker at one enterprise for the months claimed.

    Each distinct month is examined in calendar order:

    - R3.5 — a month claimed twice in the same claim is counted once;
    - R3.1 (E) — a month after 2021-12 is not paid;
    - R3.5 (E) — a month already claimed for this worker at this enterprise is not paid again
      (``history`` should hold the worker's 以工代训 lines at the same enterprise, and their other
      subsidised trainings);
    - R3.4 (E) — a month that shares a day with another subsidised training is not paid;
    - R3.5 (E) — months beyond ``M_wft`` per worker and enterprise, counting the months already
      claimed, are not paid, the latest first.

    Every finding here is on one month, so it removes that month only. The amount is
    ``A_wft × paid months``. W8: 2021-10 … 2022-01 at 500 → 1500.00, 2022-01 refused by R3.1.
    """
    findings: list[Finding] = []
    seen: set[date] = set()
    for month in months:
        if month in seen:
            findings.append(
                Finding(
                    "R3.5",
                    "E",
                    f"{month_text(month)} 在本次申领中重复填报，同一月份只补贴一次 (R3.5)",
                    "part",
                )
            )
        seen.add(month)
    already_paid = months_already_paid(history)
    candidates: list[date] = []
    for month in sorted(seen):
        refused = check_month_payable(month)
        if refused is None and month in already_paid:
            refused = Finding(
                "R3.5",
                "E",
                f"{month_text(month)} 已享受以工代训补贴，同一企业、同一职工、同一月份只补贴一次 (R3.5)",
                "part",
            )
        if refused is None:
            other = overlapping_other_training(start=month, end=month_end(month), history=history)
            if other is not None:
                refused = Finding(
                    "R3.4",
                    "E",
                    f"{month_text(month)} 与{describe(other)}时间重叠，"
                    "以工代训期间不能同时参加其他补贴性培训，该月不予补贴 (R3.4)",
                    "part",
                )
        if refused is None:
            candidates.append(month)
        else:
            findings.append(refused)
    room = max(max_months - len(already_paid), 0)
    paid = tuple(candidates[:room])
    for month in candidates[room:]:
        findings.append(
            Finding(
                "R3.5",
                "E",
                f"{month_text(month)} 超出每名职工在同一企业最多 {max_months} 个月的上限"
                f"（此前已申领 {len(already_paid)} 个月），不予补贴 (R3.5)",
                "part",
            )
        )
    amount = round_fen(monthly_amount * len(paid))
    listed = "、".join(month_text(month) for month in paid) or "无"
    step = Step(
        "R3.5",
        f"以工代训补贴按月计发：可补贴月份 {listed}，共 {len(paid)} 个月，每月 {yuan(monthly_amount)} 元",
        f"{yuan(monthly_amount)} × {len(paid)} = {yuan(amount)}",
        amount,
    )
    return WorkForTrainingQuote(paid, amount, (step,), tuple(findings))
