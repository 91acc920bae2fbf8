"""The roster upload: template, parsing with row-numbered errors, all or nothing, one
transaction with the class locked, a constant number of queries whatever the size."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.tabular import TableErrors
from apps.trainees.imports.roster import parse_roster, roster_template
from apps.trainees.models import Enrolment, Person, PersonGroup
from apps.trainees.services.enrolment import roster_import
from tests.factories import numbered
from tests.trainees.roster_factories import (
    PersonFactory,
    TrainingClassFactory,
    id_number,
    nth_id_number,
    with_wrong_check,
)

pytestmark = pytest.mark.django_db
HEADER = ["姓名", "身份证号码", "手机号码", "户籍所在地", "人员类别"]


def xlsx(rows, header=HEADER, name="花名册.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def people(count, start=1):
    return [
        [numbered("学员", n), nth_id_number(n), f"138{n:08d}", "重庆市渝中区", "登记失业人员"]
        for n in range(start, start + count)
    ]


def _import(training_class, operator, source):
    return roster_import(
        training_class=training_class,
        actor=operator,
        roster=parse_roster(source, training_class=training_class),
    )


def _errors(training_class, operator, source) -> list[str]:
    with pytest.raises(TableErrors) as caught:
        _import(training_class, operator, source)
    assert Enrolment.objects.count() == 0 and Person.objects.count() == 0
    assert not StateChange.objects.filter(to_state="enrolled").exists()
    return [str(e) for e in caught.value.errors]


def test_one_wrong_check_digit_in_row_17_saves_nothing_then_30_are_saved(approved_class, operator):
    rows = people(30)
    good = rows[15][1]
    rows[15][1] = with_wrong_check(good)  # the 16th person is on Excel row 17 (row 1 is the header)
    errors = _errors(approved_class, operator, xlsx(rows))
    assert len(errors) == 1
    assert errors[0].startswith("第 17 行「身份证号码」：身份证号码 5001**********")
    assert "的校验码应为" in errors[0] and "(R11.1)" in errors[0]

    rows[15][1] = good
    result = _import(approved_class, operator, xlsx(rows))
    assert (result.enrolled, result.persons_created, result.persons_reused, result.with_warnings) == (
        30,
        30,
        0,
        0,
    )
    assert Enrolment.objects.filter(training_class=approved_class, status="enrolled").count() == 30
    assert PersonGroup.objects.filter(group="registered_unemployed").count() == 30
    assert StateChange.objects.filter(to_state="enrolled", actor=operator).count() == 30
    person = Person.objects.get(id_number=good)
    assert (person.name, person.phone, person.household_region) == (
        numbered("学员", 16),
        "13800000016",
        "重庆市渝中区",
    )


def test_every_error_of_every_row_is_listed_by_row_and_column(approved_class, operator):
    rows = people(5)
    rows[0][0] = ""  # row 2: no name
    rows[0][2] = "12345"  # row 2: bad phone
    rows[2][1] = id_number(date(2011, 1, 1))  # row 4: 15 at the class's start
    rows[3][4] = "脱贫人口、外地人"  # row 5: an unknown group
    errors = _errors(approved_class, operator, xlsx(rows))
    assert [e.split("：")[0] for e in errors] == [
        "第 2 行「姓名」",
        "第 2 行「手机号码」",
        "第 4 行「身份证号码」",
        "第 5 行「人员类别」",
    ]
    assert "未满 16 周岁 (R11.2)" in errors[2]


def test_the_same_number_twice_names_both_rows(approved_class, operator):
    rows = people(4)
    rows[2][:2] = rows[0][:2]  # row 4 repeats row 2
    rows[3][1], rows[3][0] = rows[1][1], "另一个名字"  # row 5: row 3's number under another name
    errors = _errors(approved_class, operator, xlsx(rows))
    assert errors == [
        "第 4 行「身份证号码」：与第 2 行重复",
        "第 5 行「姓名」：与第 3 行身份证号码相同，但姓名「另一个名字」与第 3 行的「学员二」不一致",
    ]


def test_a_name_other_than_the_registered_one_is_an_error(approved_class, operator):
    PersonFactory(id_number=nth_id_number(1), name="张三")
    errors = _errors_keep_registry(approved_class, operator, xlsx(people(2)))
    assert errors == [
        "第 2 行「姓名」：身份证号码 5001**********"
        + nth_id_number(1)[-4:]
        + " 已登记为「张三」，与填写的姓名「学员一」不一致（同一身份证号码全市只登记一人）"
    ]


def _errors_keep_registry(training_class, operator, source):
    persons = Person.objects.count()
    with pytest.raises(TableErrors) as caught:
        _import(training_class, operator, source)
    assert Person.objects.count() == persons and Enrolment.objects.count() == 0
    return [str(e) for e in caught.value.errors]


def test_a_roster_uploaded_again_with_rows_added_keeps_the_enrolled_and_adds_the_new(
    approved_class, operator
):
    first = _import(approved_class, operator, xlsx(people(3)))
    assert (first.enrolled, first.already_enrolled) == (3, 0)
    enrolments = dict(Enrolment.objects.values_list("person__id_number", "pk"))
    logged = StateChange.objects.filter(to_state="enrolled").count()
    again = _import(approved_class, operator, xlsx(people(5)))
    assert (again.enrolled, again.persons_created, again.already_enrolled) == (2, 2, 3)
    assert Enrolment.objects.count() == 5 and Person.objects.count() == 5
    # The three already enrolled keep their rows; only the two new ones are logged.
    assert {
        n: pk for n, pk in Enrolment.objects.values_list("person__id_number", "pk") if n in enrolments
    } == (enrolments)
    assert StateChange.objects.filter(to_state="enrolled").count() == logged + 2
    nothing_new = _import(approved_class, operator, xlsx(people(5)))
    assert (nothing_new.enrolled, nothing_new.already_enrolled) == (0, 5)
    assert Enrolment.objects.count() == 5


def test_a_roster_uploaded_again_with_another_name_for_an_enrolled_number_is_a_row_error(
    approved_class, operator
):
    _import(approved_class, operator, xlsx(people(2)))
    rows = people(4)
    rows[1][0] = "王五"  # row 3: the number of 学员2, enrolled, under another name
    rows[3][1] = with_wrong_check(rows[3][1])  # row 5: a format error, reported in the same pass
    with pytest.raises(TableErrors) as caught:
        _import(approved_class, operator, xlsx(rows))
    assert [(e.row, e.field) for e in caught.value.errors] == [(3, "姓名"), (5, "身份证号码")]
    assert "已登记为「学员二」，与填写的姓名「王五」不一致" in caught.value.errors[0].message
    assert Enrolment.objects.count() == 2


def test_registered_persons_are_reused(approved_class, operator):
    PersonFactory(id_number=nth_id_number(1), name=numbered("学员", 1), phone="")
    result = _import(approved_class, operator, xlsx(people(3)))
    assert (result.enrolled, result.persons_created, result.persons_reused) == (3, 2, 1)
    assert Person.objects.get(id_number=nth_id_number(1)).phone == "13800000001"


def test_without_returning_the_new_rows_are_looked_up(approved_class, operator, monkeypatch):
    # SQLite before 3.35 cannot return the ids of the rows it inserts
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    PersonFactory(id_number=nth_id_number(2), name=numbered("学员", 2))
    result = _import(approved_class, operator, xlsx(people(3)))
    assert (result.enrolled, result.persons_created, result.persons_reused) == (3, 2, 1)
    enrolments = Enrolment.objects.filter(training_class=approved_class)
    assert sorted(enrolments.values_list("person__id_number", flat=True)) == sorted(
        nth_id_number(n) for n in (1, 2, 3)
    )
    logged = StateChange.objects.filter(to_state="enrolled", actor=operator).values_list(
        "object_id", flat=True
    )
    assert sorted(logged) == sorted(str(pk) for pk in enrolments.values_list("pk", flat=True))


def test_overlap_and_r10_2_from_the_database_are_row_errors(approved_class, operator, lathe):
    other = TrainingClassFactory(occupation=lathe, name="车工中级冬季班", start_date=date(2026, 12, 1))
    roster_import(
        training_class=other,
        actor=other.institution.members.create(username="other", role="institution_operator"),
        roster=parse_roster(xlsx(people(1)), training_class=other),
    )
    with pytest.raises(TableErrors) as caught:
        _import(approved_class, operator, xlsx(people(2)))
    errors = [str(e) for e in caught.value.errors]
    assert len(errors) == 2 and all(e.startswith("第 2 行「身份证号码」") for e in errors)
    assert "「车工中级冬季班」" in errors[0] and "(R10.2)" in errors[1]
    assert Enrolment.objects.filter(training_class=approved_class).count() == 0


def test_missing_column_empty_file_and_too_many_rows(approved_class, operator, settings):
    header = ["姓名", "手机号码"]
    assert _errors(approved_class, operator, xlsx([["张三", "13812345678"]], header=header)) == [
        "第 1 行：缺少必需的列：身份证号码（请使用本班的花名册模板）"
    ]
    assert _errors(approved_class, operator, xlsx([])) == [
        "第 2 行：文件中没有数据行：请从第 2 行起每行填写一名学员"
    ]
    settings.IMPORT_MAX_ROWS = {**settings.IMPORT_MAX_ROWS, "roster": 3}
    with pytest.raises(ApplicationError, match=r"「花名册\.xlsx」超过花名册的行数上限：一次最多导入 3 行"):
        _import(approved_class, operator, xlsx(people(4)))
    assert Enrolment.objects.count() == 0 and Person.objects.count() == 0
    assert _import(approved_class, operator, xlsx(people(3))).enrolled == 3


def test_csv_and_lower_case_x_are_accepted(approved_class, operator):
    number = next(n for n in (id_number(date(1988, 8, 8), serial=s) for s in range(200)) if n.endswith("X"))
    source = io.BytesIO(f"姓名,身份证号码\n王五,{number.lower()}\n".encode("utf-8-sig"))
    source.name = "roster.csv"
    assert _import(approved_class, operator, source).enrolled == 1
    assert Person.objects.get().id_number == number


@pytest.fixture
def enterprise_class(operator):
    training_class = TrainingClassFactory(enterprise=True, name="企业职工车工培训班")
    training_class.institution.members.add(operator)
    return training_class


def test_enterprise_roster_needs_the_relation_column_and_a_relation_per_row(enterprise_class, operator):
    assert _errors(enterprise_class, operator, xlsx(people(1))) == [
        "第 1 行：缺少必需的列：与企业关系（请使用本班的花名册模板）"
    ]
    relations = ["与本企业建立劳动关系的职工", "", "临时工"]
    rows = [[*row, relation] for row, relation in zip(people(3), relations, strict=True)]
    errors = _errors(enterprise_class, operator, xlsx(rows, header=[*HEADER, "与企业关系"]))
    assert errors[0] == "第 3 行「与企业关系」：企业职工培训班须填写学员与企业的关系 (R4.2)"
    assert errors[1].startswith("第 4 行「与企业关系」：学员与企业的关系“临时工”不在企业职工培训的人员范围内")
    rows[1][5], rows[2][5] = "在本企业工作的劳务派遣人员", "灵活就业人员"
    assert _import(enterprise_class, operator, xlsx(rows, header=[*HEADER, "与企业关系"])).enrolled == 3
    assert sorted(Enrolment.objects.values_list("relation", flat=True)) == [
        "dispatched",
        "employee",
        "flexible_worker",
    ]


def test_a_row_with_a_format_error_is_also_checked_against_the_class_in_the_same_pass(
    approved_class, operator
):
    rows = people(4)
    rows[0][1] = id_number(date(2011, 1, 1))  # row 2: 15 at the class's start …
    rows[0][2] = "12345"  # … and a bad phone
    rows[1][4] = "外地人"  # row 3: an unknown group …
    rows[2][:2] = rows[1][:2]  # … and row 4 repeats it
    assert [e.split("：")[0] for e in _errors(approved_class, operator, xlsx(rows))] == [
        "第 2 行「手机号码」",
        "第 2 行「身份证号码」",
        "第 3 行「人员类别」",
        "第 4 行「身份证号码」",
    ]


def test_an_enterprise_row_with_a_bad_number_or_phone_has_its_relation_checked_too(
    enterprise_class, operator
):
    rows = [[*row, "临时工"] for row in people(2)]
    rows[0][1] = with_wrong_check(rows[0][1])  # row 2: a wrong check digit and a bad relation
    rows[1][2] = "12345"  # row 3: a bad phone and a bad relation
    errors = _errors(enterprise_class, operator, xlsx(rows, header=[*HEADER, "与企业关系"]))
    assert [e.split("：")[0] for e in errors] == [
        "第 2 行「身份证号码」",
        "第 2 行「与企业关系」",
        "第 3 行「手机号码」",
        "第 3 行「与企业关系」",
    ]


@pytest.mark.parametrize(
    ("enterprise", "columns"),
    [(False, HEADER), (True, [*HEADER, "与企业关系"])],
)
def test_template_has_the_headers_a_text_id_column_and_an_example_sheet(
    approved_class, enterprise_class, enterprise, columns
):
    training_class = enterprise_class if enterprise else approved_class
    workbook = load_workbook(io.BytesIO(roster_template(training_class)))
    assert workbook.sheetnames == ["花名册", "填写说明"]
    roster, notes = workbook["花名册"], workbook["填写说明"]
    assert [c.value for c in roster[1]] == columns and roster.max_row == 1
    assert roster.column_dimensions["B"].number_format == "@"
    assert [c.value for c in notes[1]][: len(columns)] == columns
    assert notes.cell(row=2, column=2).value == "11010519491231002X"


def test_the_filled_in_template_imports(enterprise_class, operator):
    workbook = load_workbook(io.BytesIO(roster_template(enterprise_class)))
    example = [c.value for c in workbook["填写说明"][2]]
    workbook["花名册"].append(example)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "模板.xlsx"
    assert _import(enterprise_class, operator, buffer).enrolled == 1
    enrolment = Enrolment.objects.select_related("person").get()
    assert (enrolment.person.name, enrolment.relation) == ("张三", "employee")


def test_queries_do_not_grow_with_the_roster_and_the_class_is_locked(approved_class, operator, school):
    with CaptureQueriesContext(connection) as five:
        _import(approved_class, operator, xlsx(people(5)))
    bigger = TrainingClassFactory(institution=school, occupation=approved_class.occupation, level=3)
    with CaptureQueriesContext(connection) as fifty:
        _import(bigger, operator, xlsx(people(50, start=100)))
    # savepoint, class locked, operator check, registry, district settings (two), persons
    # (returning their ids), groups, enrolments (returning theirs), content type, log; no
    # history: none of these people was registered before
    assert len(five) == len(fifty)
    locked = [q["sql"] for q in fifty if "FOR UPDATE" in q["sql"]]
    assert bool(locked) == connection.features.has_select_for_update
