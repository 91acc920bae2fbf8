"""The quote: what one trainee's subsidy would be, with every step and finding (docs/quote-contract.md).

``quote`` applies the rules of the scenario's kind and the rules every kind shares:

- class / enterprise — R9.1 (previous policy) or R1 (daily rate, planned hours, uplift) and R2
  (online plan and rate, paid hours, segments, cap), R2.6 (passed), R4.2 (who the trainee is to
  the enterprise) and R4.3 (enterprise materials);
- work_for_training — R3 (months payable, overlap, months paid once and at most ``M_wft``);
- apprenticeship — R5 (period, annual standard, completion or early end, the advance at opening
  and its deduction, nothing after the settlement) and R2.6;
- living_allowance — R8.1 (the district's daily amount for the offline training days);
- every kind — R11 when an ID number is given; for the trainings (not 以工代训, not the living
  allowance) R10 (per-year limit, same level once, lower after higher) and R3.4 (no other
  training during 以工代训); and, but for 以工代训, the deduction of what was already booked for
  the same training (``paid_before``), so that no training is paid twice.

An E finding on the plan or the person makes the amount 0.00; an E on one month or one excess
removes that part only (docs/quote-contract.md).
"""

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from operator import attrgetter

from apps.rules.apprenticeship import (
    advance_cap,
    advance_step,
    balance_after_advance,
    check_advanced_once,
    check_settled,
    quote_apprenticeship,
)
from apps.rules.district import DEMO_SETTINGS, DistrictSettings
from apps.rules.effective import previous_policy_step
from apps.rules.enterprise import TRAINEE_RELATIONS, check_enterprise_trainee, check_materials
from apps.rules.hours import (
    check_online_rate,
    check_passed,
    check_planned_online,
    payable_class_hours,
    segment_amount,
)
from apps.rules.identity import check_id_number, check_minimum_age, today_in_china
from apps.rules.limits import (
    check_lower_level_after_higher,
    check_no_overlap_with_work_for_training,
    check_per_year_limit,
    check_same_level_once,
    per_year_limit_on,
    trainings_in_year,
)
from apps.rules.money import ZERO, days_text, percent, yuan
from apps.rules.parameters import RULES_VERSION, params_on
from apps.rules.rates import (
    check_daily_rate,
    new_occupation_standard,
    new_occupation_standard_step,
    planned_class_hours,
    planned_hours_step,
    uplift,
)
from apps.rules.results import Finding, QuoteResult, RuleViolation, Step
from apps.rules.scenario import LIVING_ALLOWANCE, Scenario
from apps.rules.special_account import living_allowance
from apps.rules.work_for_training import quote_work_for_training


@dataclass(slots=True)
class _Explanation:
    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def find(self, *findings: Finding | None) -> None:
        self.findings.extend(finding for finding in findings if finding is not None)


# What the class's own rules (``_class``: R9.1 or R1, R2, R2.6, R4.2, R4.3) read of a scenario: every
# field but the person's (R11), their other trainings (R10, R3.4) and what was booked before for the
# same training (the deduction), which only the rules after it read.
_AFTER_THE_CLASS = frozenset({"id_number", "history", "paid_before", "per_year_limit"})
_class_inputs = attrgetter(*(f.name for f in fields(Scenario) if f.name not in _AFTER_THE_CLASS))


