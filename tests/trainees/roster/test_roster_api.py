"""The roster API: masked lists for every role, one enrolment with {"detail", "rule", "field"}
errors, the roster upload with row errors, withdrawal, the person and the logged reveal."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from rest_framework.authtoken.models import Token

from apps.core.models import StateChange
from apps.trainees.models import Enrolment, Person, PersonalDataView
from apps.trainees.services.enrolment import enrolment_create
from tests.factories import numbered
from tests.trainees.roster_factories import TrainingClassFactory, id_number, nth_id_number, with_wrong_check

from .conftest import REVEALS, ROLES, SEES

pytestmark = pytest.mark.django_db
NUMBER = nth_id_number(7)
PHONE = "13812345678"


@pytest.fixture
def enrolment(approved_class, operator):
    return enrolment_create(
        training_class=approved_class, actor=operator, id_number=NUMBER, name="张三", phone=PHONE
    )


def _url(training_class, tail="enrolments/"):
    return f"/api/v1/classes/{training_class.pk}/{tail}"


@pytest.mark.parametrize("role", ROLES)
def test_list_is_masked_for_every_role(api_client, people, enrolment, role):
    api_client.force_authenticate(people[role])
    response = api_client.get(_url(enrolment.training_class))
    assert response.status_code == (200 if role in SEES else 404)
    if role in SEES:
        (row,) = response.json()["results"]
        assert row["person"]["id_number"] == f"5001**********{NUMBER[-4:]}"
        assert row["person"]["phone"] == "138****5678"
        assert row["person"]["birth"] == "1970 年"
        assert row["can_reveal"] == (role in REVEALS)
        assert NUMBER not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_person_api_masked_and_reveal_logged(api_client, people, enrolment, role):
    user = people[role]
    api_client.force_authenticate(user)
    url = f"/api/v1/persons/{enrolment.person_id}/"
    detail = api_client.get(url)
    assert detail.status_code == (200 if role in SEES else 404)
    if role in SEES:
        assert detail.json()["id_number"] != NUMBER and detail.json()["can_reveal"] == (role in REVEALS)
    reveal = api_client.post(url + "reveal", {"purpose": "contact"}, format="json")
    if role in REVEALS:
        assert reveal.status_code == 200
        assert (reveal.json()["id_number"], reveal.json()["phone"]) == (NUMBER, PHONE)
        assert PersonalDataView.objects.get().purpose == "联系学员"
        assert PersonalDataView.objects.get().viewer == user
    else:
        assert reveal.status_code == (403 if role in SEES else 404)
        assert not PersonalDataView.objects.exists()


def test_enrol_one_by_json(api_client, operator, approved_class):
    api_client.force_authenticate(operator)
    body = {"id_number": NUMBER, "name": "张三", "phone": PHONE, "groups": ["veteran", "脱贫人口"]}
    response = api_client.post(_url(approved_class), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "enrolled" and data["person"]["id_number"].startswith("5001****")
    assert sorted(data["person"]["groups"]) == ["poverty_alleviated", "veteran"]


@pytest.mark.parametrize(
    ("case", "body", "rule", "field", "detail"),
    [
        ("no number", {"name": "张三"}, "R8.3", "id_number", "身份证号码不能为空"),
        (
            "wrong check digit",
            {"id_number": with_wrong_check(NUMBER), "name": "张三"},
            "R11.1",
            "id_number",
            "校验码",
        ),
        ("15 digits", {"id_number": "500103700101007", "name": "张三"}, "R11.1", "id_number", "15 位旧号码"),
        (
            "under 16",
            {"id_number": id_number(date(2011, 1, 1)), "name": "张三"},
            "R11.2",
            "id_number",
            "未满 16 周岁",
        ),
        (
            "relation on a non-enterprise class",
            {"id_number": NUMBER, "name": "张三", "relation": "employee"},
            None,
            "relation",
            "只有企业职工培训班",
        ),
        (
            "bad phone",
            {"id_number": NUMBER, "name": "张三", "phone": "123"},
            None,
            "phone",
            "联系电话格式不正确",
        ),
    ],
)
def test_enrol_errors_are_detail_rule_field(
    api_client, operator, approved_class, case, body, rule, field, detail
):
    api_client.force_authenticate(operator)
    response = api_client.post(_url(approved_class), body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert (data.get("rule"), data["field"]) == (rule, field) and detail in data["detail"]
    assert Enrolment.objects.count() == 0 and Person.objects.count() == 0


def test_enterprise_relation_by_api(api_client, operator):
    training_class = TrainingClassFactory(enterprise=True)
    training_class.institution.members.add(operator)
    api_client.force_authenticate(operator)
    missing = api_client.post(_url(training_class), {"id_number": NUMBER, "name": "张三"}, format="json")
    assert missing.status_code == 400 and (missing.json()["rule"], missing.json()["field"]) == (
        "R4.2",
        "relation",
    )
    ok = api_client.post(
        _url(training_class), {"id_number": NUMBER, "name": "张三", "relation": "employee"}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["relation_label"] == "与本企业建立劳动关系的职工"


def _roster(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号码"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "roster.xlsx"
    return buffer


def test_roster_upload_201_or_400_with_every_row_error(api_client, operator, approved_class):
    api_client.force_authenticate(operator)
    rows = [[numbered("学员", n), nth_id_number(n)] for n in range(1, 31)]
    rows[15][1] = with_wrong_check(rows[15][1])
    rows[20][0] = ""
    bad = api_client.post(_url(approved_class, "roster"), {"file": _roster(rows)}, format="multipart")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "共 2 处错误，未导入任何数据"
    assert [(e["row"], e["field"]) for e in bad.json()["errors"]] == [(17, "身份证号码"), (22, "姓名")]
    assert Enrolment.objects.count() == 0
    rows[15][1], rows[20][0] = nth_id_number(16), numbered("学员", 21)
    good = api_client.post(_url(approved_class, "roster"), {"file": _roster(rows)}, format="multipart")
    assert good.status_code == 201
    assert good.json() == {
        "enrolled": 30,
        "persons_created": 30,
        "persons_reused": 0,
        "with_warnings": 0,
        "already_enrolled": 0,
    }
    again = api_client.post(
        _url(approved_class, "roster"),
        {"file": _roster([*rows, [numbered("学员", 31), nth_id_number(31)]])},
        format="multipart",
    )
    assert again.status_code == 201
    assert (again.json()["enrolled"], again.json()["already_enrolled"]) == (1, 30)
    assert Enrolment.objects.count() == 31
    assert api_client.post(_url(approved_class, "roster"), {}, format="multipart").json()["field"] == "file"


@pytest.mark.parametrize("role", ROLES)
def test_write_api_permission_matrix(api_client, people, enrolment, role):
    training_class = enrolment.training_class
    api_client.force_authenticate(people[role])
    before = (Enrolment.objects.count(), Person.objects.count(), StateChange.objects.count())
    enrol = api_client.post(
        _url(training_class), {"id_number": nth_id_number(8), "name": "李四"}, format="json"
    )
    upload = api_client.post(
        _url(training_class, "roster"), {"file": _roster([["王五", nth_id_number(9)]])}, format="multipart"
    )
    withdraw = api_client.post(
        f"/api/v1/enrolments/{enrolment.pk}/withdraw", {"reason": "调岗"}, format="json"
    )
    codes = [enrol.status_code, upload.status_code, withdraw.status_code]
    if role == "operator":
        assert codes == [201, 201, 200] and withdraw.json()["status"] == "withdrawn"
    else:
        assert codes == [403 if role in SEES else 404] * 3
        assert (Enrolment.objects.count(), Person.objects.count(), StateChange.objects.count()) == before


def test_withdraw_api_needs_a_reason(api_client, operator, enrolment):
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/enrolments/{enrolment.pk}/withdraw", {}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    assert Enrolment.objects.get(pk=enrolment.pk).status == "enrolled"


def test_token_authentication(api_client, operator, enrolment):
    token = Token.objects.create(user=operator)
    assert api_client.get(_url(enrolment.training_class)).status_code in {401, 403}
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(_url(enrolment.training_class)).json()["count"] == 1


def test_roster_upload_retried_with_an_idempotency_key_enrols_once(operator, approved_class):
    """A multipart upload goes through the idempotency guard (issue 16, item 4) intact."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    content = _roster([[numbered("学员", n), nth_id_number(n)] for n in range(1, 4)]).getvalue()

    def upload():
        file = io.BytesIO(content)
        file.name = "roster.xlsx"
        return client.post(
            _url(approved_class, "roster"),
            {"file": file},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="roster-2026-12-07-1",
        )

    first, again = upload(), upload()

    assert first.status_code == 201 and first.json()["enrolled"] == 3
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Enrolment.objects.count() == 3
