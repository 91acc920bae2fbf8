"""R1: daily-rate bounds and floors at every boundary, planned hours, new occupations, enterprise uplift."""

from datetime import date
from decimal import Decimal

import pytest

from apps.rules.rates import (
    check_daily_rate,
    is_advanced,
    level_name,
    new_occupation_standard,
    planned_class_hours,
    uplift,
)
from tests.rules.builders import rules_of, run, w3

ON = date(2021, 4, 1)

# (name, rate, category, level, new, expected rule IDs)
RATE_CASES = [
    ("others level 5 at 129.99 is below 130", "129.99", 4, 5, False, ["R1.1", "R1.3"]),
    ("others level 5 at 130.00 is the floor", "130.00", 4, 5, False, []),
    ("others level 5 at 130.01 is fine", "130.01", 4, 5, False, []),
    ("others at 200.00 is the upper bound", "200.00", 4, 5, False, []),
    ("others at 200.01 is above the bound", "200.01", 4, 5, False, ["R1.1"]),
    ("others level 4 at 149.99 is fine", "149.99", 4, 4, False, []),
    ("others level 3 at 149.99 is below 150", "149.99", 4, 3, False, ["R1.3"]),
    ("others level 3 at 150.00 is the floor", "150.00", 4, 3, False, []),
    ("others level 3 at 150.01 is fine", "150.01", 4, 3, False, []),
    ("others level 1 at 149.99 is below 150", "149.99", 3, 1, False, ["R1.3"]),
    ("others special ability at 130.00 counts below advanced", "130.00", 4, None, False, []),
    ("cat 6 level 5 at 149.99 is below 150", "149.99", 6, 5, False, ["R1.2"]),
    ("cat 6 level 4 at 150.00 is the floor", "150.00", 6, 4, False, []),
    ("cat 6 level 4 at 150.01 is fine", "150.01", 6, 4, False, []),
    ("cat 6 level 3 at 179.99 is below 180", "179.99", 6, 3, False, ["R1.2"]),
    ("cat 6 level 3 at 180.00 is the floor", "180.00", 6, 3, False, []),
    ("cat 6 level 2 at 180.01 is fine", "180.01", 6, 2, False, []),
    ("cat 6 level 1 at 179.99 is below 180", "179.99", 6, 1, False, ["R1.2"]),
    ("cat 6 special ability at 149.99 is below 150", "149.99", 6, None, False, ["R1.2"]),
    ("cat 6 at 200.01 is above the bound", "200.01", 6, 3, False, ["R1.1"]),
    ("cat 6 at 129.99 breaks the bound and the floor", "129.99", 6, 5, False, ["R1.1", "R1.2"]),
    ("new occupation level 4 at 149.99 is not 150", "149.99", 4, 4, True, ["R1.4"]),
    ("new occupation level 4 at 150.00 is the fixed rate", "150.00", 4, 4, True, []),
    ("new occupation level 4 at 150.01 is not 150", "150.01", 4, 4, True, ["R1.4"]),
    ("new occupation level 3 at 179.99 is not 180", "179.99", 4, 3, True, ["R1.4"]),
    ("new occupation level 3 at 180.00 is the fixed rate", "180.00", 4, 3, True, []),
    ("new occupation level 3 at 180.01 is not 180", "180.01", 4, 3, True, ["R1.4"]),
    ("new occupation special ability at 150.00", "150.00", 4, None, True, []),
    ("new occupation at 210.00 breaks the bound and the fixed rate", "210.00", 4, 4, True, ["R1.1", "R1.4"]),
    ("new occupation of cat 6 follows R1.2", "160.00", 6, 4, True, []),
    ("new occupation of cat 6 level 3 below 180", "179.99", 6, 3, True, ["R1.2"]),
    ("new occupation of cat 2 follows R1.3", "140.00", 2, 4, True, []),
    ("new occupation of cat 2 level 3 below 150", "149.99", 2, 3, True, ["R1.3"]),
]


@pytest.mark.parametrize(
    ("rate", "category", "level", "new", "rules"),
    [case[1:] for case in RATE_CASES],
    ids=[case[0] for case in RATE_CASES],
)
def test_daily_rate(rate: str, category: int, level: int | None, new: bool, rules: list[str]) -> None:
    findings = check_daily_rate(Decimal(rate), category=category, level=level, new=new, on=ON)

    assert [finding.rule for finding in findings] == rules
    assert all(finding.severity == "E" for finding in findings)


