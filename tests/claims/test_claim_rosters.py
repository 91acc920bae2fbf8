"""Enterprise claim rosters by Excel (以工代训, apprenticeship, enterprise direct): the template of
each kind, every row error of a file in one pass with nothing saved, and the same claim draft as
the hand form, for 500 workers as for one."""

import io
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.claims.forms import ApprenticeForm, EnterpriseTraineeForm, WorkerForm, row_formset
from apps.claims.imports import KINDS
from apps.claims.models import Claim, ClaimKind
from apps.trainees.models import Person
from tests.claims.conftest import id_number, person
from tests.classes.conftest import lathe, rates  # noqa: F401 - fixtures
from tests.factories import numbered

pytestmark = pytest.mark.django_db
WFT = ["身份证号码", "姓名", "起始月份", "结束月份"]


def _xlsx(rows, header=WFT, name="名单.xlsx"):
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _worker(n: int) -> list[str]:
    return [
        id_number("500101", "19900101", f"{n:03d}") if n < 1000 else _id(n),
        numbered("职工", n),
        "2021-10",
        "2021-12",
    ]


def _id(n: int) -> str:
    return id_number("500101", f"1980{(n // 1000) % 12 + 1:02d}{n % 28 + 1:02d}", f"{n % 1000:03d}")


def _upload(client, kind, header, upload):
    return client.post(reverse("claims:roster_upload", args=[kind]), {**header, "file": upload})


def _header(employer, **extra):
    return {"employer": employer.pk, "year": "2021", **extra}


def test_each_kind_has_a_template_that_names_its_columns(client, filer):
    client.force_login(filer)
    for slug, kind in KINDS.items():
        response = client.get(reverse("claims:roster_template", args=[slug]))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == [kind.sheet, "填写说明"]
        assert [c.value for c in workbook[kind.sheet][1]] == [c.header for c in kind.columns]
        notes = [row[0] for row in workbook["填写说明"].iter_rows(min_row=5, values_only=True)]
        assert [c.header for c in kind.columns] == notes[: len(kind.columns)]
        assert (
            "上传人员名单" in client.get(reverse(f"claims:create_{slug.replace('-', '_')}")).content.decode()
        )


def test_500_workers_by_upload_make_the_same_draft_as_the_hand_form(client, filer, employer):
    client.force_login(filer)
    rows = [_worker(n) for n in range(1, 501)]
    started = time.monotonic()
    response = _upload(client, "work-for-training", _header(employer), _xlsx(rows))
    elapsed = time.monotonic() - started
    claim = Claim.objects.get()
    assert response.status_code == 302 and response.url == reverse("claims:detail", args=[claim.pk])
    assert (claim.kind, claim.status, claim.year, claim.employer) == (
        ClaimKind.WORK_FOR_TRAINING,
        "draft",
        2021,
        employer,
    )
    assert claim.lines.count() == 500 and Person.objects.count() == 500
    assert claim.total == Decimal("1500.00") * 500  # 3 months × 500 元 (R3.2)
    assert elapsed < 60
    # The hand form, for one more worker with the same months, quotes the same line.
    hand = client.post(
        reverse("claims:create_work_for_training"),
        {
            **_header(employer),
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "0",
            "rows-0-id_number": _worker(501)[0],
            "rows-0-name": numbered("职工", 501),
            "rows-0-month_from": "2021-10",
            "rows-0-month_to": "2021-12",
        },
    )
    assert hand.status_code == 302
    typed = Claim.objects.exclude(pk=claim.pk).get().lines.get()
    uploaded = claim.lines.get(person__name=numbered("职工", 1))
    assert (typed.amount, typed.steps, typed.findings) == (uploaded.amount, uploaded.steps, uploaded.findings)
    assert {k: v for k, v in typed.inputs.items() if k != "id_number"} == {
        k: v for k, v in uploaded.inputs.items() if k != "id_number"
    }


