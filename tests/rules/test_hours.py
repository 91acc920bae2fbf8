"""R2: class-hours, the 30 % online rule at 29 / 30 / 31 %, the online rate, segments and passing."""

from datetime import date
from decimal import Decimal

import pytest

from apps.rules.hours import (
    check_online_rate,
    check_passed,
    check_planned_online,
    class_hours_from_minutes,
    online_cap,
    payable_class_hours,
    segment_amount,
)
from tests.rules.builders import online_class, rules_of, run, w1

ON = date(2021, 5, 10)

PLANNED_ONLINE_CASES = [
    ("29 % online planned is fine", 29, []),
    ("30 % online planned is fine", 30, []),
    ("31 % online planned needs an override", 31, [("R2.3", "O")]),
]


@pytest.mark.parametrize(
    ("planned_online", "findings"),
    [case[1:] for case in PLANNED_ONLINE_CASES],
    ids=[case[0] for case in PLANNED_ONLINE_CASES],
)
def test_planned_online_share(planned_online: int, findings: list[tuple[str, str]]) -> None:
    result = run(online_class(planned_online=planned_online, attended={"offline": 70, "online": 29}))

    assert rules_of(result) == findings
    assert result.amount == Decimal("2040.00")


ATTENDED_ONLINE_CASES = [
    ("29 % online attended is paid", 29, "2040.00", []),
    ("30 % online attended is paid", 30, "2050.00", []),
    ("online over 30% is not paid", 31, "2050.00", [("R2.5", "E")]),
]


@pytest.mark.parametrize(
    ("attended_online", "amount", "findings"),
    [case[1:] for case in ATTENDED_ONLINE_CASES],
    ids=[case[0] for case in ATTENDED_ONLINE_CASES],
)
def test_attended_online_share(attended_online: int, amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(online_class(attended={"offline": 70, "online": attended_online}))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


def test_online_excess_is_a_finding_on_that_part_only() -> None:
    result = run(online_class(attended={"offline": 70, "online": 31}))

    finding = result.findings[0]
    assert finding.scope == "part"
    assert not finding.blocks
    assert not result.blocked
    assert finding.message == (
        "实到线上 31 课时超过可补贴的线上上限 30 课时（计划总课时 100 的 30%），超出的 1 课时不予补贴 (R2.5)"
    )


ONLINE_RATE_CASES = [
    ("online rate 59.99 is fine", "59.99", "2049.95", []),
    ("online rate 60.00 is the cap", "60.00", "2050.00", []),
    ("online rate 60.01 is over the cap", "60.01", "0.00", [("R2.4", "E")]),
]


@pytest.mark.parametrize(
    ("online_rate", "amount", "findings"),
    [case[1:] for case in ONLINE_RATE_CASES],
    ids=[case[0] for case in ONLINE_RATE_CASES],
)
def test_online_rate(online_rate: str, amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(online_class(online_rate=online_rate))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


def test_online_rate_message() -> None:
    finding = check_online_rate(Decimal("80.00"), on=ON)

    assert finding is not None
    assert finding.message == "线上日补贴标准 80.00 元超过上限 60.00 元/人·天（含流量费） (R2.4)"


PAYABLE_CASES = [
    # (name, H, offline, online, paid offline, paid online, excess)
    ("W1 60 offline and 23 online of 83", 83, 60, 23, 60, 23, 0),
    ("online capped at floor of 30 %", 83, 60, 30, 59, 24, 6),
    ("offline fills what online leaves", 100, 100, 10, 90, 10, 0),
    ("nothing attended", 46, 0, 0, 0, 0, 0),
    ("all online", 40, 0, 40, 0, 12, 28),
    ("H of 3 allows no online hour", 3, 3, 1, 3, 0, 1),
]


@pytest.mark.parametrize(
    ("planned", "offline", "online", "paid_offline", "paid_online", "excess"),
    [case[1:] for case in PAYABLE_CASES],
    ids=[case[0] for case in PAYABLE_CASES],
)
def test_payable_class_hours(
    planned: int, offline: int, online: int, paid_offline: int, paid_online: int, excess: int
) -> None:
    hours = payable_class_hours(
        planned_hours=planned, attended_offline=offline, attended_online=online, on=ON
    )

    assert (hours.offline, hours.online, hours.online_excess) == (paid_offline, paid_online, excess)
    assert hours.online_cap == planned * 3 // 10


@pytest.mark.parametrize(
    ("rate", "hours", "amount"),
    [
        ("130.00", 46, "996.67"),
        ("180.00", 60, "1800.00"),
        ("60.00", 23, "230.00"),
        ("130.00", 1, "21.67"),
        ("100.01", 3, "50.01"),
        ("0.03", 1, "0.01"),
        ("0.02", 1, "0.00"),
    ],
    ids=[
        "W3 996.666 rounds up",
        "whole days",
        "W1 online",
        "one class-hour",
        "half fen rounds up",
        "0.005 rounds up",
        "0.0033 rounds down",
    ],
)
def test_segment_amount(rate: str, hours: int, amount: str) -> None:
    assert segment_amount(Decimal(rate), hours, on=ON) == Decimal(amount)


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [([45], 1), ([44], 0), ([90, 44], 2), ([135, 89, 30], 4), ([], 0)],
    ids=["one class-hour", "44 minutes is none", "per session", "remainders are not carried", "no session"],
)
def test_class_hours_from_minutes(minutes: list[int], hours: int) -> None:
    assert class_hours_from_minutes(minutes, on=ON) == hours


def test_online_cap_and_plan_message() -> None:
    assert online_cap(83, on=ON) == 24
    assert check_planned_online(12, 40, on=ON) is None
    finding = check_planned_online(14, 40, on=ON)
    assert finding is not None
    assert finding.severity == "O"
    assert finding.message.startswith("计划线上课时 14 超过计划总课时 40 的 30%（最多 12 课时）")


def test_failing_trainee() -> None:
    assert check_passed(True) is None
    finding = check_passed(False)
    assert finding is not None
    assert (finding.rule, finding.severity, finding.blocks) == ("R2.6", "E", True)


def test_hours_never_block_assessment_only_size_the_subsidy() -> None:
    result = run(w1(attended={"offline": 1, "online": 0}))

    assert result.amount == Decimal("30.00")
    assert result.findings == ()


def test_missing_attendance_is_quoted_as_planned() -> None:
    result = run(w1(attended=None))

    assert result.amount == Decimal("2030.00")
    assert result.steps[1].text == "未填报实到课时，按计划课时测算：线下 60 课时，线上 23 课时"


def test_more_attended_than_planned_is_capped_at_the_standard() -> None:
    result = run(w1(planned_hours=200, planned_online=0, attended={"offline": 200, "online": 0}))

    assert result.amount == Decimal("2500.00")
    assert result.steps[-1].arithmetic == "min(6000.00 + 0.00, 2500.00) = 2500.00"
