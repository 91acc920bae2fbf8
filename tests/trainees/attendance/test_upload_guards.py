"""Uploads that cannot hurt (issue 17): on every import page and API (roster, sign-in sheet, online
export, results, occupations), a zip bomb, a sheet of 1,048,576 rows, a file over its kind's
byte cap and a non-zip .xlsx are refused in Chinese naming the file, fast, and nothing is saved.
The claim rosters are tested in tests/claims/test_claim_roster_guards.py."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog.models import Occupation
from apps.core.models import StateChange
from apps.trainees.models import Attendance, Enrolment, Result
from tests import hostile_files
from tests.trainees.attendance_factories import enrol

pytestmark = pytest.mark.django_db

SHEET = ["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]
SHEET_ROW = ["2026-12-05", "09:00", "张三", "11010519491231002X", "08:55", "12:00"]
# (page, API or None, file name, header, a data row, the kind's label)
KINDS = {
    "roster": ("roster:roster_upload", "api-roster-upload", "花名册.xlsx", ["姓名", "身份证号码"], "花名册"),
    "sign_in_sheet": (
        "attendance:import_sheet",
        "api-class-attendance-sheet",
        "签到表.xlsx",
        SHEET,
        "学员签到表",
    ),
    "results": (
        "attendance:results_import",
        "api-class-results-upload",
        "考核结果.xlsx",
        ["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"],
        "考核结果",
    ),
    "occupations": (
        "catalog:occupation_import",
        None,
        "职业目录.xlsx",
        ["职业编码", "职业名称", "大类"],
        "职业目录",
    ),
}


def _saved():
    return (
        Attendance.objects.count(),
        Result.objects.count(),
        Enrolment.objects.count(),
        Occupation.objects.count(),
        StateChange.objects.count(),
    )


@pytest.fixture
def uploader(client, api_client, operator, municipal_admin, running_class, approved_class):
    """Post a file to a kind's page or API as the one who may; (status, text, seconds)."""
    enrol(running_class, 2)

    def post(kind: str, content: bytes, *, api: bool = False):
        page, api_name, name, _, _ = KINDS[kind]
        user = municipal_admin if kind == "occupations" else operator
        target = approved_class if kind == "roster" else running_class
        args = [] if kind == "occupations" else [target.pk]
        upload = SimpleUploadedFile(name, content)
        started = time.perf_counter()
        if api:
            api_client.force_authenticate(user)
            response = api_client.post(reverse(api_name, args=args), {"file": upload}, format="multipart")
            text = response.json()["detail"]
        else:
            client.force_login(user)
            response = client.post(reverse(page, args=args), {"file": upload})
            text = response.content.decode()
        return response.status_code, text, time.perf_counter() - started

    return post


PAGES_AND_APIS = [(kind, False) for kind in KINDS] + [(kind, True) for kind in KINDS if KINDS[kind][1]]


@pytest.mark.parametrize(("kind", "api"), PAGES_AND_APIS)
def test_a_zip_bomb_is_refused_at_once(uploader, kind, api):
    bomb = hostile_files.zip_bomb()
    before = _saved()
    status, text, seconds = uploader(kind, bomb, api=api)
    assert status == (400 if api else 200)
    assert f"「{KINDS[kind][2]}」解压后过大" in text and "压缩炸弹" in text
    assert seconds < 2
    assert _saved() == before


@pytest.mark.parametrize("dimension", [True, False], ids=["declared", "undeclared"])
@pytest.mark.parametrize(("kind", "api"), PAGES_AND_APIS)
def test_a_sheet_of_1048576_rows_is_refused_without_reading_it(uploader, kind, api, dimension):
    _, _, name, header, label = KINDS[kind]
    # One short cell a row, so that the sheet's XML (47 MB) passes the inflated-size cap and
    # only the row count stops it.
    content = hostile_files.million_rows(header, ["x"], dimension=dimension)
    before = _saved()
    status, text, seconds = uploader(kind, content, api=api)
    assert status == (400 if api else 200)
    assert f"「{name}」超过{label}的行数上限" in text
    assert seconds < 2
    assert _saved() == before


