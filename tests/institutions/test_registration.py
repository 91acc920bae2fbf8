"""Self-registration of training institutions and employers: the account and the organisation
are saved together or not at all, with a Chinese error naming the field."""

import pytest
from django.urls import reverse

from apps.accounts.models import Role, User
from apps.core.errors import ApplicationError
from apps.core.selectors import state_changes_for
from apps.institutions import services
from apps.institutions.models import Employer, Institution, InstitutionStatus
from tests.factories import NumberedEmployerFactory, NumberedInstitutionFactory, district, uscc

pytestmark = pytest.mark.django_db

GOOD_CODE = uscc(777)


def _institution_data(**overrides):
    data = {
        "username": "jiangxin",
        "password": "Peixun-School-2021",
        "password_again": "Peixun-School-2021",
        "full_name": "李老师",
        "phone": "13800001111",
        "name": "重庆市渝中区新培职业培训学校",
        "uscc": GOOD_CODE,
        "kind": "district_private_school",
        "district": district("500103").pk,
        "address": "重庆市渝中区中山一路 1 号",
        "contact_name": "李老师",
        "contact_phone": "023-63001111",
        "bank_name": "中国建设银行重庆渝中支行",
        "bank_account": "5000 1234 5678 9012 345",
    }
    data.update(overrides)
    return data


def _service_args(**overrides):
    data = _institution_data(**overrides)
    data.pop("password_again")
    data["district"] = district("500103")
    return data


def test_registration_creates_an_operator_and_an_applied_institution_and_logs_in(client):
    response = client.post(reverse("institutions:institution_register"), _institution_data(), follow=True)

    assert response.status_code == 200
    user = User.objects.get(username="jiangxin")
    institution = Institution.objects.get(uscc=GOOD_CODE)
    assert (user.role, user.district, user.full_name, user.phone) == (
        Role.INSTITUTION_OPERATOR,
        district("500103"),
        "李老师",
        "13800001111",
    )
    assert user.check_password("Peixun-School-2021")
    assert (institution.status, institution.district, institution.bank_account) == (
        InstitutionStatus.APPLIED,
        district("500103"),
        "5000123456789012345",
    )
    assert list(institution.members.all()) == [user]
    [log] = state_changes_for(obj=institution)
    assert (log.actor, log.from_state, log.to_state) == (user, "", InstitutionStatus.APPLIED)
    assert response.wsgi_request.user == user
    body = response.content.decode()
    assert "培训机构经办人工作台" in body and "重庆市渝中区新培职业培训学校" in body and "已申请" in body


