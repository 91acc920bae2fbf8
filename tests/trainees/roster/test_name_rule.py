"""A person's name is checked wherever it enters the registry (issue 17): Chinese characters,
Latin letters, spaces and the middle dot of minority names, 2–30 characters. A bad name in a
roster is a row error naming the row and 姓名, and nothing is saved."""

import pytest

from apps.core.errors import ApplicationError
from apps.trainees.models import Enrolment, Person
from apps.trainees.services.persons import clean_name
from tests.trainees.roster_factories import nth_id_number

from .test_roster_import import _errors, xlsx


@pytest.mark.parametrize(
    "name",
    [
        "张三",
        "欧阳娜娜",
        "阿依古丽·买买提",
        "阿依古丽 · 买买提",
        "帕尔哈提•艾力",
        "Mary Jane",
        "José Núñez",
        "李〇",
        "𠀀𠀁",
        " 王五 ",
    ],
)
def test_names_as_on_id_cards_are_accepted(name):
    assert clean_name(name) == name.strip()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ('=HYPERLINK("http://x")', "只能由汉字、英文字母、空格和间隔号"),
        ("+1+1", "只能由汉字、英文字母、空格和间隔号"),
        ("@SUM(A1)", "只能由汉字、英文字母、空格和间隔号"),
        ("-张三", "只能由汉字、英文字母、空格和间隔号"),
        ("张三1", "只能由汉字、英文字母、空格和间隔号"),
        ("·张三", "不能以空格或间隔号开头或结尾"),
        ("张··三", "只能由汉字"),
        ("张\t三", "只能由汉字"),
        ("张", "姓名应为 2–30 个字符（现为 1 个）"),
        ("张" * 31, "姓名应为 2–30 个字符（现为 31 个）"),
        ("", "姓名不能为空"),
    ],
)
def test_other_names_are_refused_in_chinese(name, says):
    with pytest.raises(ApplicationError, match=says) as caught:
        clean_name(name)
    assert caught.value.field == "name"


@pytest.mark.django_db
def test_a_bad_name_in_a_roster_is_a_row_error_and_nothing_is_saved(approved_class, operator):
    rows = [
        ["张三", nth_id_number(1)],
        # As our templates write it (and Excel shows it): text, not a formula.
        ['\'=HYPERLINK("http://x")', nth_id_number(2)],
        ["李四", nth_id_number(3)],
    ]
    errors = _errors(approved_class, operator, xlsx(rows, header=["姓名", "身份证号码"]))
    assert errors == [
        "第 3 行「姓名」：姓名只能由汉字、英文字母、空格和间隔号（·）组成，且不能以空格或间隔号开头或结尾"
    ]
    assert not Person.objects.exists() and not Enrolment.objects.exists()


@pytest.mark.django_db
def test_the_enrol_api_refuses_a_formula_for_a_name(api_client, approved_class, operator):
    from django.urls import reverse

    api_client.force_authenticate(operator)
    response = api_client.post(
        reverse("api-roster-enrolments", args=[approved_class.pk]),
        {"name": "=1+1", "id_number": nth_id_number(1)},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"] == "name"
    assert not Person.objects.exists()
