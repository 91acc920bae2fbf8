"""person_register_or_get: the real-name registry (R8.3) with the ID number checked by R11.1,
any province accepted (R8.4), gender and birth date derived, one person per number."""

from datetime import date

import pytest

from apps.core.errors import ApplicationError
from apps.rules.identity import id_check_character
from apps.trainees.models import Gender, Person, PersonGroup
from apps.trainees.services.persons import clean_groups, clean_phone, person_register_or_get
from tests.trainees.roster_factories import id_number, with_wrong_check

pytestmark = pytest.mark.django_db


def _checked(body: str) -> str:
    return body + id_check_character(body)


def test_valid_number_registers_with_gender_and_birth_date_derived():
    number = id_number(date(1990, 5, 17), serial=12, female=True)
    person = person_register_or_get(id_number=number, name="张丽", phone="13812345678")
    assert (person.id_number, person.name, person.phone) == (number, "张丽", "13812345678")
    assert (person.gender, person.birth_date) == (Gender.FEMALE, date(1990, 5, 17))


@pytest.mark.parametrize(
    ("case", "number", "message"),
    [
        ("wrong check digit", with_wrong_check(id_number(date(1990, 5, 17))), "的校验码应为"),
        ("impossible date 1990-02-30", _checked("50010319900230001"), "出生日期 19900230 不是真实日期"),
        ("future birth date", _checked("50010320990101001"), "晚于"),
        ("15-digit legacy number", "500103900517001", "15 位旧号码，不予受理，请填写 18 位居民身份证号码"),
        ("too short", "5001031990", "应为 18 位"),
        ("letters inside", "50010319900517A01X", "应为 18 位"),
    ],
)
def test_invalid_numbers_are_refused_by_r11_1(case, number, message):
    with pytest.raises(ApplicationError) as caught:
        person_register_or_get(id_number=number, name="张三")
    assert caught.value.rule == "R11.1" and caught.value.field == "id_number"
    assert message in caught.value.message
    assert Person.objects.count() == 0


def test_an_empty_number_is_refused_by_r8_3():
    with pytest.raises(ApplicationError) as caught:
        person_register_or_get(id_number="  ", name="张三")
    assert (caught.value.rule, caught.value.field) == ("R8.3", "id_number")


def test_the_check_digit_error_masks_the_number():
    number = with_wrong_check(id_number(date(1990, 5, 17)))
    with pytest.raises(ApplicationError) as caught:
        person_register_or_get(id_number=number, name="张三")
    assert number not in caught.value.message and "5001**********" in caught.value.message


def test_lower_case_x_is_read_as_upper_case():
    number = next(n for n in (id_number(date(1988, 8, 8), serial=s) for s in range(200)) if n.endswith("X"))
    person = person_register_or_get(id_number=number.lower(), name="王五")
    assert person.id_number == number
    assert person_register_or_get(id_number=number, name="王五") == person


@pytest.mark.parametrize(
    ("case", "region", "household"),
    [
        ("北京市朝阳区", "110105", "北京市朝阳区"),
        ("深圳市福田区", "440301", "广东省深圳市"),
        ("新疆", "650102", ""),
        ("重庆市渝中区", "500103", "重庆市渝中区"),
    ],
)
def test_every_province_is_accepted_r8_4(case, region, household):
    number = id_number(date(1985, 3, 1), region=region)
    person = person_register_or_get(id_number=number, name="赵六", household_region=household)
    assert person.id_number.startswith(region) and person.household_region == household


def test_the_same_number_twice_is_one_person():
    number = id_number(date(1990, 1, 1))
    first = person_register_or_get(id_number=number, name="张三", groups=["registered_unemployed"])
    again = person_register_or_get(
        id_number=number,
        name="张三",
        phone="023-63891234",
        household_region="重庆市万州区",
        groups=["脱贫人口"],
    )
    assert again.pk == first.pk and Person.objects.count() == 1
    again.refresh_from_db()
    # blanks are filled in, groups added; nothing already registered is overwritten
    assert (again.phone, again.household_region) == ("023-63891234", "重庆市万州区")
    assert sorted(PersonGroup.objects.filter(person=again).values_list("group", flat=True)) == [
        "poverty_alleviated",
        "registered_unemployed",
    ]
    person_register_or_get(id_number=number, name="张三", phone="13900000000")
    again.refresh_from_db()
    assert again.phone == "023-63891234"


def test_a_different_name_for_a_registered_number_is_refused_naming_both():
    number = id_number(date(1990, 1, 1))
    person_register_or_get(id_number=number, name="张三")
    with pytest.raises(ApplicationError) as caught:
        person_register_or_get(id_number=number, name="李四")
    assert caught.value.field == "name"
    assert "已登记为「张三」" in caught.value.message and "「李四」不一致" in caught.value.message
    assert number not in caught.value.message
    assert Person.objects.get().name == "张三"


@pytest.mark.parametrize(
    ("case", "typed", "stored"),
    [
        ("mobile", "13812345678", "13812345678"),
        ("mobile with spaces", "138 1234 5678", "13812345678"),
        ("mobile with +86", "+8613812345678", "13812345678"),
        ("landline with hyphen", "023-63891234", "023-63891234"),
        ("landline with brackets", "(023)63891234", "023-63891234"),
        ("landline with extension", "023-63891234-801", "023-63891234-801"),
        ("landline run together", "02363891234", "02363891234"),
        ("four-digit area code", "0851-5551234", "0851-5551234"),
        ("empty", "", ""),
    ],
)
def test_valid_phones(case, typed, stored):
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    ("case", "typed"),
    [
        ("10 digits", "1381234567"),
        ("12 digits", "138123456789"),
        ("mobile from 12", "12812345678"),
        ("landline without area code", "63891234"),
        ("letters", "138abc45678"),
    ],
)
def test_invalid_phones_are_refused(case, typed):
    with pytest.raises(ApplicationError) as caught:
        person_register_or_get(id_number=id_number(), name="张三", phone=typed)
    assert caught.value.field == "phone" and "联系电话格式不正确" in caught.value.message
    assert Person.objects.count() == 0


def test_groups_by_value_or_label_and_unknown_ones_refused():
    assert clean_groups("脱贫人口、登记失业人员") == ("poverty_alleviated", "registered_unemployed")
    assert clean_groups(["veteran", "残疾人", "veteran"]) == ("disabled", "veteran")
    assert clean_groups("") == ()
    with pytest.raises(ApplicationError) as caught:
        clean_groups("脱贫人口、外来务工")
    assert caught.value.field == "groups" and "“外来务工”不在可选范围内" in caught.value.message
