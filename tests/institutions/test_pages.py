"""The institution and employer pages as their users meet them: filters, sorting, empty states,
action forms shown only to those allowed, confirmation and reasons, errors next to the field."""

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.core.selectors import state_changes_for
from apps.institutions import services
from apps.institutions.models import InstitutionKind, InstitutionOccupation, InstitutionStatus
from tests.factories import (
    InstitutionOccupationFactory,
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    OccupationFactory,
    UserFactory,
    district,
)

pytestmark = pytest.mark.django_db


def _detail(client, user, institution):
    client.force_login(user)
    return client.get(reverse("institutions:institution_detail", args=[institution.pk]))


def _action_targets(response):
    return [a.to for a in response.context["actions"]]


def test_the_officer_is_offered_suspend_and_revoke_on_a_recognised_school(client, officer_yuzhong):
    school = NumberedInstitutionFactory()
    response = _detail(client, officer_yuzhong, school)
    assert _action_targets(response) == ["suspended", "revoked"]
    body = response.content.decode()
    assert "暂停机构：已认定 → 暂停" in body and "撤销是最终操作" in body
    assert 'name="confirm"' in body and "新增认定" in body and "录入或修改某一年度" in body
    assert "高技能人才培训基地</h2>" not in body  # the admin's form


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(InstitutionStatus.APPLIED, ["recognised", "revoked"], id="applied"),
        pytest.param(InstitutionStatus.RECOGNISED, ["filed", "suspended", "revoked"], id="recognised centre"),
        pytest.param(InstitutionStatus.FILED, ["suspended", "revoked"], id="filed"),
        pytest.param(InstitutionStatus.REVOKED, [], id="revoked: final"),
    ],
)
def test_the_admin_is_offered_the_moves_of_the_table(client, municipal_admin, status, expected):
    centre = NumberedInstitutionFactory(enterprise_centre=True, status=status)
    assert _action_targets(_detail(client, municipal_admin, centre)) == expected


def test_a_suspended_filed_centre_is_offered_reinstatement_as_filed(client, municipal_admin):
    centre = NumberedInstitutionFactory(filed=True)
    services.institution_transition(institution=centre, actor=municipal_admin, to="suspended", reason="核查")
    assert _action_targets(_detail(client, municipal_admin, centre)) == ["filed", "revoked"]


@pytest.mark.parametrize("role", ["auditor", "reviewer", "operator"])
def test_readers_get_no_action_forms(client, role):
    school = NumberedInstitutionFactory()
    user = UserFactory(**{role: True}, engaged=[district("500103")] if role == "reviewer" else None)
    if role == "operator":
        school.members.add(user)
    body = _detail(client, user, school).content.decode()
    assert 'id="actions"' not in body and "新增认定" not in body and "取消认定" not in body
    assert ("修改地址、联系人和银行账户" in body) is (role == "operator")


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        pytest.param(
            {"to": "suspended", "reason": "投诉核查"}, "confirm", "请勾选确认后再提交", id="not confirmed"
        ),
        pytest.param({"to": "suspended", "confirm": "on"}, "reason", "", id="no reason"),
        pytest.param(
            {"to": "filed", "reason": "备案", "confirm": "on"}, "to", "只有企业职工培训中心", id="forbidden"
        ),
        pytest.param(
            {"to": "applied", "reason": "退回", "confirm": "on"},
            "to",
            "不能从“已认定”变更为“已申请”",
            id="backwards",
        ),
    ],
)
def test_a_refused_action_shows_why_and_changes_nothing(client, municipal_admin, data, field, says):
    school = NumberedInstitutionFactory()
    client.force_login(municipal_admin)

    response = client.post(reverse("institutions:institution_transition", args=[school.pk]), data)

    assert response.status_code == 400
    form = response.context["transition_form"]
    assert field in form.errors and says in " ".join(form.errors[field])
    assert "操作未执行" in response.content.decode()
    school.refresh_from_db()
    assert school.status == InstitutionStatus.RECOGNISED and not state_changes_for(obj=school).exists()


def test_a_confirmed_action_changes_status_and_shows_it_in_the_history(client, officer_yuzhong):
    school = NumberedInstitutionFactory(applied=True)
    client.force_login(officer_yuzhong)

    response = client.post(
        reverse("institutions:institution_transition", args=[school.pk]),
        {"to": "recognised", "reason": "现场核查合格", "confirm": "on"},
        follow=True,
    )

    body = response.content.decode()
    assert "机构状态已变更为“已认定”" in body
    assert "已申请 → 已认定" in body and "现场核查合格" in body
    assert '<span class="status status-recognised">已认定</span>' in body


