"""The worked examples W1–W10 of docs/rules.md, each with its exact figures."""

from decimal import Decimal
from typing import Any

import pytest

from tests.rules.builders import apprenticeship, rules_of, run, w1, w3, work_for_training


def _history_of_three_classes_and_a_work_for_training() -> list[dict[str, Any]]:
    return [
        {
            "kind": "class",
            "start": "2021-03-10",
            "end": "2021-03-30",
            "occupation_code": "4-10-01-05",
            "level": 5,
        },
        {
            "kind": "class",
            "start": "2021-05-10",
            "end": "2021-05-30",
            "occupation_code": "4-03-02-02",
            "level": 5,
        },
        {
            "kind": "enterprise",
            "start": "2021-07-01",
            "end": "2021-07-20",
            "occupation_code": "6-31-01-03",
            "level": 4,
        },
        {"kind": "work_for_training", "start": "2021-01-01", "end": "2021-02-28"},
    ]


WORKED_EXAMPLES = [
    ("W1 cat 6 level 3 offline and online segments", w1(), "2030.00", []),
    ("W2 cat 6 level 4 at 140 is below the floor", w1(level=4, rate="140.00"), "0.00", [("R1.2", "E")]),
    ("W3 cat 4 level 5, 46 class-hours at 130", w3(), "996.67", []),
    (
        "W4 14 online of 40 planned is over 30%",
        w3(planned_hours=40, planned_online=14, online_rate="60.00", attended={"offline": 26, "online": 14}),
        "683.33",
        [("R2.3", "O"), ("R2.5", "E")],
    ),
    ("W5 as W1 but failed", w1(passed=False), "0.00", [("R2.6", "E")]),
    ("W6 as W3 but approved 2021-02-20", w3(approved_on="2021-02-20"), "1000.00", []),
    (
        "W7 new occupation cat 4 level 4 at 160",
        w3(occupation={"code": "4-04-05-05", "category": 4, "new": True}, level=4, rate="160.00"),
        "0.00",
        [("R1.4", "E")],
    ),
    (
        "W8 work for training 2021-10 to 2022-01 at 500",
        work_for_training(months=["2021-10", "2021-11", "2021-12", "2022-01"], monthly_amount="500.00"),
        "1500.00",
        [("R3.1", "E")],
    ),
    (
        "W9 apprenticeship 24 months, bankrupt at 15, certified",
        apprenticeship(planned_months=24, early_end="bankruptcy", actual_months=15, passed=True),
        "5000.00",
        [],
    ),
    (
        "W10 fourth training of 2021, work for training not counted",
        w3(
            start="2021-09-01",
            end="2021-09-30",
            approved_on="2021-08-20",
            history=_history_of_three_classes_and_a_work_for_training(),
        ),
        "0.00",
        [("R10.1", "E")],
    ),
]


@pytest.mark.parametrize(
    ("data", "amount", "findings"),
    [case[1:] for case in WORKED_EXAMPLES],
    ids=[case[0] for case in WORKED_EXAMPLES],
)
def test_worked_example(data: dict[str, Any], amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(data)

    assert result.amount == Decimal(amount)
    assert str(result.amount) == amount
    assert rules_of(result) == findings


def test_w1_explains_each_segment() -> None:
    result = run(w1())

    money_steps = [
        (step.rule, step.text, step.arithmetic, step.amount) for step in result.steps if step.amount
    ]
    assert money_steps == [
        ("R2.5", "线下 60 课时 = 10 天 × 180.00 元", "180.00 × 60 ÷ 6 = 1800.00", Decimal("1800.00")),
        ("R2.5", "线上 23 课时 = 23/6 天 × 60.00 元", "60.00 × 23 ÷ 6 = 230.00", Decimal("230.00")),
        (
            "R2.5",
            "线下与线上分段核算后相加，合计不超过补贴标准 2500.00 元",
            "min(1800.00 + 230.00, 2500.00) = 2030.00",
            Decimal("2030.00"),
        ),
    ]
    assert result.steps[0].rule == "R1.5"
    assert result.steps[0].arithmetic == "⌊2500.00 × 6 ÷ 180.00⌋ = 83"


def test_w2_message_echoes_the_rate_and_the_floor() -> None:
    result = run(w1(level=4, rate="140.00"))

    assert result.findings[0].message == "日补贴标准 140.00 元低于第六大类中级工下限 150.00 元 (R1.2)"
    assert result.steps[-1].rule == "R1.2"
    assert result.steps[-1].amount == Decimal("0.00")


def test_w3_rounds_the_segment_once() -> None:
    result = run(w3())

    assert result.steps[0].arithmetic == "⌊1000.00 × 6 ÷ 130.00⌋ = 46"
    assert next(step.arithmetic for step in result.steps if step.amount) == "130.00 × 46 ÷ 6 = 996.67"


def test_w6_pays_the_standard_without_days() -> None:
    result = run(w3(approved_on="2021-02-20"))

    assert [(step.rule, step.amount) for step in result.steps] == [("R9.1", Decimal("1000.00"))]


def test_w8_lists_the_months_paid() -> None:
    result = run(work_for_training(months=["2021-10", "2021-11", "2021-12", "2022-01"]))

    assert result.steps[-1].arithmetic == "500.00 × 3 = 1500.00"
    assert result.findings[0].message.startswith("2022-01 晚于以工代训政策截止月份 2021-12")
    assert result.findings[0].scope == "part"


def test_w9_prorates_by_whole_months() -> None:
    result = run(apprenticeship(planned_months=24, early_end="bankruptcy", actual_months=15))

    assert [(step.rule, step.arithmetic) for step in result.steps] == [
        ("R5.3", "4000.00 × 15 ÷ 12 = 5000.00")
    ]


def test_w10_message_counts_the_trainings() -> None:
    result = run(
        w3(
            start="2021-09-01",
            end="2021-09-30",
            approved_on="2021-08-20",
            history=_history_of_three_classes_and_a_work_for_training(),
        )
    )

    assert result.findings[0].message == (
        "2021 年已有 3 次补贴性培训，本次为第 4 次，超过每人每年 3 次的上限（以工代训不计入） (R10.1)"
    )
