"""The quote contract's input: defaults, types, exact money, and an error naming the field for bad input."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.rules import FIELDS, Scenario, ScenarioError, parse_scenario, parse_scenario_json, read_field
from apps.rules.scenario import Attendance, Occupation, load_json
from tests.rules.builders import apprenticeship, w1, w3, work_for_training

CONTRACT_FIELDS = (
    "kind",
    "approved_on",
    "start",
    "end",
    "occupation",
    "level",
    "standard",
    "rate",
    "planned_hours",
    "planned_online",
    "online_rate",
    "attended",
    "passed",
    "enterprise_uplift",
    "classified",
    "materials",
    "months",
    "monthly_amount",
    "max_months",
    "annual_amount",
    "planned_months",
    "actual_months",
    "early_end",
    "early_end_reason",
    "advance",
    "settled",
    "paid_before",
    "relation",
    "per_year_limit",
    "daily_amount",
    "groups",
    "id_number",
    "history",
)


def test_the_fields_are_those_of_the_contract() -> None:
    assert FIELDS == CONTRACT_FIELDS


def test_the_full_example_of_the_contract_is_read() -> None:
    data = w1(
        enterprise_uplift="0",
        classified=False,
        materials=["plan", "sign_in", "video"],
        months=["2021-10"],
        monthly_amount="500.00",
        max_months=6,
        annual_amount="4000.00",
        planned_months=24,
        actual_months=None,
        early_end=None,
        id_number=None,
        history=[
            {
                "kind": "class",
                "start": "2021-01-10",
                "end": "2021-01-30",
                "occupation_code": "4-03-02-01",
                "level": 5,
            }
        ],
    )

    scenario = parse_scenario(data)

    assert scenario.occupation == Occupation("6-18-01-01", 6, False)
    assert scenario.attended == Attendance(60, 23)
    assert scenario.months == (date(2021, 10, 1),)
    assert scenario.history[0].start == date(2021, 1, 10)
    assert scenario.standard == Decimal("2500.00")


def test_defaults() -> None:
    scenario = parse_scenario(w3())

    assert scenario.planned_online == 0
    assert scenario.passed is True
    assert scenario.materials == ("plan", "sign_in", "video")
    assert scenario.planned_months == 24
    assert scenario.history == ()
    assert scenario.monthly_amount is None
    assert scenario.enterprise_uplift is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("180", "180.00"),
        ("180.5", "180.50"),
        (180, "180.00"),
        (Decimal("180.00"), "180.00"),
        (Decimal("1E+2"), "100.00"),
        (Decimal("180.000"), "180.00"),
        ("-0", "0.00"),
    ],
    ids=[
        "string without places",
        "one place",
        "integer",
        "exact JSON number",
        "exponent",
        "trailing zero",
        "minus zero",
    ],
)
def test_money_is_read_exactly(value: object, expected: str) -> None:
    scenario = parse_scenario(w3(standard=value))

    assert str(scenario.standard) == expected


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in keys}


ERROR_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown field", w3(colour="red"), "colour", "未知字段 colour"),
    ("missing kind", _without(w3(), "kind"), "kind", "必须填写测算类型"),
    ("unknown kind", w3(kind="loan"), "kind", "填写为 'loan'"),
    ("kind not a string", w3(kind=1), "kind", "应为字符串"),
    ("float money", w3(rate=130.0), "rate", "不接受浮点数"),
    ("bool money", w3(rate=True), "rate", "不接受浮点数"),
    ("money as list", w3(rate=[130]), "rate", "应写成字符串"),
    ("money with three places", w3(rate="130.005"), "rate", "最多 2 位小数"),
    ("money with comma", w3(rate="1,300"), "rate", "十进制数"),
    ("money with spaces", w3(rate=" 130"), "rate", "十进制数"),
    ("negative money", w3(standard="-1"), "standard", "不能为负数"),
    ("infinite money", w3(standard=Decimal("Infinity")), "standard", "不是有效的数值"),
    ("enormous money", w3(standard="12345678901"), "standard", "不是有效的数值"),
    ("zero rate", w3(rate="0"), "rate", "必须大于 0"),
    ("ratio with five places", w3(enterprise_uplift="0.00001"), "enterprise_uplift", "最多 4 位小数"),
    ("bad date", w3(start="2021-02-30"), "start", "不是有效日期"),
    ("date without dashes", w3(start="20210406"), "start", "YYYY-MM-DD"),
    ("date as number", w3(start=20210406), "start", "应为字符串"),
    ("end before start", w3(end="2021-04-05"), "end", "早于开始日期"),
    ("missing level", _without(w3(), "level"), "level", "专项职业能力填 null"),
    ("level 6", w3(level=6), "level", "1–5"),
    ("level as text", w3(level="3"), "level", "应为整数"),
    ("level as bool", w3(level=True), "level", "应为整数"),
    ("hours as decimal", w3(planned_hours=Decimal("46.0")), "planned_hours", "应为整数"),
    ("huge hours", w3(planned_hours=10**7), "planned_hours", "过大"),
    ("zero planned hours", w3(planned_hours=0), "planned_hours", "至少为 1"),
    ("negative online", w3(planned_online=-1), "planned_online", "不能为负数"),
    ("null passed", w3(passed=None), "passed", "不能为 null"),
    ("passed as 1", w3(passed=1), "passed", "true 或 false"),
    ("missing approval", w3(approved_on=None), "approved_on", "必须填写 approved_on"),
    ("missing occupation", w3(occupation=None), "occupation", "必须填写 occupation"),
    ("missing standard", w3(standard=None), "standard", "必须填写补贴标准"),
    ("missing rate", w3(rate=None), "rate", "必须填写日补贴标准"),
    (
        "missing standard before the notice",
        w3(approved_on="2021-01-01", standard=None),
        "standard",
        "原有政策",
    ),
    ("online without online rate", w3(planned_online=3), "online_rate", "线上日补贴标准"),
    ("attended online without online rate", w3(attended={"online": 3}), "online_rate", "线上日补贴标准"),
    ("occupation not an object", w3(occupation="6-18-01-01"), "occupation", "JSON 对象"),
    ("occupation without code", w3(occupation={"category": 6}), "occupation.code", "必须填写"),
    (
        "occupation with unknown field",
        w3(occupation={"code": "6-18-01-01", "category": 6, "x": 1}),
        "occupation.x",
        "未知字段",
    ),
    ("occupation category 9", w3(occupation={"code": "X1", "category": 9}), "occupation.category", "1–8"),
    (
        "occupation code against category",
        w3(occupation={"code": "6-18-01-01", "category": 4}),
        "occupation.category",
        "属于第 6 大类",
    ),
    ("empty occupation code", w3(occupation={"code": " ", "category": 4}), "occupation.code", "不能为空"),
    (
        "occupation new as text",
        w3(occupation={"code": "X1", "category": 4, "new": "yes"}),
        "occupation.new",
        "true 或 false",
    ),
    ("attended negative", w3(attended={"offline": -1}), "attended.offline", "不能为负数"),
    ("attended unknown field", w3(attended={"offline": 1, "absent": 2}), "attended.absent", "未知字段"),
    ("materials not a list", w3(kind="enterprise", materials="plan"), "materials", "JSON 数组"),
    ("unknown material", w3(kind="enterprise", materials=["plan", "invoice"]), "materials[1]", "invoice"),
    ("material not text", w3(kind="enterprise", materials=[1]), "materials[0]", "应为字符串"),
    ("no months", work_for_training(months=[]), "months", "申领月份"),
    ("bad month", work_for_training(months=["2021-10", "2021-13"]), "months[1]", "YYYY-MM"),
    ("month as date", work_for_training(months=["2021-10-01"]), "months[0]", "YYYY-MM"),
    ("month zero year", work_for_training(months=["0000-01"]), "months[0]", "YYYY-MM"),
    ("negative max months", work_for_training(max_months=-1), "max_months", "不能为负数"),
    ("apprenticeship without start", apprenticeship(start=None), "start", "开班日期"),
    ("unknown early end", apprenticeship(early_end="merger", actual_months=3), "early_end", "merger"),
    (
        "early end without months",
        apprenticeship(early_end="closure"),
        "actual_months",
        "必须填写实际培训月数",
    ),
    (
        "early end at the full period",
        apprenticeship(early_end="closure", actual_months=24),
        "actual_months",
        "应少于计划培训月数",
    ),
    ("actual months without early end", apprenticeship(actual_months=10), "actual_months", "只在"),
    (
        "negative actual months",
        apprenticeship(early_end="closure", actual_months=-1),
        "actual_months",
        "不能为负数",
    ),
    ("zero planned months", apprenticeship(planned_months=0), "planned_months", "至少为 1"),
    ("id number not text", w3(id_number=110105), "id_number", "应为字符串"),
    ("history not a list", w3(history={}), "history", "JSON 数组"),
    ("history item not an object", w3(history=[1]), "history[0]", "JSON 对象"),
    (
        "history without end",
        w3(history=[{"kind": "class", "start": "2021-01-01"}]),
        "history[0].end",
        "必须填写",
    ),
    (
        "history null start",
        w3(history=[{"kind": "class", "start": None, "end": "2021-01-01"}]),
        "history[0].start",
        "应为字符串",
    ),
    (
        "history unknown kind",
        w3(history=[{"kind": "x", "start": "2021-01-01", "end": "2021-01-02"}]),
        "history[0].kind",
        "之一",
    ),
    (
        "history unknown field",
        w3(history=[{"kind": "class", "start": "2021-01-01", "end": "2021-01-02", "y": 1}]),
        "history[0].y",
        "未知字段",
    ),
    (
        "history level 0",
        w3(history=[{"kind": "class", "start": "2021-01-01", "end": "2021-01-02", "level": 0}]),
        "history[0].level",
        "1–5",
    ),
    (
        "history end before start",
        w3(history=[{"kind": "class", "start": "2021-01-03", "end": "2021-01-02"}]),
        "history[0].end",
        "早于开始日期",
    ),
]


@pytest.mark.parametrize(
    ("data", "field", "fragment"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data)

    assert raised.value.field == field
    assert fragment in raised.value.message
    assert field in raised.value.message


def test_input_must_be_an_object() -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario([w3()])  # type: ignore[arg-type]

    assert raised.value.field == "$"


JSON_CASES = [
    ("not JSON", "{kind: class}", "$", "不是有效的 JSON"),
    ("not an object", "[1, 2]", "$", "JSON 对象"),
    ("NaN", '{"kind": "class", "rate": NaN}', "$", "NaN"),
    ("duplicate field", '{"kind": "class", "kind": "enterprise"}', "kind", "重复出现"),
    ("not UTF-8", b'{"kind": "\xff"}', "$", "UTF-8"),
]


@pytest.mark.parametrize(
    ("text", "field", "fragment"), [case[1:] for case in JSON_CASES], ids=[case[0] for case in JSON_CASES]
)
def test_bad_json(text: str | bytes, field: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario_json(text)

    assert raised.value.field == field
    assert fragment in raised.value.message


def test_json_numbers_are_exact_decimals() -> None:
    scenario = parse_scenario_json(json.dumps(w3()).replace('"130.00"', "130.10").encode())

    assert load_json("1.10") == Decimal("1.10")
    assert scenario.rate == Decimal("130.10")


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ScenarioError) as raised:
        Scenario(kind="deposit")  # type: ignore[arg-type]

    assert raised.value.field == "kind"
    with pytest.raises(ScenarioError, match="early_end"):
        Scenario(
            kind="apprenticeship",
            start=date(2021, 1, 1),
            end=date(2021, 12, 31),
            early_end="x",  # type: ignore[arg-type]
            actual_months=1,
        )


def test_new_occupation_may_give_hours_instead_of_standard() -> None:
    scenario = parse_scenario(
        w3(occupation={"code": "4-04-05-05", "category": 4, "new": True}, standard=None, planned_hours=40)
    )

    assert scenario.standard is None
    assert scenario.follows_previous_policy is False


def test_read_field_reads_one_field_as_parse_scenario_does() -> None:
    data = w1(id_number="500103199001010010", history=[])
    scenario = parse_scenario(data)
    for name, value in data.items():
        assert read_field(name, value) == getattr(scenario, name)
    with pytest.raises(ScenarioError) as bad:
        read_field("history", None)
    assert bad.value.field == "history"
    with pytest.raises(ScenarioError) as unknown:
        read_field("colour", "red")
    assert unknown.value.field == "colour" and "未知字段 colour" in unknown.value.message
