"""R11 Identity: who a trainee is and what an employer is, checked the way the national standards say.

Clause 八 of the notice requires "凡进必补、不进不补" and the 职业培训实名制管理系统: only a person
registered under their real name can be paid (R8.3). These checks decide what a real name is.
They apply to every province alike: the notice forbids restricting trainees by region or 户籍
(R8.4), so the address code of an ID number is never used to refuse anyone.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal

from apps.rules.parameters import params_on
from apps.rules.results import Finding, RuleViolation

#: China Standard Time, UTC+8 all year round; "today" means today in Chongqing.
CHINA_TIME: Final = timezone(timedelta(hours=8), "CST")

_ID_PATTERN: Final = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS: Final = "10X98765432"

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_USCC_VALUES: Final = {character: index for index, character in enumerate(USCC_ALPHABET)}


def today_in_china() -> date:
    """Today's date in Chongqing."""
    return datetime.now(CHINA_TIME).date()


def mask_id_number(number: str) -> str:
    """An 18-digit number masked for display and for stored messages: ``5001**********1234``."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A checked 18-digit resident ID number and what it says about its holder."""

    number: str
    birth: date
    gender: Literal["男", "女"]


def _id_error(message: str) -> RuleViolation:
    return RuleViolation(Finding("R11.1", "E", f"{message} (R11.1)"))


def id_check_character(first_17_digits: str) -> str:
    """The check character of GB 11643-1999 (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17_digits, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARACTERS[total % 11]


def check_id_number(number: str, *, on: date | None = None) -> IdNumber:
    """R11.1 (E): an 18-digit resident ID number that is well formed, checks and holds a real birth date.

    The number has 17 digits and a check character, computed by ISO 7064 MOD 11-2 with the weights
    7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (GB 11643-1999); a lower-case ``x`` is read as ``X``.
    Digits 7–14 are the birth date, which must exist in the calendar and not be after ``on``
    (today in Chongqing unless given). Digit 17 is odd for men, even for women. Legacy 15-digit
    numbers are refused: the real-name registry holds 18-digit numbers only. Numbers from every
    province are accepted alike (R8.4).

    Returns the normalised number, the birth date and the gender; raises :class:`RuleViolation`
    carrying an R11.1 finding otherwise.
    """
    normalised = number.strip().upper()
    if len(normalised) == 15 and normalised.isascii() and normalised.isdigit():
        raise _id_error("身份证号码为 15 位旧号码，不予受理，请填写 18 位居民身份证号码")
    if not _ID_PATTERN.fullmatch(normalised):
        raise _id_error(
            f"身份证号码应为 18 位（前 17 位为数字，末位为数字或 X），填写的号码有 {len(normalised)} 位"
            "或含有其他字符"
        )
    digits = normalised[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise _id_error(f"身份证号码中的出生日期 {digits} 不是真实日期") from None
    today = on if on is not None else today_in_china()
    if birth > today:
        raise _id_error(f"身份证号码中的出生日期 {birth.isoformat()} 晚于 {today.isoformat()}")
    expected = id_check_character(normalised[:17])
    if normalised[17] != expected:
        raise _id_error(
            f"身份证号码 {mask_id_number(normalised)} 的校验码应为 {expected}，填写为 {normalised[17]}"
        )
    return IdNumber(normalised, birth, "男" if int(normalised[16]) % 2 else "女")


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day``; a person is one year older on their birthday itself.

    Someone born on 29 February becomes a year older on 1 March in years without that day.
    """
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_minimum_age(birth: date, start: date) -> Finding | None:
    """R11.2 (E): a trainee is at least 16 on the day the class starts; the 16th birthday counts."""
    minimum = params_on(start).minimum_age
    age = age_on(birth, start)
    if age >= minimum:
        return None
    return Finding(
        "R11.2",
        "E",
        f"学员开班时 {age} 周岁（出生日期 {birth.isoformat()}，开班日期 {start.isoformat()}），"
        f"未满 {minimum} 周岁 (R11.2)",
    )


def _uscc_error(message: str) -> RuleViolation:
    return RuleViolation(Finding("R11.3", "E", f"{message} (R11.3)"))


def uscc_check_character(first_17: str) -> str:
    """The check character of GB 32100-2015 for the first 17 characters of a credit code.

    Each character's value is its place in ``0-9A-HJ-NPQRTUWXY``; the weights are ``3^(i-1) mod 31``;
    the check value is ``31 − (sum mod 31)``, with 31 written as 0.
    """
    total = sum(
        _USCC_VALUES[character] * weight for character, weight in zip(first_17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(code: str) -> str:
    """R11.3 (E): a unified social credit code of GB 32100-2015; returns it normalised to upper case.

    Eighteen characters from the alphabet ``0-9A-HJ-NPQRTUWXY`` (the letters I, O, Z, S and V are
    never used), characters 3–8 the administrative division code of the registering authority
    (digits), and a last character that matches the check character.
    """
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise _uscc_error(f"统一社会信用代码应为 18 位，填写的代码有 {len(normalised)} 位")
    refused = sorted({character for character in normalised if character not in _USCC_VALUES})
    if refused:
        raise _uscc_error(
            f"统一社会信用代码含有不使用的字符 {'、'.join(refused)}（代码不使用 I、O、Z、S、V 及其他符号）"
        )
    if not normalised[2:8].isdigit():
        raise _uscc_error(f"统一社会信用代码第 3–8 位应为行政区划码（数字），填写为 {normalised[2:8]}")
    expected = uscc_check_character(normalised[:17])
    if normalised[17] != expected:
        raise _uscc_error(f"统一社会信用代码 {normalised} 的校验码应为 {expected}，填写为 {normalised[17]}")
    return normalised


@dataclass(frozen=True, slots=True)
class EntityType:
    """What characters 1–2 of a credit code say: the registering authority and the kind of entity."""

    prefix: str
    authority: str
    label: str


_AUTHORITIES: Final = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商（市场监管）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

#: Characters 1–2 of a credit code: GB 32100-2015 and the codes assigned since.
ENTITY_TYPES: Final[dict[str, str]] = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他机构编制单位",
    "21": "外国常驻新闻机构",
    "29": "其他外交登记机构",
    "31": "律师执业机构",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "39": "其他司法行政登记机构",
    "41": "外国在华文化中心",
    "49": "其他文化登记机构",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他民政登记机构",
    "61": "外国旅游部门常驻代表机构",
    "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
    "69": "其他旅游登记机构",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他宗教登记机构",
    "81": "基层工会",
    "89": "其他工会登记机构",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他军队登记机构",
    "N1": "组级集体经济组织",
    "N2": "村级集体经济组织",
    "N3": "乡镇级集体经济组织",
    "N9": "其他农业登记机构",
    "Y1": "其他",
}


def uscc_entity_type(code: str) -> EntityType | None:
    """The kind of entity a valid credit code names, from its characters 1–2 (``None`` if unassigned).

    91 企业, 92 个体工商户, 93 农民专业合作社, 52 民办非企业单位, 11/12/13/19 机关、事业单位等,
    51/53/59 社会团体、基金会等. Raises :class:`RuleViolation` (R11.3) for an invalid code.
    """
    prefix = check_uscc(code)[:2]
    label = ENTITY_TYPES.get(prefix)
    if label is None:
        return None
    return EntityType(prefix, _AUTHORITIES[prefix[0]], label)
