"""Whatever file is uploaded to an import page (sign-in sheet, online export, results, roster,
occupations), the page answers 200 with a Chinese error naming the file, and nothing is saved:
a text file renamed .xlsx, an empty file, a workbook whose data sheet is empty, a file without
the required columns."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from apps.catalog.models import Occupation
from apps.core.models import StateChange
from apps.trainees.models import Attendance, Enrolment, Result
from tests.trainees.attendance_factories import enrol

pytestmark = pytest.mark.django_db


def _workbook(*sheets: tuple[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _files(name: str) -> list[tuple[str, bytes, str]]:
    """(case, content, what the page must say) for a file called `name`."""
    return [
        ("text renamed .xlsx", "姓名,身份证号码\n张三,1\n".encode(), f"「{name}」不是有效的 Excel 文件"),
        ("empty file", b"", f"「{name}」是空文件"),
        ("random bytes", bytes(range(256)) * 4, f"「{name}」不是有效的 Excel 文件"),
        ("a zip that is no workbook", _zip(), f"「{name}」不是有效的 Excel 文件"),
        (
            "data sheet empty",
            _workbook(("Sheet1", []), ("其他", [["姓名"], ["张三"]])),
            f"「{name}」的工作表「Sheet1」为空",
        ),
        ("wrong columns", _workbook(("Sheet1", [["甲", "乙"], ["1", "2"]])), "缺少必需的列"),
    ]


def _zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是工作簿")
    return buffer.getvalue()


CASES = [case for case, _, _ in _files("x.xlsx")]


def _post(client, url, name, content):
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def _changes():
    return (
        Attendance.objects.count(),
        Result.objects.count(),
        Enrolment.objects.count(),
        Occupation.objects.count(),
        StateChange.objects.count(),
    )


def _check(client, url, name, case):
    content, expected = {c: (body, says) for c, body, says in _files(name)}[case]
    before = _changes()
    response = _post(client, url, name, content)
    body = response.content.decode()
    assert response.status_code == 200
    assert expected in body
    assert _changes() == before


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("url_name", ["import_sheet", "results_import"])
def test_sign_in_sheet_and_results_pages_refuse_bad_files(client, operator, running_class, url_name, case):
    enrol(running_class, 2)
    client.force_login(operator)
    _check(client, reverse(f"attendance:{url_name}", args=[running_class.pk]), "签到表.xlsx", case)


def test_the_online_export_page_refuses_a_binary_or_empty_csv(client, operator, running_class):
    client.force_login(operator)
    url = reverse("attendance:import_online", args=[running_class.pk])
    before = _changes()
    body = _post(client, url, "学习记录.csv", b"").content.decode()
    assert "「学习记录.csv」为空" in body
    body = _post(client, url, "学习记录.csv", _workbook(("Sheet1", [["a"]]))).content.decode()
    assert "「学习记录.csv」不是" in body
    assert _changes() == before


@pytest.mark.parametrize("case", CASES)
def test_roster_page_refuses_bad_files(client, operator, approved_class, case):
    client.force_login(operator)
    _check(client, reverse("roster:roster_upload", args=[approved_class.pk]), "花名册.xlsx", case)


@pytest.mark.parametrize("case", CASES)
def test_occupation_page_refuses_bad_files(client, municipal_admin, case):
    client.force_login(municipal_admin)
    _check(client, reverse("catalog:occupation_import"), "职业目录.xlsx", case)


def test_a_workbook_saved_with_its_notes_sheet_in_front_is_read_from_the_data_sheet(
    client, operator, approved_class
):
    content = _workbook(
        ("填写说明", [["姓名", "身份证号码"], ["张三", "11010519491231002X"]]),
        ("花名册", [["姓名", "身份证号码"], ["李四", "11010519491231002X"]]),
    )
    client.force_login(operator)
    response = client.post(
        reverse("roster:roster_upload", args=[approved_class.pk]),
        {"file": SimpleUploadedFile("花名册.xlsx", content)},
        follow=True,
    )
    assert "导入成功：登记 1 名学员" in response.content.decode()
    assert Enrolment.objects.get().person.name == "李四"
