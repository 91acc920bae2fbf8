"""R3: 以工代训 months up to 2021-12, paid once, at most M_wft, never during other training."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.rules import DistrictSettings
from apps.rules.limits import months_between
from apps.rules.work_for_training import check_month_payable, month_end
from tests.rules.builders import rules_of, run, w3, work_for_training

MONTH_CASES = [
    ("2021-12 is the last payable month", ["2021-12"], "500.00", []),
    ("2022-01 is not payable", ["2022-01"], "0.00", [("R3.1", "E")]),
    ("2020 months under 87号 are payable", ["2020-07", "2020-08"], "1000.00", []),
    ("a month twice in one claim is paid once", ["2021-10", "2021-10"], "500.00", [("R3.5", "E")]),
    (
        "seven months, six paid",
        ["2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08", "2021-09"],
        "3000.00",
        [("R3.5", "E")],
    ),
]


@pytest.mark.parametrize(
    ("months", "amount", "findings"),
    [case[1:] for case in MONTH_CASES],
    ids=[case[0] for case in MONTH_CASES],
)
def test_months(months: list[str], amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(work_for_training(months=months))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings
    assert not result.blocked


def test_month_beyond_the_limit_is_the_latest() -> None:
    months = ["2021-09", "2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08"]

    result = run(work_for_training(months=months))

    assert (
        result.findings[0].message
        == "2021-09 超出每名职工在同一企业最多 6 个月的上限（此前已申领 0 个月），不予补贴 (R3.5)"
    )


HISTORY_CASES: list[tuple[str, list[str], list[dict[str, Any]], str, list[tuple[str, str]]]] = [
    (
        "a month already claimed is not paid again",
        ["2021-10", "2021-11"],
        [{"kind": "work_for_training", "start": "2021-10-01", "end": "2021-10-31"}],
        "500.00",
        [("R3.5", "E")],
    ),
    (
        "months already claimed count towards the six",
        ["2021-10", "2021-11", "2021-12"],
        [{"kind": "work_for_training", "start": "2021-01-01", "end": "2021-05-31"}],
        "500.00",
        [("R3.5", "E"), ("R3.5", "E")],
    ),
    (
        "a month overlapping a class is not paid",
        ["2021-10", "2021-11"],
        [
            {
                "kind": "class",
                "start": "2021-11-20",
                "end": "2021-12-10",
                "occupation_code": "4-03-02-01",
                "level": 5,
            }
        ],
        "500.00",
        [("R3.4", "E")],
    ),
    (
        "a class ending the day before the month does not overlap",
        ["2021-11"],
        [
            {
                "kind": "class",
                "start": "2021-10-01",
                "end": "2021-10-31",
                "occupation_code": "4-03-02-01",
                "level": 5,
            }
        ],
        "500.00",
        [],
    ),
]


@pytest.mark.parametrize(
    ("months", "history", "amount", "findings"),
    [case[1:] for case in HISTORY_CASES],
    ids=[case[0] for case in HISTORY_CASES],
)
def test_months_against_history(
    months: list[str], history: list[dict[str, Any]], amount: str, findings: list[tuple[str, str]]
) -> None:
    result = run(work_for_training(months=months, history=history))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


def test_overlap_message_names_the_other_training() -> None:
    history = [
        {
            "kind": "class",
            "start": "2021-11-20",
            "end": "2021-12-10",
            "occupation_code": "4-03-02-01",
            "level": 5,
        }
    ]

    result = run(work_for_training(months=["2021-11"], history=history))

    assert result.findings[0].message == (
        "2021-11 与培训班 4-03-02-01 初级工（2021-11-20 至 2021-12-10）时间重叠，"
        "以工代训期间不能同时参加其他补贴性培训，该月不予补贴 (R3.4)"
    )


def test_district_settings_supply_amount_and_months() -> None:
    settings = DistrictSettings(
        work_for_training_monthly_amount=Decimal("600.00"), work_for_training_max_months=2
    )

    result = run(
        {"kind": "work_for_training", "months": ["2021-01", "2021-02", "2021-03"]}, settings=settings
    )

    assert result.amount == Decimal("1200.00")
    assert rules_of(result) == [("R3.5", "E")]


def test_the_claim_line_values_win_over_the_settings() -> None:
    settings = DistrictSettings(
        work_for_training_monthly_amount=Decimal("600.00"), work_for_training_max_months=1
    )

    result = run(
        work_for_training(months=["2021-01", "2021-02"], monthly_amount="500", max_months=2),
        settings=settings,
    )

    assert result.amount == Decimal("1000.00")


def test_no_certificate_is_needed_and_no_year_limit_applies() -> None:
    history = [
        {
            "kind": "class",
            "start": f"2021-0{month}-01",
            "end": f"2021-0{month}-05",
            "occupation_code": f"4-0{month}-01-01",
        }
        for month in (1, 2, 3, 4)
    ]

    result = run(work_for_training(months=["2021-10"], passed=False, history=history))

    assert result.amount == Decimal("500.00")
    assert result.findings == ()
    assert result.steps[0].rule == "R3.2"


def test_an_invalid_id_blocks_the_whole_line() -> None:
    result = run(work_for_training(months=["2021-10"], id_number="110105194912310021"))

    assert result.amount == Decimal("0.00")
    assert rules_of(result) == [("R11.1", "E")]


def test_month_helpers() -> None:
    assert check_month_payable(date(2021, 12, 1)) is None
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert months_between(date(2021, 11, 15), date(2022, 2, 1)) == (
        date(2021, 11, 1),
        date(2021, 12, 1),
        date(2022, 1, 1),
        date(2022, 2, 1),
    )


def test_class_during_work_for_training_fails() -> None:
    history = [{"kind": "work_for_training", "start": "2021-04-01", "end": "2021-04-30"}]

    result = run(w3(history=history))

    assert result.amount == Decimal("0.00")
    assert rules_of(result) == [("R3.4", "E")]
    assert result.findings[0].message == (
        "培训时间 2021-04-06 至 2021-04-30 与以工代训（2021-04-01 至 2021-04-30）重叠，"
        "以工代训期间不能同时参加其他补贴性培训 (R3.4)"
    )