def test_the_r6_2_refusal_is_shown_next_to_the_level(client, officer_yuzhong):
    school = NumberedInstitutionFactory(kind=InstitutionKind.DISTRICT_PRIVATE_SCHOOL)
    cook = OccupationFactory(cook=True)
    client.force_login(officer_yuzhong)

    response = client.post(
        reverse("institutions:recognition_add", args=[school.pk]),
        {"occupation": cook.pk, "level": "2", "recognised_on": "2021-05-01"},
    )

    assert response.status_code == 400
    [error] = response.context["recognition_form"].errors["level"]
    assert error.count("R6.2") == 1 and error.endswith("(R6.2)") and "不得开展技师培训" in error
    assert not InstitutionOccupation.objects.exists()


def test_removing_a_recognition_asks_for_confirmation_and_a_reason(client, officer_yuzhong):
    row = InstitutionOccupationFactory()
    url = reverse("institutions:recognition_remove", args=[row.institution.pk, row.pk])
    client.force_login(officer_yuzhong)
    assert "确认取消认定" in client.get(url).content.decode()

    assert client.post(url, {"reason": "师资不足"}).status_code == 400
    assert InstitutionOccupation.objects.exists()

    assert client.post(url, {"reason": "师资不足", "confirm": "on"}).status_code == 302
    assert not InstitutionOccupation.objects.exists()


def test_the_yearly_form_saves_and_refuses_a_score_above_100(client, officer_yuzhong):
    school = NumberedInstitutionFactory()
    client.force_login(officer_yuzhong)
    url = reverse("institutions:year_set", args=[school.pk])
    response = client.post(url, {"year": "2021", "evaluation_score": "100.5", "plan_quota": "10"})
    assert response.status_code == 400 and "evaluation_score" in response.context["year_form"].errors
    # Issue 19, part 2: the typed score overrides the computed one, so it needs a reason.
    response = client.post(url, {"year": "2021", "evaluation_score": "92.5", "plan_quota": "320"})
    assert response.status_code == 400
    assert response.context["year_form"].errors["reason"] == [
        "填写或修改综合评估得分须说明原因（人工覆盖计算得分）"
    ]
    assert "人工覆盖得分（留空则采用系统计算得分）" in response.content.decode()
    data = {"year": "2021", "evaluation_score": "92.5", "plan_quota": "320", "reason": "现场复核"}
    assert client.post(url, data).status_code == 302
    body = client.get(reverse("institutions:institution_detail", args=[school.pk])).content.decode()
    assert "92.50" in body and "320" in body and "2021 年度：人工覆盖综合评估得分 — → 92.50" in body
    assert "现场复核" in body
    # The plan changed, the score kept: no reason needed.
    data = {"year": "2021", "evaluation_score": "92.50", "plan_quota": "330", "reason": ""}
    assert client.post(url, data).status_code == 302


def test_the_admin_names_a_high_skill_base_from_the_page(client, municipal_admin):
    school = NumberedInstitutionFactory(municipal_school=True)
    client.force_login(municipal_admin)
    assert "high_skill_high_skill_base" in _detail(client, municipal_admin, school).content.decode()
    response = client.post(
        reverse("institutions:high_skill_set", args=[school.pk]),
        {"high_skill_base": "national", "reason": "部批复"},
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.high_skill_base == "national"


def test_the_operator_edits_its_details_with_errors_next_to_the_field(client):
    operator = UserFactory(operator=True)
    school = NumberedInstitutionFactory(members=[operator])
    client.force_login(operator)
    url = reverse("institutions:institution_edit", args=[school.pk])
    data = {
        "address": "新地址",
        "contact_name": "",
        "contact_phone": "",
        "bank_name": "",
        "bank_account": "12",
    }
    response = client.post(url, data)
    assert (
        response.status_code == 400
        and "银行账号应为 8–32 位数字" in response.context["form"].errors["bank_account"][0]
    )
    data["bank_account"] = "6222000011112222"
    assert client.post(url, data).status_code == 302
    school.refresh_from_db()
    assert (school.address, school.bank_account) == ("新地址", "6222000011112222")


# The list -------------------------------------------------------------------------------------


@pytest.fixture
def spread():
    NumberedInstitutionFactory(name="渝中甲培训学校", applied=True)
    NumberedInstitutionFactory(name="渝中乙技工学校", kind=InstitutionKind.TECHNICAL_COLLEGE)
    NumberedInstitutionFactory(name="万州丙培训中心", wanzhou=True, enterprise_centre=True, filed=True)


def _names(response):
    return [i.name for i, _ in response.context["rows"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["渝中乙技工学校", "渝中甲培训学校", "万州丙培训中心"], id="all, by district"),
        pytest.param("status=applied", ["渝中甲培训学校"], id="by status"),
        pytest.param("kind=technical_college", ["渝中乙技工学校"], id="by kind"),
        pytest.param("district=500101", ["万州丙培训中心"], id="by district"),
        pytest.param("q=技工", ["渝中乙技工学校"], id="by name"),
        pytest.param(
            "sort=-name",
            ["渝中甲培训学校", "渝中乙技工学校", "万州丙培训中心"],
            id="sorted by name, descending",
        ),
        pytest.param("q=nothing", [], id="nothing found"),
    ],
)
def test_list_filters_and_sorting(client, municipal_admin, spread, query, expected):
    client.force_login(municipal_admin)
    response = client.get(reverse("institutions:institution_list") + "?" + query)
    assert sorted(_names(response)) == sorted(expected)
    if query.startswith("sort"):
        assert _names(response) == expected
    if not expected:
        assert "没有符合条件的培训机构" in response.content.decode()