@pytest.mark.parametrize(("kind", "api"), PAGES_AND_APIS)
def test_a_file_over_its_kinds_byte_cap_is_refused_by_its_size(uploader, kind, api, settings):
    settings.IMPORT_MAX_BYTES = {**settings.IMPORT_MAX_BYTES, kind: 1000}
    status, text, _ = uploader(kind, b"PK" + b"x" * 2000, api=api)
    assert status == (400 if api else 200)
    assert f"「{KINDS[kind][2]}」有 0.0 MB，超过{KINDS[kind][4]}文件的上限" in text


@pytest.mark.parametrize(("kind", "api"), PAGES_AND_APIS)
def test_a_file_that_is_no_zip_is_a_chinese_error_naming_it(uploader, kind, api):
    status, text, _ = uploader(kind, "姓名,身份证号码\n张三,1\n".encode(), api=api)
    assert status == (400 if api else 200)
    assert f"「{KINDS[kind][2]}」不是有效的 Excel 文件" in text


@pytest.mark.parametrize("api", [False, True])
def test_a_60_mb_csv_of_online_attendance_is_refused_by_its_size(
    client, api_client, operator, running_class, api
):
    content = hostile_files.big_csv(
        "身份证号码,姓名,课次日期,课次开始时间,学习分钟数", "11010519491231002X,张三,2026-12-09,19:00,135"
    )
    upload = SimpleUploadedFile("学习记录.csv", content)
    started = time.perf_counter()
    if api:
        api_client.force_authenticate(operator)
        url = reverse("api-class-attendance-online", args=[running_class.pk])
        response = api_client.post(url, {"file": upload}, format="multipart")
        assert response.status_code == 400
        text = response.json()["detail"]
        assert response.json()["field"] == "file"
    else:
        client.force_login(operator)
        response = client.post(reverse("attendance:import_online", args=[running_class.pk]), {"file": upload})
        text = response.content.decode()
    assert time.perf_counter() - started < 5
    assert "「学习记录.csv」有 60.0 MB，超过线上平台学习记录文件的上限 20 MB" in text
    assert not Attendance.objects.exists()


def test_a_csv_past_its_row_cap_is_refused_before_any_row_is_checked(
    client, operator, running_class, settings
):
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "online_attendance": 3}
    rows = "\n".join("11010519491231002X,张三,2026-12-09,19:00,135" for _ in range(4))
    content = f"身份证号码,姓名,课次日期,课次开始时间,学习分钟数\n{rows}\n".encode()
    client.force_login(operator)
    body = client.post(
        reverse("attendance:import_online", args=[running_class.pk]),
        {"file": SimpleUploadedFile("学习记录.csv", content)},
    ).content.decode()
    assert "「学习记录.csv」超过线上平台学习记录的行数上限：一次最多导入 3 行" in body
    assert "不在实名制人员库中" not in body


@pytest.mark.parametrize(
    ("url_name", "says"),
    [
        ("attendance:import_sheet", "文件不超过 20 MB，最多 100,000 行（不含表头）"),
        ("attendance:import_online", "文件不超过 20 MB，最多 100,000 行（不含表头）"),
        ("attendance:results_import", "文件不超过 5 MB，最多 10,000 行（不含表头）"),
    ],
)
def test_each_form_states_its_caps(client, operator, running_class, url_name, says):
    client.force_login(operator)
    assert says in client.get(reverse(url_name, args=[running_class.pk])).content.decode()


def test_the_roster_and_occupation_forms_state_their_caps(client, operator, municipal_admin, approved_class):
    client.force_login(operator)
    body = client.get(reverse("roster:roster_upload", args=[approved_class.pk])).content.decode()
    assert "文件不超过 5 MB，最多 10,000 行（不含表头）" in body
    client.force_login(municipal_admin)
    body = client.get(reverse("catalog:occupation_import")).content.decode()
    assert "文件不超过 5 MB，最多 5,000 行（不含表头）" in body


def test_a_file_name_of_thousands_of_characters_is_a_chinese_400_in_the_api(
    api_client, operator, running_class
):
    from tests.core.test_upload_refusals import multipart

    api_client.force_authenticate(operator)
    body, content_type = multipart("名" * 3000 + ".xlsx")
    url = reverse("api-class-attendance-sheet", args=[running_class.pk])
    response = api_client.generic("POST", url, body, content_type=content_type)
    assert response.status_code == 400
    assert "文件名过长" in response.json()["detail"]