def test_every_error_of_every_row_is_reported_at_once_and_nothing_saved(client, filer, employer):
    registered = person("周已登", "099", region="500101")
    rows = [_worker(n) for n in range(1, 10)]
    rows[0][1] = ""  # row 2: no name
    rows[1][0] = rows[1][0][:-1] + ("0" if rows[1][0][-1] != "0" else "1")  # row 3: wrong check digit
    rows[2][2] = "2021-13"  # row 4: no such month
    rows[3][2], rows[3][3] = "2021-12", "2021-10"  # row 5: ends before it starts
    rows[4][0] = rows[5][0]  # row 7 repeats row 6's number (row 6 is fine)
    rows[4][1] = rows[5][1]
    rows[6][0], rows[6][1] = registered.id_number, "别的名字"  # row 8: a registered number, another name
    rows[7][3] = ""  # row 9: no end month
    rows[7][1] = ""  # row 9: and no name
    rows.append(rows[5][:])  # row 11: row 6 again
    client.force_login(filer)
    response = _upload(client, "work-for-training", _header(employer), _xlsx(rows))
    body = response.content.decode()
    errors = [(e.row, e.field) for e in response.context["row_errors"]]
    assert errors == [
        (2, "姓名"),
        (3, "身份证号码"),
        (4, "起始月份"),
        (5, "结束月份"),
        (7, "身份证号码"),
        (8, "姓名"),
        (9, "姓名"),
        (9, "结束月份"),
        (11, "身份证号码"),
    ]
    assert response.status_code == 200 and "发现 9 处错误，未生成申领" in body
    assert "与第 6 行重复" in body and "已登记为「周已登」" in body and "起始月份应写成 YYYY-MM" in body
    assert not Claim.objects.exists() and Person.objects.count() == 1


def test_apprentices_early_end_columns_are_required_only_for_an_early_end(client, filer, employer):
    header = ["身份证号码", "姓名", "开始日期", "计划结束日期", "计划培训月数", "已完成主要课程并取得证书"]
    header += ["实际培训月数", "提前结束原因", "其他原因说明"]
    rows = [
        [
            id_number("440106", "20000505", "022"),
            "吴学徒",
            "2021-04-01",
            "2023-03-31",
            "24",
            "是",
            "",
            "",
            "",
        ],
        [
            id_number("500101", "20000505", "023"),
            "郑学徒",
            "2021/04/01",
            "2023-03-31",
            "24",
            "也许",
            "",
            "",
            "",
        ],
    ]
    client.force_login(filer)
    response = _upload(client, "apprenticeship", _header(employer, stage="early_end"), _xlsx(rows, header))
    assert [(e.row, e.field) for e in response.context["row_errors"]] == [
        (2, "实际培训月数"),
        (2, "提前结束原因"),
        (3, "已完成主要课程并取得证书"),
        (3, "实际培训月数"),
        (3, "提前结束原因"),
    ]
    rows[1][5] = "否"
    response = _upload(client, "apprenticeship", _header(employer, stage="advance"), _xlsx(rows, header))
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert (claim.kind, claim.apprenticeship_stage, claim.lines.count()) == (
        ClaimKind.APPRENTICESHIP,
        "advance",
        2,
    )
    assert claim.total == Decimal("8000.00")  # two advances of 4,000 (R5.5), as in the walk-through


def test_enterprise_trainees_by_upload_with_relations_by_their_words(client, filer, employer, lathe, rates):  # noqa: F811
    header = ["身份证号码", "姓名", "与企业的关系", "线下实到课时", "线上实到课时", "考核合格并取得证书"]
    rows = [
        [id_number("500101", "19900101", "013"), "孙职工", "与本企业建立劳动关系的职工", "60", "", "是"],
        [id_number("500101", "19900101", "014"), "钱职工", "临时工", "-1", "", ""],
    ]
    training = {
        "training_name": "数控车床操作岗位提升",
        "occupation": lathe.pk,
        "level": "4",
        "start": "2026-11-02",
        "end": "2026-11-20",
        "planned_online": "0",
    }
    client.force_login(filer)
    response = _upload(client, "enterprise", _header(employer, **training), _xlsx(rows, header))
    assert [(e.row, e.field) for e in response.context["row_errors"]] == [
        (3, "与企业的关系"),
        (3, "线下实到课时"),
    ]
    assert "不在企业职工培训的人员范围内" in response.context["row_errors"][0].message
    rows[1][2:4] = ["在本企业工作的劳务派遣人员", "45"]
    response = _upload(client, "enterprise", _header(employer, **training), _xlsx(rows, header))
    claim = Claim.objects.get()
    assert response.status_code == 302 and claim.kind == ClaimKind.ENTERPRISE_DIRECT
    relations = dict(claim.lines.values_list("person__name", "inputs__relation"))
    assert relations == {"孙职工": "employee", "钱职工": "dispatched"}