def test_list_searches_by_credit_code_prefix_and_counts_by_status(client, officer_yuzhong, spread):
    school = NumberedInstitutionFactory(name="按代码查找的学校")
    client.force_login(officer_yuzhong)
    response = client.get(reverse("institutions:institution_list") + f"?q={school.uscc[:17].lower()}")
    assert _names(response) == ["按代码查找的学校"]
    assert {v: n for v, _, n in response.context["statuses"]}["applied"] == 1
    assert response.context["total"] == 3  # 渝中区 only
    assert response.context["districts"] is None  # no district filter for an officer


def test_list_paginates(client, officer_yuzhong, settings):
    settings.PAGINATE_BY = 2
    for _ in range(5):
        NumberedInstitutionFactory()
    client.force_login(officer_yuzhong)
    response = client.get(reverse("institutions:institution_list") + "?page=3")
    assert len(response.context["rows"]) == 1
    assert "共 5 条，第 3 / 3 页" in response.content.decode()


def test_an_empty_list_says_what_to_do_next(client, officer_wanzhou):
    client.force_login(officer_wanzhou)
    body = client.get(reverse("institutions:institution_list")).content.decode()
    assert "您的工作范围内还没有培训机构" in body and "机构注册入口" in body


# Navigation and home ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        pytest.param(Role.DISTRICT_OFFICER, ["培训机构", "用人单位"], ["我的机构", "我的企业"], id="officer"),
        pytest.param(Role.MUNICIPAL_ADMIN, ["培训机构", "用人单位"], ["我的机构"], id="admin"),
        pytest.param(Role.AUDITOR, ["培训机构", "用人单位"], ["我的机构"], id="auditor"),
        pytest.param(Role.THIRD_PARTY_REVIEWER, ["培训机构"], ["用人单位", "我的机构"], id="reviewer"),
        pytest.param(Role.INSTITUTION_OPERATOR, ["我的机构"], ["培训机构</a>", "用人单位"], id="operator"),
        pytest.param(Role.ENTERPRISE_FILER, ["我的企业"], ["我的机构", "用人单位"], id="filer"),
    ],
)
def test_navigation_per_role(client, role, shown, hidden):
    client.force_login(UserFactory(role=role, district=district("500103")))
    nav = [item["label"] for item in client.get(reverse("core:home")).context["nav_items"]]
    for label in shown:
        assert label in nav
    for label in hidden:
        assert label.removesuffix("</a>") not in nav


def test_the_officer_home_shows_institutions_waiting_for_recognition(client, officer_yuzhong):
    NumberedInstitutionFactory(applied=True)
    NumberedInstitutionFactory(applied=True, wanzhou=True)
    client.force_login(officer_yuzhong)
    body = client.get(reverse("core:home")).content.decode()
    assert "1 家培训机构等待认定" in body and "最早的已等待 0 天" in body


def test_the_operator_home_links_to_its_institution(client):
    operator = UserFactory(operator=True)
    school = NumberedInstitutionFactory(members=[operator])
    client.force_login(operator)
    body = client.get(reverse("core:home")).content.decode()
    assert reverse("institutions:institution_detail", args=[school.pk]) in body


# Employers ------------------------------------------------------------------------------------


def test_employer_pages_show_the_entity_type_the_group_and_its_subsidiaries(client, officer_wanzhou):
    group = NumberedEmployerFactory(name="重庆三峡集团有限公司")
    NumberedEmployerFactory(name="重庆三峡电缆有限公司", parent=group, classified=True)
    client.force_login(officer_wanzhou)

    body = client.get(reverse("institutions:employer_detail", args=[group.pk])).content.decode()
    assert "企业（91）" in body and "重庆三峡电缆有限公司" in body

    listed = client.get(reverse("institutions:employer_list") + "?classified=1")
    assert [e.name for e in listed.context["page"].object_list] == ["重庆三峡电缆有限公司"]
    assert "重庆三峡集团有限公司" in listed.content.decode()  # as the group


def test_an_empty_employer_list_says_what_to_do_next(client, officer_yuzhong):
    client.force_login(officer_yuzhong)
    body = client.get(reverse("institutions:employer_list")).content.decode()
    assert "您的工作范围内还没有用人单位" in body