class ClassMemo:
    """The class's own part of quotes already made (its amount, steps and findings), by everything
    that part reads, for quoting many trainees of the same classes (a what-if replay quotes every
    trainee of a class again; all of them share the class's inputs, most their attendance too).

    The part is a pure function of those inputs and the district settings, so a quote made with a
    memo equals the quote made without one, step for step; only the person's rules, the history's
    and the deduction are applied afresh to each scenario. Amounts are keyed with their digits as
    written (``Decimal("1500")`` and ``Decimal("1500.00")`` are equal but print differently). The
    memo holds at most ``size`` parts and starts again empty when full.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._parts: dict[object, tuple[Decimal, tuple[Step, ...], tuple[Finding, ...]]] = {}
        self._size = size

    def class_part(self, scenario: Scenario, district: DistrictSettings, out: _Explanation) -> Decimal:
        values = _class_inputs(scenario)
        key = (district, values, tuple(str(value) for value in values if type(value) is Decimal))
        part = self._parts.get(key)
        if part is None:
            own = _Explanation()
            amount = _class(scenario, district, own)
            part = (amount, tuple(own.steps), tuple(own.findings))
            if len(self._parts) >= self._size:
                self._parts.clear()
            self._parts[key] = part
        out.steps.extend(part[1])
        out.findings.extend(part[2])
        return part[0]


def quote(
    scenario: Scenario, settings: DistrictSettings | None = None, *, memo: ClassMemo | None = None
) -> QuoteResult:
    """Quote one scenario under the district ``settings`` (the demo settings when ``None``); with a
    ``memo``, the class's own part of an earlier quote of the same class inputs is reused."""
    district = settings if settings is not None else DEMO_SETTINGS
    out = _Explanation()
    paid_months: tuple[date, ...] | None = None
    if scenario.kind == "work_for_training":
        amount, paid_months = _work_for_training(scenario, district, out)
        start = min(scenario.months)
    else:
        assert scenario.start is not None
        start = scenario.start
        if scenario.kind == "apprenticeship":
            amount = _apprenticeship(scenario, district, out)
        elif scenario.kind == LIVING_ALLOWANCE:
            amount = _living_allowance(scenario, district, out)
        elif memo is not None:
            amount = memo.class_part(scenario, district, out)
        else:
            amount = _class(scenario, district, out)
        if scenario.kind != LIVING_ALLOWANCE:
            _history_rules(scenario, district, out)
        amount = _deduct_paid_before(scenario, amount, out)
    _person_rules(scenario, start, out)
    blocking = [finding.rule for finding in out.findings if finding.blocks]
    if blocking:
        out.steps.append(
            Step(
                blocking[0],
                f"存在不予补贴的错误（{'、'.join(dict.fromkeys(blocking))}），本次补贴为 0",
                "0.00",
                ZERO,
            )
        )
        amount = ZERO
        paid_months = () if paid_months is not None else None
    return QuoteResult(amount, tuple(out.steps), tuple(out.findings), RULES_VERSION, paid_months)


def _class(scenario: Scenario, district: DistrictSettings, out: _Explanation) -> Decimal:
    """R9.1 or R1 + R2, then R2.6 and R4.3, for one trainee of a class or of an enterprise's training."""
    assert scenario.approved_on is not None
    if scenario.kind == "enterprise" and scenario.relation is not None:
        label = TRAINEE_RELATIONS.get(scenario.relation, scenario.relation)
        out.steps.append(Step("R4.2", f"学员与企业的关系：{label}", ""))
        out.find(check_enterprise_trainee(scenario.relation))
    if scenario.follows_previous_policy:
        assert scenario.standard is not None
        out.steps.append(previous_policy_step(scenario.approved_on, scenario.standard))
        amount = scenario.standard
    else:
        amount = _class_under_notice(scenario, scenario.approved_on, district, out)
    out.find(check_passed(scenario.passed))
    if scenario.kind == "enterprise":
        out.find(check_materials(scenario.materials, classified=scenario.classified))
    return amount


