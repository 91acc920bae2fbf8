"""R6 (high-skill bases, district-level private schools) and R8 (special account)."""

from datetime import date
from decimal import Decimal

import pytest

from apps.rules.high_skill import check_district_school_level, check_high_skill_base
from apps.rules.special_account import check_allocation, check_real_name, living_allowance
from tests.rules.builders import id_number

ON = date(2022, 1, 10)

BASE_CASES = [
    ("national base at 600 a year", "national", [600, 600], None),
    ("national base averaging 600 with one weak year", "national", [500, 700], None),
    (
        "national base averaging 599.5",
        "national",
        [599, 600],
        "年均高级工及以上培训 599.5 人次，低于 600 人次",
    ),
    ("municipal base at 300", "municipal", [300], None),
    (
        "municipal base at 299",
        "municipal",
        [299],
        "市级高技能人才培训基地年均高级工及以上培训 299.0 人次，低于 300 人次",
    ),
    ("no year on record", "municipal", [], None),
]


@pytest.mark.parametrize(
    ("tier", "years", "fragment"), [case[1:] for case in BASE_CASES], ids=[case[0] for case in BASE_CASES]
)
def test_high_skill_base(tier: str, years: list[int], fragment: str | None) -> None:
    finding = check_high_skill_base(tier=tier, person_times_by_year=years, on=ON)  # type: ignore[arg-type]

    if fragment is None:
        assert finding is None
    else:
        assert finding is not None
        assert (finding.rule, finding.severity) == ("R6.1", "W")
        assert fragment in finding.message


SCHOOL_CASES = [
    ("level 4 needs no recognition", 4, False, None),
    ("special ability needs no recognition", None, False, None),
    ("level 3 with recognition", 3, True, None),
    (
        "level 3 without recognition",
        3,
        False,
        "区县级民办职业培训学校未经所在区县人力社保局认定，不得开展高级工培训 (R6.2)",
    ),
    (
        "level 2 even with recognition",
        2,
        True,
        "区县级民办职业培训学校按本通知只能经认定后开展高级工培训，不得开展技师培训 (R6.2)",
    ),
    (
        "level 1 without recognition",
        1,
        False,
        "区县级民办职业培训学校按本通知只能经认定后开展高级工培训，不得开展高级技师培训 (R6.2)",
    ),
]


@pytest.mark.parametrize(
    ("level", "recognised", "message"),
    [case[1:] for case in SCHOOL_CASES],
    ids=[case[0] for case in SCHOOL_CASES],
)
def test_district_school_level(level: int | None, recognised: bool, message: str | None) -> None:
    finding = check_district_school_level(level=level, recognised=recognised)

    assert (finding.message if finding else None) == message


@pytest.mark.parametrize(
    ("hours", "daily", "amount"),
    [(60, "100.00", "1000.00"), (46, "100.00", "766.67"), (0, "100.00", "0.00")],
    ids=["ten days", "46 class-hours", "online only"],
)
def test_living_allowance(hours: int, daily: str, amount: str) -> None:
    assert living_allowance(offline_class_hours=hours, daily_amount=Decimal(daily), on=ON) == Decimal(amount)


def test_allocation() -> None:
    exact = check_allocation(
        allocated=Decimal("1000"), committed=Decimal("600"), requested=Decimal("400"), share="生活费份额"
    )
    over = check_allocation(
        allocated=Decimal("1000.00"),
        committed=Decimal("600.00"),
        requested=Decimal("400.01"),
        share="生活费份额",
    )

    assert exact is None
    assert over is not None
    assert over.message == "生活费份额已批准 600.00 元，本次 400.01 元，合计超过额度 1000.00 元 (R8.2)"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        (None, "未进行实名登记"),
        ("  ", "未进行实名登记"),
        ("110105194912310021", "学员实名信息无效"),
        (id_number("44030119900307123"), None),
    ],
    ids=["no ID", "blank ID", "invalid ID", "valid ID from another province"],
)
def test_real_name(number: str | None, fragment: str | None) -> None:
    finding = check_real_name(number, on=ON)

    if fragment is None:
        assert finding is None
    else:
        assert finding is not None
        assert finding.rule == "R8.3"
        assert fragment in finding.message