MESSAGE_CASES = [
    (
        "cat 6 advanced floor",
        "170.00",
        6,
        3,
        False,
        "日补贴标准 170.00 元低于第六大类高级工下限 180.00 元 (R1.2)",
    ),
    (
        "others advanced floor",
        "140.00",
        4,
        2,
        False,
        "日补贴标准 140.00 元低于其他职业（工种）技师下限 150.00 元 (R1.3)",
    ),
    ("lower bound", "120.00", 4, 4, True, "日补贴标准 120.00 元低于折算区间下限 130.00 元/人·天 (R1.1)"),
    ("upper bound", "250.00", 4, 4, False, "日补贴标准 250.00 元高于折算区间上限 200.00 元/人·天 (R1.1)"),
    ("new occupation", "160.00", 4, 4, True, "新职业中级工日补贴标准应为 150.00 元，填报为 160.00 元 (R1.4)"),
]


@pytest.mark.parametrize(
    ("rate", "category", "level", "new", "message"),
    [case[1:] for case in MESSAGE_CASES],
    ids=[case[0] for case in MESSAGE_CASES],
)
def test_message_echoes_the_values(rate: str, category: int, level: int, new: bool, message: str) -> None:
    findings = check_daily_rate(Decimal(rate), category=category, level=level, new=new, on=ON)

    assert findings[0].message == message


@pytest.mark.parametrize(
    ("standard", "rate", "hours"),
    [
        ("2500.00", "180.00", 83),
        ("1000.00", "130.00", 46),
        ("1500.00", "150.00", 60),
        ("800.00", "130.00", 36),
    ],
    ids=["W1 2500 at 180", "W3 1000 at 130", "exact 1500 at 150", "special ability 800 at 130"],
)
def test_planned_class_hours(standard: str, rate: str, hours: int) -> None:
    assert planned_class_hours(Decimal(standard), Decimal(rate), on=ON) == hours


def test_new_occupation_standard_follows_the_hours() -> None:
    assert new_occupation_standard(Decimal("150.00"), 40, on=ON) == Decimal("1000.00")
    assert new_occupation_standard(Decimal("180.00"), 41, on=ON) == Decimal("1230.00")


def test_quote_of_a_new_occupation_without_standard_derives_it() -> None:
    data = w3(
        occupation={"code": "4-04-05-05", "category": 4, "new": True},
        level=4,
        rate="150.00",
        standard=None,
        planned_hours=40,
        attended={"offline": 40},
    )

    result = run(data)

    assert result.amount == Decimal("1000.00")
    assert [step.arithmetic for step in result.steps[:2]] == ["H = 40", "150.00 × 40 ÷ 6 = 1000.00"]


def test_levels() -> None:
    assert [is_advanced(level) for level in (5, 4, 3, 2, 1, None)] == [False, False, True, True, True, False]
    assert level_name(None) == "专项职业能力"
    assert level_name(1) == "高级技师"


@pytest.mark.parametrize(
    ("rate", "standard", "share", "raised_rate", "raised_standard"),
    [
        ("130.00", "1000.00", "0", "130.00", "1000.00"),
        ("130.00", "1000.00", "0.1", "143.000", "1100.00"),
        ("150.00", "1500.00", "0.0333", "154.995000", "1549.95"),
    ],
    ids=["no uplift", "10 % uplift", "uplift with four places"],
)
def test_uplift(rate: str, standard: str, share: str, raised_rate: str, raised_standard: str) -> None:
    raised = uplift(Decimal(rate), Decimal(standard), Decimal(share))

    assert raised.rate == Decimal(raised_rate)
    assert raised.standard == Decimal(raised_standard)
    assert str(raised.standard) == raised_standard


def test_rate_finding_zeroes_the_amount_but_keeps_the_explanation() -> None:
    result = run(w3(rate="129.99"))

    assert rules_of(result) == [("R1.1", "E"), ("R1.3", "E")]
    assert result.amount == Decimal("0.00")
    assert result.steps[-1].text == "存在不予补贴的错误（R1.1、R1.3），本次补贴为 0"
