"""Journey (t1): 渝中区's officer finds the third-party agency in the navigation, signs a claim-audit
contract with it on the form, then lists it on the blacklist with a written reason; the agency's
reviewer, signed in meanwhile, is sent to the login page on their next page, which says why, and
cannot log in again. The municipal admin sees the blacklisting on the agency's page and lifts it.
Through the UI only, every page scanned with axe-core."""

import pytest
from django.utils import timezone

from apps.institutions.models import AgencyStaff, AgencyStatus, ServiceContract
from tests.factories import PASSWORD, ServiceContractFactory, ThirdPartyAgencyFactory, UserFactory, district

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_officer_blacklists_an_agency_and_its_reviewer_is_logged_out(portal):
    agency = ThirdPartyAgencyFactory(name="重庆某评审事务所")
    ServiceContractFactory(agency=agency, district=district("500103"), number="YZ-OLD-1")
    reviewer = UserFactory(reviewer=True, username="reviewer.e2e")
    AgencyStaff.objects.create(agency=agency, user=reviewer)
    officer = UserFactory(officer=True, username="officer.e2e")
    admin = UserFactory(municipal_admin=True, username="admin.e2e")

    third_party = portal(reviewer)
    third_party.follow("培训机构")
    assert "/accounts/login/" not in third_party.page.url

    desk = portal(officer)
    desk.follow("第三方机构")
    desk.follow("重庆某评审事务所")
    desk.follow("签订服务合同")
    today = timezone.localdate()
    desk.field("合同编号").fill("YZ-2026-07")
    desk.field("签约区县").select_option(label="渝中区")
    desk.field("服务区县").select_option(label="渝中区")
    desk.field("服务内容").select_option(label="申领审核")
    desk.field("开始日期").fill(today.isoformat())
    desk.field("结束日期").fill(today.replace(year=today.year + 1).isoformat())
    desk.field("合同金额（元）").fill("120000")
    desk.submit("提交")
    assert "已签订服务合同 YZ-2026-07" in desk.message()
    assert ServiceContract.objects.get(number="YZ-2026-07").audits_claims

    desk.follow("列入黑名单")
    desk.submit("提交")  # no reason: refused on the form
    assert desk.page.locator(".field-error").count() == 1
    desk.field("原因").fill("出具虚假审核意见，经核实属实")
    desk.submit("提交")
    assert "已列入黑名单" in desk.message()
    assert "出具虚假审核意见，经核实属实" in desk.text()
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.BLACKLISTED

    third_party.follow("首页")
    assert "/accounts/login/" in third_party.page.url
    assert "所在第三方机构已被列入黑名单" in third_party.message()
    third_party.field("用户名").fill("reviewer.e2e")
    third_party.field("密码").fill(PASSWORD)
    third_party.submit("登录")
    assert "/accounts/login/" in third_party.page.url
    assert "所在第三方机构已被列入黑名单" in third_party.text()

    city = portal(admin)
    city.goto(f"/institutions/agencies/{agency.pk}/")
    assert "列入黑名单" in city.text()
    city.follow("解除黑名单")
    city.field("原因").fill("已整改并通过复核")
    city.submit("提交")
    assert "已解除黑名单" in city.message()
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.ACTIVE
    third_party.login("reviewer.e2e")
