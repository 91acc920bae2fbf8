"""Results (R2.6): a pass needs the certificate's type, number and date; the form's service and the
.xlsx import validate alike; a running class is completed only when every trainee has a result."""

import io
from datetime import date

import pytest

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.selectors import state_changes_for
from apps.core.tabular import TableErrors, read_table
from apps.trainees.imports.results import results_import, results_template
from apps.trainees.models import Result
from apps.trainees.services.results import result_record
from tests.factories import UserFactory
from tests.trainees.attendance_factories import PASSED, EnrolmentFactory, enrol, id_number, xlsx_file

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"]
PASS = PASSED


def test_passed_result_is_saved_and_logged(operator, trainees):
    result = result_record(actor=operator, enrolment=trainees[0], **PASS)
    assert (result.outcome, result.certificate_type, result.certificate_date) == (
        "passed",
        "skill_level",
        date(2026, 12, 28),
    )
    corrected = result_record(actor=operator, enrolment=trainees[0], outcome="failed")
    assert corrected.pk == result.pk and Result.objects.count() == 1
    assert (corrected.certificate_type, corrected.certificate_number, corrected.certificate_date) == (
        "",
        "",
        None,
    )
    log = list(state_changes_for(obj=corrected))
    assert [(e.from_state, e.to_state) for e in log] == [("", "passed"), ("passed", "failed")]
    assert log[1].changes["outcome"] == ["passed", "failed"]


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ("certificate_type", "certificate_type"),
        ("certificate_number", "certificate_number"),
        ("certificate_date", "certificate_date"),
    ],
)
def test_a_pass_needs_the_certificate(operator, trainees, missing, field):
    values = {**PASS, missing: None if missing == "certificate_date" else ""}
    with pytest.raises(ApplicationError) as exc:
        result_record(actor=operator, enrolment=trainees[0], **values)
    assert exc.value.field == field
    assert not Result.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {**PASS, "certificate_type": "diploma"},
        {**PASS, "certificate_date": date(2026, 11, 30)},  # before the class started
        {"outcome": "failed", "certificate_number": "X1"},
        {"outcome": "unknown"},
    ],
    ids=["not-a-certificate-of-R2.6", "before-start", "failed-with-certificate", "bad-outcome"],
)
def test_bad_results_are_refused(operator, trainees, values):
    with pytest.raises(ApplicationError):
        result_record(actor=operator, enrolment=trainees[0], **values)
    assert not Result.objects.exists()


def test_results_are_entered_by_the_operator_while_running_only(operator, approved_class, officer_yuzhong):
    enrolment = enrol(approved_class, 1)[0]
    with pytest.raises(ApplicationError) as exc:
        result_record(actor=operator, enrolment=enrolment, outcome="absent")
    assert exc.value.field == "status"
    class_transition(training_class=approved_class, actor=operator, to=ClassStatus.RUNNING)
    logged = StateChange.objects.count()
    for actor in (officer_yuzhong, UserFactory(operator=True), UserFactory(auditor=True)):
        with pytest.raises(ApplicationError):
            result_record(actor=actor, enrolment=enrolment, outcome="absent")
    assert StateChange.objects.count() == logged
    assert result_record(actor=operator, enrolment=enrolment, outcome="absent").outcome == "absent"


def test_withdrawn_trainee_gets_no_result(operator, running_class):
    withdrawn = EnrolmentFactory(training_class=running_class, withdrawn=True)
    with pytest.raises(ApplicationError):
        result_record(actor=operator, enrolment=withdrawn, outcome="absent")


# --- import -----------------------------------------------------------------------------------


def _row(enrolment, *values):
    return [enrolment.person.name, enrolment.person.id_number, *values]


def _import(operator, training_class, upload):
    return results_import(actor=operator, training_class=training_class, source=upload, filename=upload.name)