def _class_under_notice(
    scenario: Scenario, on: date, district: DistrictSettings, out: _Explanation
) -> Decimal:
    """R1.1–R1.7 and R2.3–R2.5 for a class approved on or after 2021-03-01 (``on``, R9.2)."""
    rate, occupation = scenario.rate, scenario.occupation
    assert rate is not None and occupation is not None
    out.find(
        *check_daily_rate(rate, category=occupation.category, level=scenario.level, new=occupation.new, on=on)
    )

    standard = scenario.standard
    if scenario.planned_hours is None:
        assert standard is not None
        planned = planned_class_hours(standard, rate, on=on)
        out.steps.append(planned_hours_step(standard, rate, planned, on=on))
    else:
        planned = scenario.planned_hours
        out.steps.append(Step("R1.5", f"计划总课时由区县核定为 {planned} 课时", f"H = {planned}"))
        if standard is None:
            standard = new_occupation_standard(rate, planned, on=on)
            out.steps.append(new_occupation_standard_step(rate, planned, standard, on=on))

    paid_rate, cap = rate, standard
    if scenario.kind == "enterprise":
        share = (
            scenario.enterprise_uplift
            if scenario.enterprise_uplift is not None
            else district.enterprise_uplift
        )
        if share:
            raised = uplift(rate, standard, share)
            paid_rate, cap = raised.rate, raised.standard
            out.steps.append(
                Step(
                    "R1.7",
                    f"企业职工培训补贴标准上浮 {share.normalize():f}：日补贴标准 {yuan(paid_rate)} 元，"
                    f"补贴标准上限 {yuan(cap)} 元",
                    f"{yuan(rate)} × (1 + {share.normalize():f}) = {yuan(paid_rate)}；"
                    f"{yuan(standard)} × (1 + {share.normalize():f}) = {yuan(cap)}",
                )
            )

    out.find(check_planned_online(scenario.planned_online, planned, on=on))
    online_rate = scenario.online_rate if scenario.online_rate is not None else ZERO
    if scenario.online_rate is not None:
        out.find(check_online_rate(online_rate, on=on))

    if scenario.attended is None:
        attended_online = scenario.planned_online
        attended_offline = max(planned - attended_online, 0)
        out.steps.append(
            Step(
                "R2.5",
                f"未填报实到课时，按计划课时测算：线下 {attended_offline} 课时，线上 {attended_online} 课时",
                f"线下 = max({planned} − {attended_online}, 0) = {attended_offline}；"
                f"线上 = {attended_online}",
            )
        )
    else:
        attended_offline, attended_online = scenario.attended.offline, scenario.attended.online
    hours = payable_class_hours(
        planned_hours=planned, attended_offline=attended_offline, attended_online=attended_online, on=on
    )
    online_share = params_on(on).online_share_cap
    share_text = percent(online_share)
    out.steps.append(
        Step(
            "R2.5",
            f"线上计入 {hours.online} 课时（不超过计划总课时的 {share_text}，即 {hours.online_cap} 课时），"
            f"线下计入 {hours.offline} 课时（合计不超过计划总课时 {planned}）",
            f"线上 = min({attended_online}, ⌊{online_share} × {planned}⌋) = {hours.online}；"
            f"线下 = min({attended_offline}, {planned} − {hours.online}) = {hours.offline}",
        )
    )
    if hours.online_excess:
        out.find(
            Finding(
                "R2.5",
                "E",
                f"实到线上 {attended_online} 课时超过可补贴的线上上限 {hours.online_cap} 课时"
                f"（计划总课时 {planned} 的 {share_text}），超出的 {hours.online_excess} 课时不予补贴 (R2.5)",
                "part",
            )
        )

    per_day = params_on(on).class_hours_per_day
    offline_amount = segment_amount(paid_rate, hours.offline, on=on)
    out.steps.append(
        Step(
            "R2.5",
            f"线下 {hours.offline} 课时 = {days_text(hours.offline, per_day)} 天 × {yuan(paid_rate)} 元",
            f"{yuan(paid_rate)} × {hours.offline} ÷ {per_day} = {yuan(offline_amount)}",
            offline_amount,
        )
    )
    online_amount = segment_amount(online_rate, hours.online, on=on)
    if hours.online:
        out.steps.append(
            Step(
                "R2.5",
                f"线上 {hours.online} 课时 = {days_text(hours.online, per_day)} 天 × {yuan(online_rate)} 元",
                f"{yuan(online_rate)} × {hours.online} ÷ {per_day} = {yuan(online_amount)}",
                online_amount,
            )
        )
    total = min(offline_amount + online_amount, cap)
    out.steps.append(
        Step(
            "R2.5",
            f"线下与线上分段核算后相加，合计不超过补贴标准 {yuan(cap)} 元",
            f"min({yuan(offline_amount)} + {yuan(online_amount)}, {yuan(cap)}) = {yuan(total)}",
            total,
        )
    )
    return total


