"""Journey (a): a training institution registers itself on the public page; the district
officer finds it, recognises it and recognises an occupation; the institution sees it may now
apply for classes. Through the UI only, every page scanned with axe-core."""

import pytest

from apps.core.models import StateChange
from apps.institutions.models import Institution, InstitutionStatus
from tests.factories import PASSWORD, OccupationFactory, UserFactory, uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_institution_registers_and_the_district_officer_recognises_it(portal):
    lathe = OccupationFactory()  # 车工 6-18-01-01
    officer = UserFactory(officer=True, username="officer.yuzhong")

    school = portal()
    school.goto("/accounts/login/")
    school.follow("培训机构注册")
    school.field("机构名称").fill("重庆渝中e2e职业培训学校")
    school.field("统一社会信用代码").fill(uscc(901))
    school.field("机构类型").select_option(label="区县级民办职业培训学校")
    school.field("所在区县").select_option(label="渝中区")
    school.field("地址").fill("渝中区解放碑民族路 1 号")
    school.field("联系人").fill("王校长")
    school.field("联系电话").fill("023-63001234")
    school.field("开户银行").fill("重庆银行解放碑支行")
    school.field("银行账号").fill("6216610200001234567")
    school.field("用户名").fill("school.e2e")
    school.field("密码").fill(PASSWORD)
    school.field("再次输入密码").fill(PASSWORD)
    school.field("经办人姓名").fill("李经办")
    school.field("经办人手机号码").fill("13800001234")
    school.submit("注册并提交认定申请")
    assert "注册成功" in school.message()
    institution = Institution.objects.get(name="重庆渝中e2e职业培训学校")
    assert institution.status == InstitutionStatus.APPLIED

    district = portal(officer)
    district.goto("/institutions/?status=applied")
    district.follow("重庆渝中e2e职业培训学校")
    action = district.page.locator("form.action").filter(has_text="认定机构")
    district.field("原因", action).fill("办学许可证、场地和师资材料齐全")
    action.get_by_role("checkbox").check()
    district.submit(action.get_by_role("button", name="认定"))
    assert "已认定" in district.text("h1")
    recognitions = district.page.locator("#recognitions")
    district.field("职业（工种）", recognitions).select_option(value=str(lathe.pk))
    district.field("等级", recognitions).select_option(value="4")
    assert district.field("认定日期", recognitions).input_value() != ""  # today, shown (ISO)
    district.submit(recognitions.get_by_role("button", name="认定"))
    assert "已认定 " in district.message()
    assert "6-18-01-01" in district.text("#recognitions table")

    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.RECOGNISED
    change = StateChange.objects.filter(object_id=institution.pk, to_state="recognised").get()
    assert change.actor == officer and "材料齐全" in change.reason

    school.goto(f"/institutions/{institution.pk}/")
    assert "可以申请开班" in school.text("main")
