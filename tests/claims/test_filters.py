"""The claims' FilterSet narrows the claim list page and the claims API alike and refuses what it
cannot read, in Chinese (issue 15, item 4)."""

import pytest
from django.urls import reverse

from apps.claims.models import Claim
from tests.filtering import assert_page_and_api_agree, assert_refused

from .test_queue import _claims, yuzhong_filer  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
API = "/api/v1/claims/"


def test_claim_filters_narrow_page_and_api_alike(client, api_client, yuzhong_filer, officer, admin_user):  # noqa: F811
    _claims(yuzhong_filer, 2)
    _claims(yuzhong_filer, 1, start=2, months=("2022-01",))  # R3.1: a finding, amount 0
    page = reverse("claims:list")
    every = set(Claim.objects.values_list("pk", flat=True))
    flagged = set(Claim.objects.filter(total=0).values_list("pk", flat=True))

    def agree(query, user=officer):
        return assert_page_and_api_agree(client, api_client, user, page, API, query)

    assert agree("status=waiting") == every
    assert agree("status=approved") == set()
    assert agree("has_findings=1") == flagged
    assert agree("amount_min=100&amount_max=1000") == every - flagged
    assert agree("claimant=以工代训&kind=work_for_training") == every
    assert agree("district=500103", admin_user) == every
    assert agree("district=500101", admin_user) == set()
    assert_refused(client, api_client, officer, page, API, "amount_min=abc", "amount_min")
    assert_refused(client, api_client, officer, page, API, "status=lost", "status")
    assert_refused(client, api_client, officer, page, API, "kind=bonus", "kind")


def test_the_page_offers_what_the_user_may_choose(client, yuzhong_filer, officer, admin_user):  # noqa: F811
    client.force_login(yuzhong_filer)
    html = client.get(reverse("claims:list")).content.decode()
    assert 'name="claimant"' not in html and 'name="district"' not in html
    client.force_login(admin_user)
    html = client.get(reverse("claims:list") + "?status=waiting").content.decode()
    for label in (
        "申领类型",
        "状态",
        "培训机构或用人单位",
        "区县",
        "申领金额从（元）",
        "至（元）",
        "校验结果或稽核疑点",
    ):
        assert f"<label>{label} " in html
    assert '<option value="waiting" selected>待审核（已提交、审核中）</option>' in html
    assert 'placeholder="名称或统一社会信用代码"' in html