def test_valid_results_file_is_saved_and_reimport_upserts(operator, running_class, trainees):
    a, b, c = trainees
    rows = [
        HEADERS,
        _row(a, "合格", "职业技能等级证书", "S0001", "2026-12-28"),
        _row(b, "不合格", "", "", ""),
        _row(c, "缺考", "", "", ""),
    ]
    counts = _import(operator, running_class, xlsx_file(rows, name="结果.xlsx"))
    assert (counts.created, counts.updated) == (3, 0)
    saved = {r.enrolment_id: r for r in Result.objects.all()}
    assert (saved[a.pk].outcome, saved[a.pk].certificate_type, saved[a.pk].certificate_date) == (
        "passed",
        "skill_level",
        date(2026, 12, 28),
    )
    assert (saved[b.pk].outcome, saved[c.pk].outcome) == ("failed", "absent")
    rows[2] = _row(b, "合格", "培训合格证书（结业）", "JY-2026-002", date(2026, 12, 21))
    counts = _import(operator, running_class, xlsx_file(rows, name="结果.xlsx"))
    assert (counts.created, counts.updated) == (0, 3)
    assert Result.objects.count() == 3
    assert Result.objects.get(enrolment=b).certificate_type == "completion"


def test_results_file_with_errors_saves_nothing(operator, running_class, trainees):
    a, b, c = trainees
    d = enrol(running_class, 1)[0]
    rows = [
        HEADERS,
        _row(a, "合格", "职业技能等级证书", "S0001", "2026-12-28"),  # 2: valid
        _row(b, "合格", "", "", ""),  # 3: pass without a certificate
        _row(c, "优秀", "", "", ""),  # 4: not an outcome
        ["某人", id_number(999_997), "缺考", "", "", ""],  # 5: unknown ID number
        _row(d, "合格", "毕业证书", "S0005", "2026-13-01"),  # 6: bad date, not a certificate of R2.6
        _row(a, "缺考", "", "", ""),  # 7: row 2's trainee again
    ]
    with pytest.raises(TableErrors) as exc:
        _import(operator, running_class, xlsx_file(rows, name="结果.xlsx"))
    assert [(e.row, e.field) for e in exc.value.errors] == [
        (3, "证书类型"),
        (3, "证书编号"),
        (3, "发证日期"),
        (4, "考核结果"),
        (5, "身份证号码"),
        (6, "发证日期"),
        (6, "证书类型"),
        (7, "身份证号码"),
    ]
    assert str(exc.value.errors[0]) == "第 3 行「证书类型」：考核合格须填写证书类型 (R2.6)"
    assert not Result.objects.exists()
    rows[5] = _row(d, "合格", "毕业证书", "S0005", "2026-12-28")
    with pytest.raises(TableErrors) as exc:
        _import(operator, running_class, xlsx_file(rows[:2] + rows[5:6], name="结果.xlsx"))
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "证书类型")]
    assert "R2.6" in exc.value.errors[0].message


def test_results_template_is_the_operators_and_each_download_is_logged(operator, running_class, trainees):
    from django.core.exceptions import PermissionDenied

    from apps.trainees.models import PersonalDataView

    for outsider in (
        UserFactory(officer=True),
        UserFactory(operator=True),
        UserFactory(municipal_admin=True),
    ):
        with pytest.raises(PermissionDenied):
            results_template(actor=outsider, training_class=running_class)
    assert not PersonalDataView.objects.exists()
    results_template(actor=operator, training_class=running_class)
    assert sorted(PersonalDataView.objects.values_list("person_id", "viewer_id", "purpose")) == sorted(
        (t.person_id, operator.pk, "下载考核结果模板") for t in trainees
    )


def test_results_template_lists_the_trainees_with_their_results(operator, running_class, trainees):
    result_record(actor=operator, enrolment=trainees[0], **PASS)
    content = results_template(actor=operator, training_class=running_class)
    rows = [r for _, r in read_table(io.BytesIO(content), filename="t.xlsx")]
    assert [r["身份证号码"] for r in rows] == [t.person.id_number for t in trainees]
    assert rows[0] == {
        "姓名": trainees[0].person.name,
        "身份证号码": trainees[0].person.id_number,
        "考核结果": "合格",
        "证书类型": "职业技能等级证书",
        "证书编号": "S000050000000261000123",
        "发证日期": "2026-12-28",
    }
    buffer = io.BytesIO(content)
    buffer.name = "t.xlsx"
    with pytest.raises(TableErrors) as exc:  # blank outcomes are errors
        _import(operator, running_class, buffer)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "考核结果"), (4, "考核结果")]
