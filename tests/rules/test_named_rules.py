"""Named cases (issue 20): each rule at the boundary that shows it, its rule ID in the case's name.

``tests/rules/test_every_rule_is_named.py`` requires every rule of the catalogue to be named by
some test; the rules below had tests but none named them. Four of them have no function of their
own and are shown through the quote:

- R2.2 — hours never block the assessment: a trainee who passed is paid for the class-hours
  attended, however few; only the result decides (R2.6), the hours size the amount;
- R3.3 — 以工代训 does not count towards the per-year limit of R10.1;
- R4.4 — the mode of training (集中组训 by the enterprise or 自主分散参训) and the place of social
  insurance never restrict eligibility: the quote has no input for them and pays a trainee from
  any province the same (R8.4);
- R5.4 — an apprenticeship keeps the annual standard it opened under, whatever the district's
  value later becomes.

The other figures are worked out by hand in the comments, from the formulas of docs/rules.md.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.rules import DistrictSettings, HistoryEntry, ScenarioError, parse_scenario
from apps.rules.apprenticeship import advance_cap, balance_after_advance
from apps.rules.high_skill import check_high_skill_base
from apps.rules.hours import class_hours_from_minutes, segment_amount
from apps.rules.limits import counts_towards_limit
from apps.rules.special_account import check_allocation, living_allowance
from tests.rules.builders import (
    apprenticeship,
    enterprise,
    id_number,
    online_class,
    rules_of,
    run,
    w3,
    work_for_training,
)

ON = date(2021, 4, 1)
NEW_OCCUPATION = {"code": "4-04-05-05", "category": 4, "new": True}

# R2.2 and R2.6: online_class plans H = 100 at r 150 (r_on 60, S 2500); a day is 6 class-hours.
HOURS_CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str]]]] = [
    (
        "R2.2 passed with 10 of 100 planned class-hours: paid for the days attended",
        {"attended": {"offline": 10, "online": 0}},
        "250.00",  # 150 × 10 ÷ 6
        [],
    ),
    (
        "R2.2 passed with one class-hour: paid for that class-hour",
        {"attended": {"offline": 1, "online": 0}},
        "25.00",  # 150 × 1 ÷ 6
        [],
    ),
    (
        "R2.2 passed with no class-hour: nothing to pay, yet nothing refused",
        {"attended": {"offline": 0, "online": 0}},
        "0.00",
        [],
    ),
    (
        "R2.6 every planned class-hour attended but failed: paid nothing",
        {"attended": {"offline": 70, "online": 30}, "passed": False},
        "0.00",
        [("R2.6", "E")],
    ),
]


@pytest.mark.parametrize(
    ("changes", "amount", "findings"),
    [case[1:] for case in HOURS_CASES],
    ids=[case[0] for case in HOURS_CASES],
)
def test_hours_size_the_subsidy_and_the_result_decides(
    changes: dict[str, Any], amount: str, findings: list[tuple[str, str]]
) -> None:
    result = run(online_class(**changes))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings
    assert result.blocked is (findings != [])


def _training(start: str, end: str, code: str, kind: str = "class") -> dict[str, Any]:
    return {"kind": kind, "start": start, "end": end, "occupation_code": code, "level": 5}


# R3.3: the training quoted is W3 (2021-04-06 to 2021-04-30, 4-03-02-01 初级工, 996.67).
TWO_TRAININGS = [
    _training("2021-01-04", "2021-01-20", "4-01-01-01"),
    _training("2021-02-01", "2021-02-20", "6-31-01-03", kind="enterprise"),
]
THIRD_TRAINING = _training("2021-05-10", "2021-05-30", "4-03-02-02")
WORK_FOR_TRAINING_MARCH = {"kind": "work_for_training", "start": "2021-03-01", "end": "2021-03-31"}
WORK_FOR_TRAINING_SECOND_HALF = {"kind": "work_for_training", "start": "2021-06-01", "end": "2021-12-31"}

YEAR_CASES: list[tuple[str, list[dict[str, Any]], str, list[tuple[str, str]]]] = [
    (
        "R3.3 two trainings and a work-for-training month: the quoted one is the third, within R10.1",
        [*TWO_TRAININGS, WORK_FOR_TRAINING_MARCH],
        "996.67",
        [],
    ),
    (
        "R3.3 two trainings and eight work-for-training months: still the third",
        [*TWO_TRAININGS, WORK_FOR_TRAINING_MARCH, WORK_FOR_TRAINING_SECOND_HALF],
        "996.67",
        [],
    ),
    (
        "R3.3 three trainings and a work-for-training month: the quoted one is the fourth, refused",
        [*TWO_TRAININGS, THIRD_TRAINING, WORK_FOR_TRAINING_MARCH],
        "0.00",
        [("R10.1", "E")],
    ),
]


@pytest.mark.parametrize(
    ("history", "amount", "findings"), [case[1:] for case in YEAR_CASES], ids=[case[0] for case in YEAR_CASES]
)
def test_work_for_training_is_left_out_of_the_per_year_limit(
    history: list[dict[str, Any]], amount: str, findings: list[tuple[str, str]]
) -> None:
    result = run(w3(history=history))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


def test_the_fourth_is_counted_without_the_work_for_training_month_r3_3() -> None:
    result = run(w3(history=[*TWO_TRAININGS, THIRD_TRAINING, WORK_FOR_TRAINING_MARCH]))

    assert result.findings[0].message == (
        "2021 年已有 3 次补贴性培训，本次为第 4 次，超过每人每年 3 次的上限（以工代训不计入） (R10.1)"
    )


def test_a_work_for_training_claim_is_not_held_to_the_per_year_limit_r3_3() -> None:
    history = [*TWO_TRAININGS, THIRD_TRAINING]

    result = run(work_for_training(months=["2021-10"], history=history))

    assert result.amount == Decimal("500.00")
    assert rules_of(result) == []


COUNT_CASES = [
    ("R3.3 work for training does not count", "work_for_training", False),
    ("R10.1 a class counts", "class", True),
    ("R10.1 an enterprise's own training counts", "enterprise", True),
    ("R10.1 an apprenticeship counts", "apprenticeship", True),
]


@pytest.mark.parametrize(
    ("kind", "counts"), [case[1:] for case in COUNT_CASES], ids=[case[0] for case in COUNT_CASES]
)
def test_what_counts_towards_the_limit(kind: Any, counts: bool) -> None:
    entry = HistoryEntry(kind, date(2021, 3, 1), date(2021, 3, 31))

    assert counts_towards_limit(entry) is counts


# R4.4: 集中组训 is the enterprise's own training (kind "enterprise"); 自主分散参训 is the worker
# taking an institution's class (kind "class"). Born 1990-01-01, 31 on the first day.
MODE_CASES = [
    ("R4.4 organised by the enterprise, ID from Chongqing", "enterprise", "50010319900101123"),
    ("R4.4 organised by the enterprise, ID from Guangdong (R8.4)", "enterprise", "44010619900101123"),
    ("R4.4 organised by the enterprise, ID from Heilongjiang (R8.4)", "enterprise", "23010219900101123"),
    ("R4.4 self-arranged in an institution's class, ID from Xinjiang (R8.4)", "class", "65010219900101123"),
]


@pytest.mark.parametrize(
    ("kind", "first_17"), [case[1:] for case in MODE_CASES], ids=[case[0] for case in MODE_CASES]
)
def test_mode_and_place_never_restrict_eligibility(kind: str, first_17: str) -> None:
    result = run(w3(kind=kind, id_number=id_number(first_17)))

    assert result.amount == Decimal("996.67")
    assert rules_of(result) == []
    assert result.amount == run(enterprise()).amount


@pytest.mark.parametrize(
    "field",
    ["social_insurance_place", "training_mode"],
    ids=["R4.4 the quote takes no place of social insurance", "R4.4 the quote takes no mode of training"],
)
def test_the_quote_has_no_input_that_could_restrict(field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(enterprise(**{field: "四川省成都市"}))

    assert error.value.field == field


# R5.4: apprenticeship() opens on 2021-04-01 for 24 months with A_app 4000 locked on the class.
OPENING_CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    (
        "opened under 4000, the district's value now 5000",
        {},
        "5000.00",
        "8000.00",
        "4000.00 × 24 ÷ 12 = 8000.00",
    ),
    (
        "opened under 4000, ended by bankruptcy at 15 months under 5000",
        {"early_end": "bankruptcy", "actual_months": 15},
        "5000.00",
        "5000.00",
        "4000.00 × 15 ÷ 12 = 5000.00",
    ),
    (
        "opened under 5000, the district's value back at 4000",
        {"annual_amount": "5000.00"},
        "4000.00",
        "10000.00",
        "5000.00 × 24 ÷ 12 = 10000.00",
    ),
    (
        "no amount locked on the class: the district's value in force",
        {"annual_amount": None},
        "5000.00",
        "10000.00",
        "5000.00 × 24 ÷ 12 = 10000.00",
    ),
]


@pytest.mark.parametrize(
    ("changes", "district_amount", "amount", "arithmetic"),
    [case[1:] for case in OPENING_CASES],
    ids=[case[0] for case in OPENING_CASES],
)
def test_an_apprenticeship_keeps_the_standard_of_its_opening_r5_4(
    changes: dict[str, Any], district_amount: str, amount: str, arithmetic: str
) -> None:
    settings = DistrictSettings(apprenticeship_annual_amount=Decimal(district_amount))

    result = run(apprenticeship(**changes), settings=settings)

    assert result.amount == Decimal(amount)
    assert [step.arithmetic for step in result.steps] == [arithmetic]
    assert rules_of(result) == []


# Quotes at the boundary of each rule. W3: cat 4 初级工, S 1000, r 130 → H 46, 46 attended → 996.67.
QUOTE_CASES: list[tuple[str, dict[str, Any], DistrictSettings | None, str, list[tuple[str, str]]]] = [
    (
        "R1.1 a daily rate of 200.00 is the top of the range",
        w3(rate="200.00"),
        None,
        "1000.00",  # H = ⌊1000 × 6 ÷ 200⌋ = 30; 200 × 30 ÷ 6
        [],
    ),
    ("R1.1 a daily rate of 200.01 is above the range", w3(rate="200.01"), None, "0.00", [("R1.1", "E")]),
    (
        "R1.1 a daily rate of 129.99 is below the range",
        w3(rate="129.99"),
        None,
        "0.00",
        [("R1.1", "E"), ("R1.3", "E")],
    ),
    (
        "R1.4 a new occupation of cat 4 at exactly 150 is paid",
        w3(occupation=NEW_OCCUPATION, level=4, rate="150.00"),
        None,
        "1000.00",  # H = ⌊1000 × 6 ÷ 150⌋ = 40; 150 × 40 ÷ 6
        [],
    ),
    (
        "R1.4 a new occupation of cat 4 at 150.01 is refused, 150 is fixed not a floor",
        w3(occupation=NEW_OCCUPATION, level=4, rate="150.01"),
        None,
        "0.00",
        [("R1.4", "E")],
    ),
    (
        "R1.5 H rounds down to 46: a 47th class-hour is not paid",
        w3(attended={"offline": 47}),
        None,
        "996.67",  # 130 × 46 ÷ 6 = 996.666…
        [],
    ),
    (
        "R1.5 a new occupation's S follows from the district's H of 50",
        w3(
            occupation=NEW_OCCUPATION,
            level=4,
            rate="150.00",
            standard=None,
            planned_hours=50,
            attended={"offline": 60},
        ),
        None,
        "1250.00",  # S = 150 × 50 ÷ 6 = 1250; 50 of the 60 class-hours paid
        [],
    ),
    (
        "R1.7 an enterprise's rate and standard raised by 0.10",
        enterprise(enterprise_uplift="0.10"),
        None,
        "1096.33",  # H = 46 from S and r; 143 × 46 ÷ 6 = 1096.333…
        [],
    ),
    (
        "R1.7 the raised pay stops at S' = 1100, not at S",
        enterprise(enterprise_uplift="0.10", planned_hours=60, attended={"offline": 60}),
        None,
        "1100.00",  # min(143 × 60 ÷ 6 = 1430, 1000 × 1.1)
        [],
    ),
    (
        "R2.3 30 of 100 class-hours planned online is within 30 %",
        online_class(),
        None,
        "2050.00",  # 150 × 70 ÷ 6 + 60 × 30 ÷ 6
        [],
    ),
    (
        "R2.3 31 of 100 planned online is not allowed in principle, the amount is kept",
        online_class(planned_online=31),
        None,
        "2050.00",
        [("R2.3", "O")],
    ),
    ("R2.4 an online rate of 60.00 is the cap", online_class(online_rate="60.00"), None, "2050.00", []),
    (
        "R2.4 an online rate of 60.01 is refused",
        online_class(online_rate="60.01"),
        None,
        "0.00",
        [("R2.4", "E")],
    ),
    (
        "R2.5 the 31st online class-hour of 100 is not paid, the rest is",
        online_class(attended={"offline": 69, "online": 31}),
        None,
        "2025.00",  # 150 × 69 ÷ 6 + 60 × 30 ÷ 6
        [("R2.5", "E")],
    ),
    (
        "R2.5 the two segments together stop at S",
        online_class(standard="2000.00"),
        None,
        "2000.00",  # min(1750.00 + 300.00, 2000.00)
        [],
    ),
    ("R3.1 2021-12 is the last month paid", work_for_training(months=["2021-12"]), None, "500.00", []),
    ("R3.1 2022-01 is not paid", work_for_training(months=["2022-01"]), None, "0.00", [("R3.1", "E")]),
    (
        "R3.2 work for training is paid with no plan, no materials and no certificate",
        work_for_training(materials=[], passed=False),
        None,
        "500.00",
        [],
    ),
    (
        "R3.5 three months at 500 a month",
        work_for_training(months=["2021-10", "2021-11", "2021-12"]),
        None,
        "1500.00",
        [],
    ),
    (
        "R3.5 a seventh month at one enterprise is not paid",
        work_for_training(months=[f"2021-{month:02d}" for month in range(6, 13)]),
        None,
        "3000.00",  # M_wft 6 × 500
        [("R3.5", "E")],
    ),
    (
        "R3.5 a month already paid is not paid again",
        work_for_training(
            months=["2021-10", "2021-11"],
            history=[{"kind": "work_for_training", "start": "2021-10-01", "end": "2021-10-31"}],
        ),
        None,
        "500.00",
        [("R3.5", "E")],
    ),
    (
        "R4.3 an enterprise claim without the training video is not paid",
        enterprise(materials=["plan", "sign_in"]),
        None,
        "0.00",
        [("R4.3", "E")],
    ),
    (
        "R4.3 a classified enterprise files nothing and is paid",
        enterprise(materials=[], classified=True),
        None,
        "996.67",
        [],
    ),
    ("R5.1 12 months is the shortest usual period", apprenticeship(planned_months=12), None, "4000.00", []),
    (
        "R5.1 11 months is shown to the reviewer",
        apprenticeship(planned_months=11),
        None,
        "3666.67",  # 4000 × 11 ÷ 12 = 3666.666…
        [("R5.1", "W")],
    ),
    ("R5.2 4000 a year for 24 months", apprenticeship(), None, "8000.00", []),
    (
        "R5.2 3999.99 a year is below the floor",
        apprenticeship(annual_amount="3999.99"),
        None,
        "0.00",
        [("R5.2", "E")],
    ),
    (
        "R5.3 closure after 23 of 24 months pays 23 months",
        apprenticeship(early_end="closure", actual_months=23),
        None,
        "7666.67",  # 4000 × 23 ÷ 12 = 7666.666…
        [],
    ),
    (
        "R9.1 approved on 2021-02-28: the previous policy pays S",
        w3(approved_on="2021-02-28"),
        None,
        "1000.00",
        [],
    ),
    (
        "R9.1 approved on 2021-03-01: the notice pays the days",
        w3(approved_on="2021-03-01"),
        None,
        "996.67",
        [],
    ),
    (
        "R9.2 the uplift locked on the class wins over the district's",
        enterprise(enterprise_uplift="0.20"),
        DistrictSettings(enterprise_uplift=Decimal("0.10")),
        "1196.00",  # 156 × 46 ÷ 6
        [],
    ),
    (
        "R9.2 the monthly amount locked on the claim wins over the district's",
        work_for_training(monthly_amount="500.00"),
        DistrictSettings(work_for_training_monthly_amount=Decimal("600.00")),
        "500.00",
        [],
    ),
    (
        "R9.2 with nothing locked the district's monthly amount applies",
        work_for_training(monthly_amount=None),
        DistrictSettings(work_for_training_monthly_amount=Decimal("600.00")),
        "600.00",
        [],
    ),
]


@pytest.mark.parametrize(
    ("data", "settings", "amount", "findings"),
    [case[1:] for case in QUOTE_CASES],
    ids=[case[0] for case in QUOTE_CASES],
)
def test_quote_at_the_boundary(
    data: dict[str, Any], settings: DistrictSettings | None, amount: str, findings: list[tuple[str, str]]
) -> None:
    result = run(data, settings=settings)

    assert result.amount == Decimal(amount)
    assert str(result.amount) == amount
    assert rules_of(result) == findings


MINUTE_CASES = [
    ("R2.1 45 minutes make one class-hour", [45], 1),
    ("R2.1 44 minutes make none, and are not carried to the next session", [44, 44], 0),
    ("R2.1 an evening session of 89 minutes makes one", [89], 1),
    ("R2.1 a weekend session of 90 minutes makes two", [90], 2),
]


@pytest.mark.parametrize(
    ("minutes", "class_hours"), [case[1:] for case in MINUTE_CASES], ids=[case[0] for case in MINUTE_CASES]
)
def test_minutes_to_class_hours(minutes: list[int], class_hours: int) -> None:
    assert class_hours_from_minutes(minutes, on=ON) == class_hours


def test_six_class_hours_are_one_training_day_r2_1() -> None:
    assert segment_amount(Decimal("130.00"), 6, on=ON) == Decimal("130.00")
    assert segment_amount(Decimal("130.00"), 5, on=ON) == Decimal("108.33")


ADVANCE_CASES = [
    ("R5.5 half of 8000 may be advanced", "8000.00", "4000.00"),
    ("R5.5 half of 3666.67 rounds half up", "3666.67", "1833.34"),
]


@pytest.mark.parametrize(
    ("full", "cap"), [case[1:] for case in ADVANCE_CASES], ids=[case[0] for case in ADVANCE_CASES]
)
def test_advance_cap(full: str, cap: str) -> None:
    assert advance_cap(Decimal(full), on=ON) == Decimal(cap)


def test_an_advance_above_an_early_end_is_recovered_r5_5() -> None:
    # 4000 advanced on 8000; the enterprise closed at 7 months: 4000 × 7 ÷ 12 = 2333.33.
    assert balance_after_advance(Decimal("2333.33"), advance_cap(Decimal("8000.00"), on=ON)) == Decimal(
        "-1666.67"
    )


BASE_CASES: list[tuple[str, str, list[int], str | None]] = [
    ("R6.1 a national base averaging 600 meets the target", "national", [700, 500], None),
    ("R6.1 a national base averaging 599.5 is flagged", "national", [599, 600], "W"),
    ("R6.1 a municipal base at 300 meets the target", "municipal", [300], None),
    ("R6.1 a municipal base at 299 is flagged", "municipal", [299], "W"),
]


@pytest.mark.parametrize(
    ("tier", "years", "severity"), [case[1:] for case in BASE_CASES], ids=[case[0] for case in BASE_CASES]
)
def test_high_skill_base_average(tier: Any, years: list[int], severity: str | None) -> None:
    finding = check_high_skill_base(tier=tier, person_times_by_year=years, on=ON)

    assert (None if finding is None else (finding.rule, finding.severity)) == (
        None if severity is None else ("R6.1", severity)
    )


ALLOWANCE_CASES = [
    ("R8.1 one offline day at L 100", 6, "100.00"),
    ("R8.1 46 offline class-hours at L 100", 46, "766.67"),  # 100 × 46 ÷ 6 = 766.666…
    ("R8.1 no offline class-hour, no allowance", 0, "0.00"),
]


@pytest.mark.parametrize(
    ("class_hours", "amount"),
    [case[1:] for case in ALLOWANCE_CASES],
    ids=[case[0] for case in ALLOWANCE_CASES],
)
def test_living_allowance(class_hours: int, amount: str) -> None:
    assert living_allowance(
        offline_class_hours=class_hours, daily_amount=Decimal("100.00"), on=ON
    ) == Decimal(amount)


ALLOCATION_CASES = [
    ("R8.2 an approval that fills the share exactly passes", "1000.00", None),
    ("R8.2 one fen more overdraws the share", "1000.01", "E"),
]


@pytest.mark.parametrize(
    ("requested", "severity"),
    [case[1:] for case in ALLOCATION_CASES],
    ids=[case[0] for case in ALLOCATION_CASES],
)
def test_allocation(requested: str, severity: str | None) -> None:
    finding = check_allocation(
        allocated=Decimal("10000.00"),
        committed=Decimal("9000.00"),
        requested=Decimal(requested),
        share="生活费",
    )

    assert (None if finding is None else (finding.rule, finding.severity)) == (
        None if severity is None else ("R8.2", severity)
    )