def test_a_header_error_is_shown_at_the_field_and_nothing_is_saved(client, filer, employer, lathe):  # noqa: F811
    header = ["身份证号码", "姓名", "与企业的关系", "线下实到课时"]
    rows = [[id_number("500101", "19900101", "013"), "孙职工", "与本企业建立劳动关系的职工", "60"]]
    training = {
        "training_name": "无标准的培训",
        "occupation": lathe.pk,
        "level": "4",
        "start": "2026-11-02",
        "end": "2026-11-20",
        "planned_online": "0",
    }
    client.force_login(filer)
    response = _upload(client, "enterprise", _header(employer, **training), _xlsx(rows, header))
    assert response.status_code == 200 and "的补贴标准，无法测算" in response.content.decode()
    assert not Claim.objects.exists() and not Person.objects.exists()


def test_a_bad_file_is_named_and_an_unknown_kind_is_404(client, filer, employer):
    client.force_login(filer)
    upload = SimpleUploadedFile("名单.xlsx", "身份证号码,姓名\n".encode())
    body = _upload(client, "work-for-training", _header(employer), upload).content.decode()
    assert "「名单.xlsx」不是有效的 Excel 文件" in body and not Claim.objects.exists()
    body = _upload(
        client, "work-for-training", _header(employer), _xlsx([], header=["姓名"])
    ).content.decode()
    assert "缺少必需的列：身份证号码、起始月份、结束月份" in body
    assert client.get(reverse("claims:roster_upload", args=["living"])).status_code == 404


def test_the_hand_forms_largest_roster_fits_under_the_field_cap():
    """DATA_UPLOAD_MAX_NUMBER_FIELDS holds the hand form's max rows of its widest row form (plus
    the header and the management fields); beyond that the roster comes by Excel."""
    widest = max(len(form.base_fields) for form in (WorkerForm, ApprenticeForm, EnterpriseTraineeForm))
    rows = row_formset(WorkerForm).max_num
    assert rows * (widest + 1) + 50 <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_a_post_over_the_field_cap_answers_the_chinese_400_page(client, filer, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(filer)
    data = {f"rows-{n}-name": "x" for n in range(20)}
    response = client.post(reverse("claims:create_work_for_training"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "提交的内容过多" in body and reverse("claims:roster_upload", args=["work-for-training"]) in body


def test_months_and_dates_typed_as_excel_dates_are_read(filer, employer):
    from datetime import date, datetime

    from apps.claims.imports import parse_claim_roster

    months = _xlsx([[_worker(1)[0], numbered("职工", 1), datetime(2021, 10, 1), "2021年12月"]])
    parsed = parse_claim_roster(months, filename="名单.xlsx", kind=KINDS["work-for-training"])
    assert parsed.rows[0].data["months"] == ["2021-10", "2021-11", "2021-12"]
    header = ["身份证号码", "姓名", "开始日期", "计划结束日期", "计划培训月数"]
    dates = _xlsx([[_worker(2)[0], numbered("职工", 2), date(2021, 4, 1), "2023/3/31", 24]], header)
    parsed = parse_claim_roster(dates, filename="名单.xlsx", kind=KINDS["apprenticeship"], stage="advance")
    data = parsed.rows[0].data
    assert (data["start"], data["end"], data["planned_months"], data["passed"]) == (
        date(2021, 4, 1),
        date(2023, 3, 31),
        24,
        False,
    )