def _work_for_training(
    scenario: Scenario, district: DistrictSettings, out: _Explanation
) -> tuple[Decimal, tuple[date, ...]]:
    """R3 for one worker's 以工代训 claim line: the amount and the months paid."""
    out.steps.append(
        Step("R3.2", "以工代训无需培训计划和培训合格证书，按月核发；不计入每人每年培训补贴次数 (R3.3)", "")
    )
    result = quote_work_for_training(
        months=scenario.months,
        monthly_amount=(
            scenario.monthly_amount
            if scenario.monthly_amount is not None
            else district.work_for_training_monthly_amount
        ),
        max_months=scenario.max_months
        if scenario.max_months is not None
        else district.work_for_training_max_months,
        history=scenario.history,
    )
    out.steps.extend(result.steps)
    out.find(*result.findings)
    return result.amount, result.paid_months


def _apprenticeship(scenario: Scenario, district: DistrictSettings, out: _Explanation) -> Decimal:
    """R5 and R2.6 for one apprentice."""
    assert scenario.start is not None
    result = quote_apprenticeship(
        annual_amount=(
            scenario.annual_amount
            if scenario.annual_amount is not None
            else district.apprenticeship_annual_amount
        ),
        planned_months=scenario.planned_months,
        actual_months=scenario.actual_months,
        early_end=scenario.early_end,
        early_end_reason=scenario.early_end_reason,
        on=scenario.start,
    )
    out.find(check_passed(scenario.passed))
    out.steps.extend(result.steps)
    out.find(*result.findings)
    amount = result.amount
    if scenario.advance:
        amount = advance_cap(result.amount, on=scenario.start)
        out.steps.append(advance_step(result.amount, amount, on=scenario.start))
        if scenario.paid_before and not scenario.settled:
            out.find(check_advanced_once(scenario.paid_before))
    if scenario.settled:
        out.find(check_settled())
    return amount


def _living_allowance(scenario: Scenario, district: DistrictSettings, out: _Explanation) -> Decimal:
    """R8.1 for one trainee of a class: ``L × offline class-hours / 6``, the class-hours capped at
    the class's planned hours, at the ``L`` locked on the class's approval (R9.2)."""
    assert scenario.approved_on is not None
    on = scenario.approved_on
    daily = scenario.daily_amount if scenario.daily_amount is not None else district.living_allowance_per_day
    attended = scenario.attended.offline if scenario.attended is not None else 0
    hours = min(attended, scenario.planned_hours) if scenario.planned_hours else attended
    per_day = params_on(on).class_hours_per_day
    amount = living_allowance(offline_class_hours=hours, daily_amount=daily, on=on)
    if scenario.groups:
        out.steps.append(
            Step("R8.1", f"人员类别：{'、'.join(scenario.groups)}（区县确定的生活费补贴对象）", "")
        )
    capped = f"（实到线下 {attended} 课时，以班级课时 {hours} 为限）" if hours < attended else ""
    out.steps.append(
        Step(
            "R8.1",
            f"线下 {hours} 课时 = {days_text(hours, per_day)} 天 × {yuan(daily)} 元{capped}",
            f"{yuan(daily)} × {hours} ÷ {per_day} = {yuan(amount)}",
            amount,
        )
    )
    return amount


