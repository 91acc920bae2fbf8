"""Roster pages: masking for every role, the logged reveal, the permission matrix of the
write actions (nothing changed when refused), the query budget, search and the upload pages."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from apps.core.models import StateChange
from apps.trainees.models import Enrolment, EnrolmentStatus, Person, PersonalDataView
from apps.trainees.services.enrolment import enrolment_create
from tests.factories import UserFactory, numbered
from tests.trainees.roster_factories import (
    EnrolmentFactory,
    PersonFactory,
    TrainingClassFactory,
    nth_id_number,
    with_wrong_check,
)

from .conftest import REVEALS, ROLES, SEES

pytestmark = pytest.mark.django_db
NUMBER = nth_id_number(7)
PHONE = "13812345678"


@pytest.fixture
def enrolment(approved_class, operator):
    return enrolment_create(
        training_class=approved_class, actor=operator, id_number=NUMBER, name="张三", phone=PHONE
    )


def _masked(body: str) -> bool:
    return (
        NUMBER not in body
        and PHONE not in body
        and f"5001**********{NUMBER[-4:]}" in body
        and "138****5678" in body
    )


@pytest.mark.parametrize("role", ROLES)
def test_roster_page_is_masked_for_every_role(client, people, enrolment, role):
    client.force_login(people[role])
    response = client.get(reverse("roster:roster", args=[enrolment.training_class_id]))
    assert response.status_code == (200 if role in SEES else 404)
    if role in SEES:
        body = response.content.decode()
        assert _masked(body)
        assert ("显示完整信息" in body) == (role in REVEALS)
        assert ("登记学员" in body) == (role == "operator")
        assert (reverse("roster:withdraw", args=[enrolment.pk]) in body) == (role == "operator")


@pytest.mark.parametrize("role", ROLES)
def test_person_page_is_masked_for_every_role(client, people, enrolment, role):
    client.force_login(people[role])
    response = client.get(reverse("roster:person_detail", args=[enrolment.person_id]))
    assert response.status_code == (200 if role in SEES else 404)
    if role in SEES:
        body = response.content.decode()
        assert _masked(body) and "1970-01-01" not in body
        assert ("显示完整信息" in body) == (role in REVEALS)


@pytest.mark.parametrize("role", ROLES)
def test_reveal_is_logged_and_refused_for_the_others(client, people, enrolment, role):
    user = people[role]
    client.force_login(user)
    response = client.post(reverse("roster:person_reveal", args=[enrolment.person_id]), {"purpose": "roster"})
    if role in REVEALS:
        assert response.status_code == 200
        body = response.content.decode()
        assert NUMBER in body and PHONE in body and "本次查看已记录" in body
        assert "no-store" in response["Cache-Control"]
        view = PersonalDataView.objects.get()
        assert (view.viewer, view.person_id, view.purpose) == (user, enrolment.person_id, "核对花名册")
    else:
        assert response.status_code == (403 if role in SEES else 404)
        assert not PersonalDataView.objects.exists()


def test_the_number_is_never_logged(client, operator, enrolment):
    client.force_login(operator)
    client.post(reverse("roster:person_reveal", args=[enrolment.person_id]), {"purpose": "identity"})
    client.post(reverse("roster:withdraw", args=[enrolment.pk]), {"reason": "调岗", "confirm": "on"})
    logged = [str(v) for v in PersonalDataView.objects.values_list("purpose", flat=True)]
    logged += [f"{c.reason} {c.changes}" for c in StateChange.objects.all()]
    assert logged and not any(NUMBER in line or PHONE in line for line in logged)


def test_reveal_needs_a_purpose_and_a_post(client, operator, enrolment):
    client.force_login(operator)
    url = reverse("roster:person_reveal", args=[enrolment.person_id])
    assert client.get(url).status_code == 405
    assert client.post(url, {"purpose": "curiosity"}).status_code == 302
    assert not PersonalDataView.objects.exists()


def _roster_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号码", "手机号码"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "花名册.xlsx"
    return buffer


@pytest.mark.parametrize("role", ROLES)
def test_write_actions_permission_matrix(client, people, enrolment, role):
    training_class = enrolment.training_class
    client.force_login(people[role])
    denied = 403 if role in SEES else 404
    before = (Enrolment.objects.count(), Person.objects.count(), StateChange.objects.count())

    for name in ("enrol", "roster_upload", "roster_template"):
        response = client.get(reverse(f"roster:{name}", args=[training_class.pk]))
        assert response.status_code == (200 if role == "operator" else denied), name
    enrol = client.post(
        reverse("roster:enrol", args=[training_class.pk]), {"id_number": nth_id_number(8), "name": "李四"}
    )
    upload = client.post(
        reverse("roster:roster_upload", args=[training_class.pk]),
        {"file": _roster_file([["王五", nth_id_number(9), ""]])},
    )
    withdraw = client.post(
        reverse("roster:withdraw", args=[enrolment.pk]), {"reason": "退出", "confirm": "on"}
    )
    if role == "operator":
        assert [enrol.status_code, upload.status_code, withdraw.status_code] == [302, 302, 302]
        assert Enrolment.objects.filter(status="enrolled").count() == 2
        assert Enrolment.objects.get(pk=enrolment.pk).status == "withdrawn"
    else:
        assert [enrol.status_code, upload.status_code, withdraw.status_code] == [denied] * 3
        assert (Enrolment.objects.count(), Person.objects.count(), StateChange.objects.count()) == before
        assert Enrolment.objects.get(pk=enrolment.pk).status == "enrolled"


def test_enterprise_class_roster_is_read_by_the_employers_filer_masked(client, operator):
    training_class = TrainingClassFactory(enterprise=True)
    training_class.institution.members.add(operator)
    enrolment_create(
        training_class=training_class,
        actor=operator,
        id_number=NUMBER,
        name="张三",
        phone=PHONE,
        relation="employee",
    )
    filer = UserFactory(filer=True)
    training_class.institution.employer.members.add(filer)
    client.force_login(filer)
    body = client.get(reverse("roster:roster", args=[training_class.pk])).content.decode()
    assert _masked(body) and "与本企业建立劳动关系的职工" in body and "显示完整信息" not in body


def _fill(training_class, count, start=0):
    for n in range(start, start + count):
        EnrolmentFactory(
            training_class=training_class, person=PersonFactory(id_number=nth_id_number(100 + n))
        )


@pytest.mark.parametrize("role", ["operator", "officer", "auditor"])
def test_roster_page_query_count_is_the_same_for_5_and_50(client, people, approved_class, role):
    client.force_login(people[role])
    url = reverse("roster:roster", args=[approved_class.pk])
    _fill(approved_class, 5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    _fill(approved_class, 45, start=5)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert response.context["page"].paginator.count == 50
    # session, user, the class with institution, district and occupation, the operator and
    # reveal checks, the counts, the page count, the page with persons, their groups
    assert len(five) == len(fifty)


def test_empty_state_says_what_to_do(client, people, approved_class):
    client.force_login(people["operator"])
    body = client.get(reverse("roster:roster", args=[approved_class.pk])).content.decode()
    assert "花名册还没有学员。点击“登记学员”逐个登记" in body
    client.force_login(people["officer"])
    body = client.get(reverse("roster:roster", args=[approved_class.pk])).content.decode()
    assert "本班尚未登记学员。学员由培训机构经办人在开班申请审核通过后登记。" in body


def test_search_by_name_or_last_digits_and_status_filter(client, operator, approved_class):
    first = EnrolmentFactory(training_class=approved_class, person=PersonFactory(name="张三"))
    second = EnrolmentFactory(
        training_class=approved_class, person=PersonFactory(name="李四"), status=EnrolmentStatus.WITHDRAWN
    )
    client.force_login(operator)
    url = reverse("roster:roster", args=[approved_class.pk])
    names = lambda q: [r["enrolment"].person.name for r in client.get(url + q).context["rows"]]  # noqa: E731
    assert names("?q=张") == ["张三"]
    assert names(f"?q={second.person.id_number[-4:]}") == ["李四"]
    assert names(f"?q={first.person.id_number[-6:]}") == ["张三"]
    # never the whole number: it would end up in URLs and access logs
    assert names(f"?q={first.person.id_number}") == []
    assert names("?status=withdrawn") == ["李四"]
    # names sort by code point: 张 (U+5F20) before 李 (U+674E)
    assert names("?sort=name") == ["张三", "李四"]
    assert names("?sort=-name") == ["李四", "张三"]
    assert "没有符合条件的学员" in client.get(url + "?q=王").content.decode()


def test_warnings_show_their_rule_linked(client, operator, approved_class):
    EnrolmentFactory(
        training_class=approved_class,
        warnings=[{"rule": "R10.1", "severity": "W", "message": "2026 年已有 3 次补贴性培训 (R10.1)"}],
    )
    client.force_login(operator)
    body = client.get(reverse("roster:roster", args=[approved_class.pk])).content.decode()
    assert '<a class="rule" href="/rules/#R10.1">R10.1</a> [W] 2026 年已有 3 次补贴性培训' in body


def test_enrol_form_shows_errors_at_the_field_and_saves_when_valid(client, operator, approved_class):
    client.force_login(operator)
    url = reverse("roster:enrol", args=[approved_class.pk])
    response = client.post(url, {"id_number": with_wrong_check(NUMBER), "name": "张三", "phone": "123"})
    form = response.context["form"]
    assert "的校验码应为" in form.errors["id_number"][0] and "联系电话格式不正确" in form.errors["phone"][0]
    assert "relation" not in form.fields
    response = client.post(
        url, {"id_number": NUMBER.lower(), "name": "张三", "groups": ["veteran"]}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("roster:roster", args=[approved_class.pk])
    assert "已登记学员 张三" in response.content.decode()
    assert Enrolment.objects.get().person.groups.get().group == "veteran"
    again = client.post(url, {"id_number": NUMBER, "name": "张三"})
    assert "该学员已在本班花名册中" in again.context["form"].errors["id_number"][0]


def test_enrol_form_of_an_enterprise_class_asks_for_the_relation(client, operator):
    training_class = TrainingClassFactory(enterprise=True)
    training_class.institution.members.add(operator)
    client.force_login(operator)
    url = reverse("roster:enrol", args=[training_class.pk])
    response = client.post(url, {"id_number": NUMBER, "name": "张三"})
    assert response.context["form"].errors["relation"]
    assert (
        client.post(url, {"id_number": NUMBER, "name": "张三", "relation": "outsourced"}).status_code == 302
    )
    assert Enrolment.objects.get().relation == "outsourced"


def test_upload_page_lists_every_error_by_row_and_saves_nothing(client, operator, approved_class):
    rows = [[numbered("学员", n), nth_id_number(n), ""] for n in range(1, 31)]
    rows[15][1] = with_wrong_check(rows[15][1])
    client.force_login(operator)
    url = reverse("roster:roster_upload", args=[approved_class.pk])
    response = client.post(url, {"file": _roster_file(rows)})
    body = response.content.decode()
    assert response.status_code == 200 and "发现 1 处错误，未导入任何数据" in body
    assert "第 17 行「身份证号码」：身份证号码 5001**********" in body
    assert Enrolment.objects.count() == 0
    rows[15][1] = nth_id_number(16)
    response = client.post(url, {"file": _roster_file(rows)}, follow=True)
    assert "导入成功：登记 30 名学员" in response.content.decode()
    assert Enrolment.objects.count() == 30


def test_template_download(client, operator, approved_class):
    client.force_login(operator)
    response = client.get(reverse("roster:roster_template", args=[approved_class.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]


def test_withdraw_asks_for_confirmation_and_a_reason(client, operator, enrolment):
    client.force_login(operator)
    url = reverse("roster:withdraw", args=[enrolment.pk])
    assert "确认退出" in client.get(url).content.decode()
    response = client.post(url, {"reason": "调岗"})
    assert response.status_code == 200 and response.context["form"].errors["confirm"]
    response = client.post(url, {"confirm": "on"})
    assert response.context["form"].errors["reason"]
    assert Enrolment.objects.get(pk=enrolment.pk).status == "enrolled"
    assert client.post(url, {"reason": "调岗", "confirm": "on"}).status_code == 302
    assert Enrolment.objects.get(pk=enrolment.pk).status == "withdrawn"


def test_a_completed_class_roster_is_read_only_even_for_its_operator(client, operator, enrolment):
    training_class = enrolment.training_class
    training_class.status = "completed"
    training_class.save()
    client.force_login(operator)
    body = client.get(reverse("roster:roster", args=[training_class.pk])).content.decode()
    assert "花名册只能在开班申请审核通过后、结业前登记或变更" in body and "上传花名册" not in body
    response = client.post(
        reverse("roster:enrol", args=[training_class.pk]), {"id_number": nth_id_number(8), "name": "李四"}
    )
    assert response.status_code == 302 and Enrolment.objects.count() == 1
    client.post(reverse("roster:withdraw", args=[enrolment.pk]), {"reason": "退出", "confirm": "on"})
    assert Enrolment.objects.get(pk=enrolment.pk).status == "enrolled"