FAILURES = [
    pytest.param(
        {"uscc": GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")}, "uscc", "校验码", id="bad check"
    ),
    pytest.param({"uscc": "52500103MJP12345"}, "uscc", "18 位", id="too short"),
    pytest.param({"uscc": "52500103MJP12345IO"}, "uscc", "不使用的字符", id="letters I and O"),
    pytest.param(
        {"password": "12345678", "password_again": "12345678"}, "password", "密码", id="weak password"
    ),
    pytest.param({"password": "short", "password_again": "short"}, "password", "太短", id="short password"),
    pytest.param({"password_again": "Other-2021-x"}, "password_again", "不一致", id="passwords differ"),
    pytest.param({"bank_account": "62-22"}, "bank_account", "银行账号", id="bad bank account"),
    pytest.param({"phone": "12345"}, "phone", "手机号码", id="bad mobile"),
    pytest.param({"contact_phone": "电话"}, "contact_phone", "联系电话", id="bad contact phone"),
    pytest.param({"kind": ""}, "kind", "", id="no kind"),
    pytest.param({"district": ""}, "district", "", id="no district"),
    pytest.param({"name": ""}, "name", "", id="no name"),
    pytest.param({"username": "bad name!"}, "username", "", id="bad username"),
]


@pytest.mark.parametrize(("overrides", "field", "says"), FAILURES)
def test_a_bad_registration_saves_nothing_and_names_the_field(client, overrides, field, says):
    users, institutions = User.objects.count(), Institution.objects.count()

    response = client.post(reverse("institutions:institution_register"), _institution_data(**overrides))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    shown = " ".join(errors[field])
    assert says in shown and shown.count("R11.3") <= 1
    assert (User.objects.count(), Institution.objects.count()) == (users, institutions)
    assert "_auth_user_id" not in client.session


def test_a_duplicate_credit_code_is_refused_clearly(client):
    NumberedInstitutionFactory(uscc=GOOD_CODE)
    users, institutions = User.objects.count(), Institution.objects.count()

    response = client.post(
        reverse("institutions:institution_register"), _institution_data(uscc=GOOD_CODE.lower())
    )

    assert response.status_code == 400
    [message] = response.context["form"].errors["uscc"]
    assert f"统一社会信用代码 {GOOD_CODE} 已有培训机构注册" in message
    assert (User.objects.count(), Institution.objects.count()) == (users, institutions)


def test_a_taken_username_is_refused(client):
    User.objects.create_user(username="JiangXin", password="x", role=Role.AUDITOR)

    response = client.post(reverse("institutions:institution_register"), _institution_data())

    assert response.status_code == 400
    assert "已被使用" in response.context["form"].errors["username"][0]
    assert not Institution.objects.exists()


def test_a_failure_after_the_user_is_saved_rolls_everything_back(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(services, "state_change_record", fail)
    with pytest.raises(RuntimeError):
        services.institution_register(**_service_args())
    assert not User.objects.filter(username="jiangxin").exists()
    assert not Institution.objects.exists()


def test_a_concurrent_duplicate_becomes_the_same_clear_error(monkeypatch):
    original = Institution.save

    def save_after_a_rival(self, *args, **kwargs):
        if self.pk is None:
            original(NumberedInstitutionFactory.build(uscc=self.uscc))  # the rival wins the race
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Institution, "save", save_after_a_rival)
    with pytest.raises(ApplicationError) as exc:
        services.institution_register(**_service_args())
    assert exc.value.field == "uscc" and "已有培训机构注册" in exc.value.message
    assert not User.objects.filter(username="jiangxin").exists()


def test_a_logged_in_user_is_sent_home(client, officer_yuzhong):
    client.force_login(officer_yuzhong)
    response = client.get(reverse("institutions:institution_register"))
    assert response.status_code == 302 and response.url == reverse("core:home")


def test_the_register_page_is_public_and_offers_all_41_districts(client):
    response = client.get(reverse("institutions:institution_register"))
    assert response.status_code == 200
    assert len(response.context["form"].fields["district"].queryset) == 41


# Employers ------------------------------------------------------------------------------------


def _employer_data(**overrides):
    data = {
        "username": "sanxia",
        "password": "Peixun-Firm-2021",
        "password_again": "Peixun-Firm-2021",
        "full_name": "王会计",
        "phone": "13900002222",
        "name": "重庆三峡新材料有限公司",
        "uscc": uscc(888, prefix="91", region="500101"),
        "district": district("500101").pk,
        "address": "重庆市万州区高笋塘 8 号",
        "contact_name": "王会计",
        "contact_phone": "023-58001111",
        "parent_uscc": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("prefix", "label"),
    [
        pytest.param("91", "企业（91）", id="enterprise"),
        pytest.param("92", "个体工商户（92）", id="individual business"),
        pytest.param("52", "民办非企业单位（52）", id="private non-enterprise unit"),
        pytest.param("93", "农民专业合作社（93）", id="farmers' cooperative"),
    ],
)
def test_employer_registration_admits_the_entities_of_r4_2(client, prefix, label):
    code = uscc(888, prefix=prefix, region="500101")

    response = client.post(
        reverse("institutions:employer_register"), _employer_data(uscc=code, is_classified="on"), follow=True
    )

    assert response.status_code == 200
    employer = Employer.objects.get(uscc=code)
    user = User.objects.get(username="sanxia")
    assert (user.role, user.district, employer.is_classified, employer.entity_type_label) == (
        Role.ENTERPRISE_FILER,
        district("500101"),
        True,
        label,
    )
    assert list(employer.members.all()) == [user]
    assert state_changes_for(obj=employer).get().to_state == "registered"
    body = response.content.decode()
    assert "企业申报人工作台" in body and label in body


@pytest.mark.parametrize(
    ("prefix", "says"),
    [
        pytest.param("11", "11（机关）", id="government organ"),
        pytest.param("12", "12（事业单位）", id="public institution"),
        pytest.param("13", "13（中央编办直接管理机构编制的群众团体）", id="mass organisation"),
        pytest.param("19", "19（其他机构编制单位）", id="other state body"),
        pytest.param("A1", "A1（军队事业单位）", id="military unit"),
    ],
)
def test_employer_registration_refuses_government_bodies(client, prefix, says):
    response = client.post(
        reverse("institutions:employer_register"),
        _employer_data(uscc=uscc(888, prefix=prefix, region="500101")),
    )

    assert response.status_code == 400
    [message] = response.context["form"].errors["uscc"]
    assert says in message and "不能注册为用人单位" in message and "R4.2" in message
    assert not User.objects.filter(username="sanxia").exists() and not Employer.objects.exists()


def test_an_unassigned_entity_type_is_refused(client):
    response = client.post(
        reverse("institutions:employer_register"),
        _employer_data(uscc=uscc(888, prefix="99", region="500101")),
    )
    assert response.status_code == 400
    assert "不是已分配的登记管理部门和机构类别代码" in response.context["form"].errors["uscc"][0]


def test_a_subsidiary_names_its_group_by_credit_code(client):
    group = NumberedEmployerFactory(name="重庆三峡集团有限公司")

    response = client.post(reverse("institutions:employer_register"), _employer_data(parent_uscc=group.uscc))

    assert response.status_code == 302
    assert Employer.objects.get(name="重庆三峡新材料有限公司").parent == group


@pytest.mark.parametrize(
    ("parent", "says"),
    [
        pytest.param(uscc(999, prefix="91"), "未找到统一社会信用代码为", id="unknown group"),
        pytest.param("91500101MA5U12345X", "校验码", id="invalid group code"),
        pytest.param(uscc(888, prefix="91", region="500101"), "不能是本单位自己", id="itself"),
    ],
)
def test_a_bad_group_code_saves_nothing(client, parent, says):
    response = client.post(reverse("institutions:employer_register"), _employer_data(parent_uscc=parent))
    assert response.status_code == 400
    assert says in response.context["form"].errors["parent_uscc"][0]
    assert not User.objects.filter(username="sanxia").exists() and not Employer.objects.exists()


def test_a_duplicate_employer_and_a_weak_password_save_nothing(client):
    existing = NumberedEmployerFactory()
    response = client.post(reverse("institutions:employer_register"), _employer_data(uscc=existing.uscc))
    assert "已注册为用人单位" in response.context["form"].errors["uscc"][0]
    response = client.post(
        reverse("institutions:employer_register"),
        _employer_data(password="sanxia123", password_again="sanxia123"),
    )
    assert response.status_code == 400 and "password" in response.context["form"].errors
    assert Employer.objects.count() == 1 and not User.objects.filter(username="sanxia").exists()