# The rule that forbids paying one training twice, by kind: the apprenticeship's advance is deducted
# at the settlement (R5.5); a class or enterprise training is subsidised once (R10.2); the living
# allowance is paid once per training day (R8.1).
_PAID_ONCE = {"apprenticeship": "R5.5", "class": "R10.2", "enterprise": "R10.2", LIVING_ALLOWANCE: "R8.1"}


def _deduct_paid_before(scenario: Scenario, amount: Decimal, out: _Explanation) -> Decimal:
    """What was already booked for this same training (``paid_before``) is deducted: what is quoted
    is the rest of the entitlement. More booked than the entitlement leaves nothing, and a W finding
    that the excess is to be recovered (追回). (An advance after anything booked is not paid at all,
    R5.5, with its own finding.)"""
    if not scenario.paid_before or scenario.settled or scenario.advance:
        return amount  # settled, or advanced already: nothing is paid anyway (R5.5, an E finding)
    rule = _PAID_ONCE[scenario.kind]
    balance = balance_after_advance(amount, scenario.paid_before)
    what = "开班预拨" if scenario.kind == "apprenticeship" else "此前申领"
    out.steps.append(
        Step(
            rule,
            f"扣除同一培训{what}已记账的 {yuan(scenario.paid_before)} 元",
            f"{yuan(amount)} − {yuan(scenario.paid_before)} = {yuan(balance)}",
            max(balance, ZERO),
        )
    )
    if balance < 0:
        out.find(
            Finding(
                rule,
                "W",
                f"同一培训已记账 {yuan(scenario.paid_before)} 元，多于应拨 {yuan(amount)} 元，"
                f"差额 {yuan(-balance)} 元须追回 ({rule})",
            )
        )
    return max(balance, ZERO)


def _history_rules(scenario: Scenario, district: DistrictSettings, out: _Explanation) -> None:
    """R10.1–R10.3 and R3.4 against the person's other subsidised trainings."""
    assert scenario.start is not None and scenario.end is not None
    year = scenario.end.year
    out.find(
        check_per_year_limit(
            year=year,
            earlier=trainings_in_year(scenario.history, year),
            limit=scenario.per_year_limit
            if scenario.per_year_limit is not None
            else per_year_limit_on(scenario.end, district),
        )
    )
    if scenario.occupation is not None:
        code, level = scenario.occupation.code, scenario.level
        out.find(
            check_same_level_once(occupation_code=code, level=level, history=scenario.history),
            check_lower_level_after_higher(occupation_code=code, level=level, history=scenario.history),
        )
    out.find(
        check_no_overlap_with_work_for_training(
            start=scenario.start, end=scenario.end, history=scenario.history
        )
    )


def _person_rules(scenario: Scenario, start: date, out: _Explanation) -> None:
    """R11.1 and R11.2 when the trainee's ID number is given."""
    if scenario.id_number is None:
        return
    try:
        person = check_id_number(scenario.id_number, on=today_in_china())
    except RuleViolation as violation:
        out.find(violation.finding)
        return
    out.find(check_minimum_age(person.birth, start))


def result_to_dict(result: QuoteResult) -> dict[str, object]:
    """The quote as the JSON contract prints it, amounts as strings with two places (``"2030.00"``)."""
    data: dict[str, object] = {
        "amount": f"{result.amount:.2f}",
        "steps": [
            {
                "rule": step.rule,
                "text": step.text,
                "arithmetic": step.arithmetic,
                "amount": None if step.amount is None else f"{step.amount:.2f}",
            }
            for step in result.steps
        ],
        "findings": [
            {"rule": finding.rule, "severity": finding.severity, "message": finding.message}
            for finding in result.findings
        ],
        "rules_version": result.rules_version,
    }
    if result.paid_months is not None:
        data["paid_months"] = [f"{month.year:04d}-{month.month:02d}" for month in result.paid_months]
    return data
