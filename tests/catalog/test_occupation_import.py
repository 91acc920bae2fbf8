import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from apps.catalog.imports import parse_occupation_rows
from apps.catalog.models import Occupation
from apps.core.tabular import TableErrors
from tests.factories import OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("6-18-01-01", True),
        ("4-04-05-05", True),
        ("8-00-00-00", True),
        ("9-18-01-01", False),  # major category 9 does not exist
        ("0-18-01-01", False),
        ("6-18-01-1", False),
        ("6-18-0101", False),
        ("61801 01", False),
        ("6-18-01-01 ", False),
        ("", False),
    ],
)
def test_occupation_code_format(code, valid):
    occupation = Occupation(code=code, name="测试", major_category=6)
    if valid:
        occupation.full_clean(exclude=["major_category"])
    else:
        with pytest.raises(ValidationError) as exc:
            occupation.full_clean(exclude=["major_category"])
        assert "code" in exc.value.message_dict


def _csv(text: str) -> io.BytesIO:
    data = io.BytesIO(text.encode("utf-8-sig"))
    data.name = "catalogue.csv"
    return data


def test_csv_with_chinese_headers_imports_all_rows(tmp_path):
    path = tmp_path / "目录.csv"
    path.write_text(
        "职业编码,职业名称,大类,新职业,发布日期,鉴定评价类\n"
        "6-31-01-03,电工,6,否,,是\n"
        "4-04-05-05,人工智能训练师,4,是,2020-03,否\n",
        encoding="utf-8",
    )
    call_command("import_occupations", str(path), stdout=io.StringIO())
    electrician = Occupation.objects.get(code="6-31-01-03")
    assert (
        electrician.name,
        electrician.major_category,
        electrician.is_new,
        electrician.is_assessment_type,
    ) == (
        "电工",
        6,
        False,
        True,
    )
    ai = Occupation.objects.get(code="4-04-05-05")
    assert ai.is_new and ai.new_published_on.isoformat() == "2020-03-01"


def test_xlsx_import_updates_known_codes(tmp_path):
    OccupationFactory(code="6-18-01-01", name="旧名称")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "major_category", "new_occupation"])
    sheet.append(["6-18-01-01", "车工", 6, "no"])
    sheet.append(["6-18-01-02", "铣工", 6, "no"])
    path = tmp_path / "catalogue.xlsx"
    workbook.save(path)
    out = io.StringIO()
    call_command("import_occupations", str(path), stdout=out)
    assert "新增 1" in out.getvalue() and "更新 1" in out.getvalue()
    assert Occupation.objects.get(code="6-18-01-01").name == "车工"


def test_every_bad_row_is_named_and_nothing_is_saved():
    source = _csv(
        "code,name,major_category,new_occupation,published_on\n"
        "6-31-01-03,电工,6,no,\n"  # row 2: fine
        "6-31-0103,焊工,6,no,\n"  # row 3: bad code
        "4-03-02-01,,4,no,\n"  # row 4: no name
        "4-03-02-02,中式面点师,6,no,\n"  # row 5: category disagrees with code
        "4-04-05-05,人工智能训练师,4,yes,\n"  # row 6: new occupation without date
        "6-31-01-03,电工,6,no,\n"  # row 7: duplicate of row 2
        "5-01-02-01,农艺工,5,maybe,\n"  # row 8: bad flag
    )
    with pytest.raises(TableErrors) as exc:
        parse_occupation_rows(source)
    messages = [str(e) for e in exc.value.errors]
    assert messages == [
        "第 3 行「职业编码」：“6-31-0103”格式错误，应为 N-NN-NN-NN（大类 1–8）",
        "第 4 行「职业名称」：不能为空",
        "第 5 行「大类」：大类 6 与职业编码 4-03-02-02 的首位不一致",
        "第 6 行「发布日期」：新职业须填写人社部发布日期",
        "第 7 行「职业编码」：“6-31-01-03”与第 2 行重复",
        "第 8 行「新职业」：“maybe”应为 是/否",
    ]
    assert Occupation.objects.count() == 0


def test_command_reports_row_errors_and_saves_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name,major_category\n6-31-01-03,电工,6\n6-31-01-3,焊工,6\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_occupations", str(path), stdout=io.StringIO())
    assert "第 3 行「职业编码」" in str(exc.value)
    assert Occupation.objects.count() == 0


def test_missing_required_column_is_reported():
    with pytest.raises(TableErrors) as exc:
        parse_occupation_rows(_csv("code,name\n6-31-01-03,电工\n"))
    assert str(exc.value.errors[0]) == "第 1 行：缺少必需的列：大类"


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "catalogue.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match=r"不支持的文件类型 \.txt"):
        call_command("import_occupations", str(path), stdout=io.StringIO())


def test_the_shipped_fixture_imports_cleanly():
    from django.conf import settings

    rows = parse_occupation_rows(settings.BASE_DIR / "fixtures" / "occupations.csv")
    assert len(rows) >= 30
    codes = {row.code: row for row in rows}
    assert codes["6-31-01-03"].name == "电工"
    assert codes["4-04-05-05"].is_new
