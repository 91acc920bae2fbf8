"""R11: resident ID numbers, age at class start, unified social credit codes."""

from datetime import date
from decimal import Decimal

import pytest

from apps.rules import RuleViolation, age_on, check_id_number, check_uscc, mask_id_number, uscc_entity_type
from apps.rules.identity import today_in_china
from tests.rules.builders import id_number, rules_of, run, uscc, w3

ON = date(2024, 6, 1)

VALID_ID_CASES = [
    ("GB 11643 example from Beijing", "11010519491231002X", "11010519491231002X", date(1949, 12, 31), "女"),
    ("lower-case x is normalised", "11010519491231002x", "11010519491231002X", date(1949, 12, 31), "女"),
    ("GB 11643 example from Guangdong", "440524188001010014", "440524188001010014", date(1880, 1, 1), "男"),
    ("Shenzhen", id_number("44030119900307123"), id_number("44030119900307123"), date(1990, 3, 7), "男"),
    (
        "Chongqing Yuzhong",
        id_number("50010320000229001"),
        id_number("50010320000229001"),
        date(2000, 2, 29),
        "男",
    ),
    (
        "Beijing Chaoyang 110105",
        id_number("11010519851111051"),
        id_number("11010519851111051"),
        date(1985, 11, 11),
        "男",
    ),
    ("surrounding spaces", " 440524188001010014 ", "440524188001010014", date(1880, 1, 1), "男"),
    ("born today", id_number("50010320240601002"), id_number("50010320240601002"), ON, "女"),
]


@pytest.mark.parametrize(
    ("number", "normalised", "birth", "gender"),
    [case[1:] for case in VALID_ID_CASES],
    ids=[case[0] for case in VALID_ID_CASES],
)
def test_valid_id_numbers(number: str, normalised: str, birth: date, gender: str) -> None:
    person = check_id_number(number, on=ON)

    assert (person.number, person.birth, person.gender) == (normalised, birth, gender)


INVALID_ID_CASES = [
    (
        "wrong check digit",
        "110105194912310021",
        "身份证号码 1101**********0021 的校验码应为 X，填写为 1 (R11.1)",
    ),
    (
        "impossible date 19990230",
        id_number("11010519990230001"),
        "身份证号码中的出生日期 19990230 不是真实日期 (R11.1)",
    ),
    ("month 13", id_number("11010519991301001"), "身份证号码中的出生日期 19991301 不是真实日期 (R11.1)"),
    (
        "future date",
        id_number("50010320240602001"),
        "身份证号码中的出生日期 2024-06-02 晚于 2024-06-01 (R11.1)",
    ),
    (
        "15-digit legacy number",
        "110105491231002",
        "身份证号码为 15 位旧号码，不予受理，请填写 18 位居民身份证号码 (R11.1)",
    ),
    ("17 digits", "11010519491231002", None),
    ("X in the middle", "1101051949123100X2", None),
    ("full-width digits", "１１０１０５１９４９１２３１００２X", None),
    ("empty", "", None),
]


@pytest.mark.parametrize(
    ("number", "message"), [case[1:] for case in INVALID_ID_CASES], ids=[case[0] for case in INVALID_ID_CASES]
)
def test_invalid_id_numbers(number: str, message: str | None) -> None:
    with pytest.raises(RuleViolation) as raised:
        check_id_number(number, on=ON)

    finding = raised.value.finding
    assert (finding.rule, finding.severity) == ("R11.1", "E")
    assert finding.message == (message or finding.message)
    assert finding.message.startswith("身份证号码")
    assert str(raised.value) == finding.message


def test_future_is_judged_against_today_by_default() -> None:
    tomorrow_year = today_in_china().year + 1

    with pytest.raises(RuleViolation, match="晚于"):
        check_id_number(id_number(f"500103{tomorrow_year}0101001"))


AGE_CASES = [
    ("15 the day before the 16th birthday", "2021-04-05", [("R11.2", "E")], "0.00"),
    ("16 on the birthday itself", "2021-04-06", [], "996.67"),
    ("16 the day after", "2021-04-07", [], "996.67"),
]


