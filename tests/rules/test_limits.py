"""R10: per-year limit (dated), same occupation and level once, lower after higher."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.rules import (
    DistrictSettings,
    HistoryEntry,
    check_lower_level_after_higher,
    check_per_year_limit,
    check_same_level_once,
    per_year_limit_on,
    trainings_in_year,
)
from tests.rules.builders import rules_of, run, w3


def _class(start: str, end: str, code: str = "4-10-01-05", level: int | None = 5) -> dict[str, Any]:
    return {"kind": "class", "start": start, "end": end, "occupation_code": code, "level": level}


YEAR_CASES: list[tuple[str, list[dict[str, Any]], list[tuple[str, str]]]] = [
    (
        "third training of the year is fine",
        [_class("2021-01-04", "2021-01-20", "4-01-01-01"), _class("2021-02-01", "2021-02-20", "4-01-01-02")],
        [],
    ),
    (
        "fourth training of the year is refused",
        [_class(f"2021-0{m}-01", f"2021-0{m}-20", f"4-0{m}-01-01") for m in (1, 2, 3)],
        [("R10.1", "E")],
    ),
    (
        "work for training does not count",
        [
            _class("2021-01-04", "2021-01-20", "4-01-01-01"),
            _class("2021-02-01", "2021-02-20", "4-01-01-02"),
            {"kind": "work_for_training", "start": "2021-10-01", "end": "2021-12-31"},
        ],
        [],
    ),
    (
        "a training ending in the previous year does not count",
        [
            _class("2020-12-20", "2020-12-31", "4-01-01-01"),
            _class("2021-01-04", "2021-01-20", "4-01-01-02"),
            _class("2021-02-01", "2021-02-20", "4-01-01-03"),
            _class("2020-03-01", "2020-03-20", "4-01-01-04"),
        ],
        [],
    ),
    (
        "a training starting in the previous year and ending in this one counts",
        [
            _class("2020-12-20", "2021-01-05", "4-01-01-01"),
            _class("2021-01-06", "2021-01-20", "4-01-01-02"),
            _class("2021-02-01", "2021-02-20", "4-01-01-03"),
        ],
        [("R10.1", "E")],
    ),
]


@pytest.mark.parametrize(
    ("history", "findings"), [case[1:] for case in YEAR_CASES], ids=[case[0] for case in YEAR_CASES]
)
def test_per_year_limit_in_quotes(history: list[dict[str, Any]], findings: list[tuple[str, str]]) -> None:
    assert rules_of(run(w3(history=history))) == findings


LIMIT_CASES = [
    ("the notice's 3 with no district value", (), date(2021, 6, 1), 3),
    ("before the notice the same 3 applies", (), date(2020, 6, 1), 3),
    ("a district's later 1, before it took effect", ((date(2022, 1, 1), 1),), date(2021, 12, 31), 3),
    ("a district's later 1, on the day it took effect", ((date(2022, 1, 1), 1),), date(2022, 1, 1), 1),
    (
        "the latest of several district values",
        ((date(2023, 1, 1), 2), (date(2022, 1, 1), 1)),
        date(2023, 6, 1),
        2,
    ),
]


@pytest.mark.parametrize(
    ("later", "on", "limit"), [case[1:] for case in LIMIT_CASES], ids=[case[0] for case in LIMIT_CASES]
)
def test_per_year_limit_is_dated(later: tuple[tuple[date, int], ...], on: date, limit: int) -> None:
    assert per_year_limit_on(on, DistrictSettings(per_year_limit_from=later)) == limit


def test_lowered_limit_refuses_a_second_training() -> None:
    settings = DistrictSettings(per_year_limit_from=((date(2022, 1, 1), 1),))
    history = [_class("2022-01-04", "2022-01-20", "4-01-01-01")]

    result = run(
        w3(approved_on="2022-02-01", start="2022-02-07", end="2022-02-28", history=history), settings=settings
    )

    assert rules_of(result) == [("R10.1", "E")]
    assert result.findings[0].message.endswith("超过每人每年 1 次的上限（以工代训不计入） (R10.1)")


def test_standalone_functions_take_plain_values() -> None:
    history = [
        HistoryEntry("class", date(2021, 1, 1), date(2021, 1, 9), "4-01-01-01", 5),
        HistoryEntry("work_for_training", date(2021, 3, 1), date(2021, 3, 31)),
    ]

    assert trainings_in_year(history, 2021) == 1
    assert check_per_year_limit(year=2021, earlier=2, limit=3) is None
    assert check_per_year_limit(year=2021, earlier=3, limit=3) is not None


LEVEL_CASES: list[tuple[str, str, int | None, list[dict[str, Any]], list[tuple[str, str]]]] = [
    (
        "same occupation and level again",
        "4-03-02-01",
        5,
        [_class("2019-01-01", "2019-01-20", "4-03-02-01", 5)],
        [("R10.2", "E")],
    ),
    (
        "same occupation, next level up",
        "4-03-02-01",
        4,
        [_class("2019-01-01", "2019-01-20", "4-03-02-01", 5)],
        [],
    ),
    (
        "same occupation, lower level after higher",
        "4-03-02-01",
        5,
        [_class("2019-01-01", "2019-01-20", "4-03-02-01", 3)],
        [("R10.3", "W")],
    ),
    (
        "other occupation at the same level",
        "4-03-02-01",
        5,
        [_class("2019-01-01", "2019-01-20", "4-03-02-02", 5)],
        [],
    ),
    (
        "special ability twice",
        "4-03-02-01",
        None,
        [_class("2019-01-01", "2019-01-20", "4-03-02-01", None)],
        [("R10.2", "E")],
    ),
    (
        "special ability after a level is not compared",
        "4-03-02-01",
        None,
        [_class("2019-01-01", "2019-01-20", "4-03-02-01", 3)],
        [],
    ),
    (
        "level after special ability is not compared",
        "4-03-02-01",
        5,
        [_class("2019-01-01", "2019-01-20", "4-03-02-01", None)],
        [],
    ),
]


@pytest.mark.parametrize(
    ("code", "level", "history", "findings"),
    [case[1:] for case in LEVEL_CASES],
    ids=[case[0] for case in LEVEL_CASES],
)
def test_occupation_levels(
    code: str, level: int | None, history: list[dict[str, Any]], findings: list[tuple[str, str]]
) -> None:
    rate = "130.00" if level is None or level > 3 else "150.00"

    result = run(w3(occupation={"code": code, "category": 4}, level=level, rate=rate, history=history))

    assert rules_of(result) == findings


def test_lower_level_message_and_amount_kept() -> None:
    history = [HistoryEntry("class", date(2019, 1, 1), date(2019, 1, 20), "4-03-02-01", 3)]

    finding = check_lower_level_after_higher(occupation_code="4-03-02-01", level=5, history=history)
    result = run(w3(history=[_class("2019-01-01", "2019-01-20", "4-03-02-01", 3)]))

    assert finding is not None
    assert finding.message == (
        "已享受过 4-03-02-01 更高等级（高级工）的补贴：培训班 4-03-02-01 高级工（2019-01-01 至 2019-01-20），"
        "本次申请较低等级（初级工），请审核人员确认 (R10.3)"
    )
    assert result.amount == Decimal("996.67")
    assert check_same_level_once(occupation_code="4-03-02-01", level=4, history=history) is None
