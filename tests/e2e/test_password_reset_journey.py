"""A forgotten password (issue 17, item 7): the district officer resets an institution operator's
password from 账号管理, reads the temporary password once, the operator logs in with it, is held
on the change-password page until they choose their own, and then reaches their home page. On a
390 px phone screen (no page wider than the screen) and at full width, through the UI only, every
page scanned with axe-core."""

import pytest

from apps.accounts.models import PasswordReset
from apps.notices.models import Notice
from tests.factories import PASSWORD, UserFactory, district

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
NEW_PASSWORD = "Jiangxin-2021-new"


@pytest.mark.parametrize("width", [390, 1366])
def test_the_officer_resets_a_forgotten_password_and_the_operator_chooses_a_new_one(portal, width):
    yuzhong = district("500103")
    officer = UserFactory(officer=True, username="officer.yuzhong", district=yuzhong)
    operator = UserFactory(operator=True, username="school.jiangxin", full_name="李校长", district=yuzhong)
    UserFactory(filer=True, username="enterprise.wanzhou", district=district("500101"))  # not theirs

    desk = Screen(portal(), width)
    bureau = desk.portal
    bureau.login(officer.username)
    assert bureau.page.locator('a[href="/accounts/users/"]').count() >= 1  # offered in the menu
    bureau.goto("/accounts/users/")
    desk.measure()
    listed = bureau.text("main")
    assert "school.jiangxin" in listed and "enterprise.wanzhou" not in listed
    bureau.follow(f"重置密码：{operator.username}")
    desk.measure()
    assert "将重置 school.jiangxin（李校长" in bureau.text("main")
    bureau.submit("确认重置密码")
    desk.measure()
    temporary = bureau.page.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == 12
    assert "此密码只显示这一次" in bureau.text("main")
    bureau.follow("返回账号管理")
    assert "待修改临时密码" in bureau.text("main")
    bureau.follow("密码重置记录")
    desk.measure()
    assert "school.jiangxin" in bureau.text("main") and "officer.yuzhong" in bureau.text("main")

    phone = Screen(portal(), width)
    school = phone.portal
    school.goto("/accounts/login/")
    school.field("用户名").fill(operator.username)
    school.field("密码").fill(PASSWORD)  # the old password no longer works
    school.submit("登录")
    assert "用户名或密码错误" in school.text("main")
    school.field("密码").fill(temporary)
    school.submit("登录")
    assert school.page.url.endswith("/accounts/password/")
    phone.measure()
    assert "您的密码已被重置" in school.text("main")
    school.goto("/claims/")  # held on the change-password page until it is changed
    assert school.page.url.endswith("/accounts/password/")

    school.field("旧密码").fill(temporary)
    school.field("新密码").fill(NEW_PASSWORD)
    school.field("新密码确认").fill(NEW_PASSWORD)
    school.submit("保存新密码")
    assert school.page.url == f"{school.base_url}/"
    phone.measure()
    assert "密码已修改" in school.message()
    school.goto("/notices/")
    assert "您的登录密码已被重置" in school.text("main")

    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD) and not operator.must_change_password
    assert PasswordReset.objects.filter(user=operator, actor=officer).count() == 1
    assert Notice.objects.filter(recipient=operator, kind="password_reset").count() == 1
    assert not desk.too_wide() and not phone.too_wide(), desk.widths + phone.widths