@pytest.mark.parametrize(
    ("start", "findings", "amount"), [case[1:] for case in AGE_CASES], ids=[case[0] for case in AGE_CASES]
)
def test_age_at_class_start(start: str, findings: list[tuple[str, str]], amount: str) -> None:
    trainee = id_number("50010320050406003")

    result = run(w3(start=start, id_number=trainee))

    assert rules_of(result) == findings
    assert result.amount == Decimal(amount)


def test_age_message() -> None:
    result = run(w3(start="2021-04-05", id_number=id_number("50010320050406003")))

    assert (
        result.findings[0].message
        == "学员开班时 15 周岁（出生日期 2005-04-06，开班日期 2021-04-05），未满 16 周岁 (R11.2)"
    )


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2000, 2, 29), date(2016, 2, 28), 15),
        (date(2000, 2, 29), date(2016, 2, 29), 16),
        (date(2000, 2, 29), date(2017, 2, 28), 16),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2005, 4, 6), date(2021, 4, 5), 15),
        (date(2005, 4, 6), date(2021, 4, 6), 16),
    ],
    ids=[
        "leap-day birth before",
        "leap-day birthday",
        "non-leap year 28 Feb",
        "non-leap year 1 Mar",
        "day before birthday",
        "birthday",
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


def test_invalid_id_in_a_quote_blocks_the_line() -> None:
    result = run(w3(id_number="110105194912310021"))

    assert rules_of(result) == [("R11.1", "E")]
    assert result.amount == Decimal("0.00")


def test_mask() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"


USCC_VALID_CASES = [
    ("enterprise 91 (public code)", "914403001922038216", "91", "企业"),
    ("enterprise with letters", "9144030071526726XG", "91", "企业"),
    ("lower case is normalised", "9144030071526726xg", "91", "企业"),
    ("individual business 92", uscc("92500103MA5U00001"), "92", "个体工商户"),
    ("private non-enterprise unit 52", uscc("52500000MJ0000001"), "52", "民办非企业单位"),
    ("social organisation 51", uscc("51500000500000001"), "51", "社会团体"),
    ("foundation 53", uscc("53100000500000001"), "53", "基金会"),
    ("government body 11", uscc("11500000000000001"), "11", "机关"),
    ("public institution 12", uscc("12500000450000001"), "12", "事业单位"),
    ("farmers' cooperative 93", uscc("93500101MA5U00001"), "93", "农民专业合作社"),
    ("village collective N2", uscc("N2500101MF0000001"), "N2", "村级集体经济组织"),
]


@pytest.mark.parametrize(
    ("code", "prefix", "label"),
    [case[1:] for case in USCC_VALID_CASES],
    ids=[case[0] for case in USCC_VALID_CASES],
)
def test_valid_uscc(code: str, prefix: str, label: str) -> None:
    entity = uscc_entity_type(code)

    assert check_uscc(code) == code.strip().upper()
    assert entity is not None
    assert (entity.prefix, entity.label) == (prefix, label)


def test_unassigned_entity_type() -> None:
    assert uscc_entity_type(uscc("98500000000000001")) is None


USCC_INVALID_CASES = [
    ("wrong check character", "914403001922038217", "校验码应为 6，填写为 7"),
    ("letter I is refused", "91440300I92203821" + "6", "不使用的字符 I"),
    ("letter O is refused", "9144030O1922038216", "不使用的字符 O"),
    ("letter Z is refused", "91440300192203821Z", "不使用的字符 Z"),
    ("letter S is refused", "914403001S22038216", "不使用的字符 S"),
    ("letter V is refused", "914403001922V38216", "不使用的字符 V"),
    ("17 characters", "91440300192203821", "应为 18 位"),
    ("division code with a letter", uscc("9144A300192203821"), "第 3–8 位应为行政区划码"),
    ("hyphen", "91440300-922038216", "不使用的字符 -"),
]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [case[1:] for case in USCC_INVALID_CASES],
    ids=[case[0] for case in USCC_INVALID_CASES],
)
def test_invalid_uscc(code: str, fragment: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        check_uscc(code)

    assert raised.value.finding.rule == "R11.3"
    assert fragment in raised.value.finding.message


def test_check_value_31_is_written_0() -> None:
    code = next(
        candidate
        for candidate in (uscc(f"9150010000000{n:04d}") for n in range(10_000))
        if candidate.endswith("0")
    )

    assert check_uscc(code) == code
