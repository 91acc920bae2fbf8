"""The institutions' and employers' FilterSets narrow the list pages and the list APIs alike and
refuse what they cannot read, in Chinese (issue 15, item 4)."""

import pytest
from django.urls import reverse

from tests.factories import NumberedEmployerFactory, NumberedInstitutionFactory
from tests.filtering import assert_page_and_api_agree, assert_refused

pytestmark = pytest.mark.django_db

INSTITUTIONS = "/api/v1/institutions/"
EMPLOYERS = "/api/v1/employers/"


@pytest.fixture
def spread():
    return {
        "applied": NumberedInstitutionFactory(applied=True, name="申请中学校"),
        "centre": NumberedInstitutionFactory(enterprise_centre=True, name="企业培训中心"),
        "wanzhou": NumberedInstitutionFactory(wanzhou=True, name="万州学校"),
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("status=applied", {"申请中学校"}),
        ("kind=enterprise_centre", {"企业培训中心"}),
        ("district=500101", {"万州学校"}),
        ("q=万州", {"万州学校"}),
        ("status=recognised&district=500103", {"企业培训中心"}),
    ],
)
def test_institution_filters_narrow_page_and_api_alike(
    client, api_client, municipal_admin, spread, query, names
):
    page = reverse("institutions:institution_list")
    ids = assert_page_and_api_agree(client, api_client, municipal_admin, page, INSTITUTIONS, query)
    assert ids == {i.pk for i in spread.values() if i.name in names}


@pytest.mark.parametrize(
    ("query", "field"), [("status=open", "status"), ("kind=x", "kind"), ("district=1", "district")]
)
def test_institution_filter_refuses_an_unknown_value(
    client, api_client, municipal_admin, spread, query, field
):
    page = reverse("institutions:institution_list")
    assert_refused(client, api_client, municipal_admin, page, INSTITUTIONS, query, field)


def test_the_page_keeps_the_chinese_labels_and_parameter_names(
    client, municipal_admin, officer_yuzhong, spread
):
    client.force_login(municipal_admin)
    html = client.get(reverse("institutions:institution_list") + "?status=applied&sort=name").content.decode()
    for label in ("机构名称或统一社会信用代码", "状态", "机构类型", "所在区县"):
        assert f"<label>{label} " in html
    assert '<option value="applied" selected>' in html
    assert '<input type="hidden" name="sort" value="name">' in html
    client.force_login(officer_yuzhong)
    assert 'name="district"' not in client.get(reverse("institutions:institution_list")).content.decode()


def test_employer_filters_narrow_page_and_api_alike(client, api_client, municipal_admin):
    secret = NumberedEmployerFactory(classified=True, name="涉密单位")
    plain = NumberedEmployerFactory(yuzhong=True, name="普通单位")
    page = reverse("institutions:employer_list")
    agree = assert_page_and_api_agree
    assert agree(client, api_client, municipal_admin, page, EMPLOYERS, "classified=1") == {secret.pk}
    assert agree(client, api_client, municipal_admin, page, EMPLOYERS, "classified=0") == {plain.pk}
    assert agree(client, api_client, municipal_admin, page, EMPLOYERS, "district=500103") == {plain.pk}
    assert agree(client, api_client, municipal_admin, page, EMPLOYERS, "q=涉密") == {secret.pk}
    assert_refused(client, api_client, municipal_admin, page, EMPLOYERS, "classified=yes", "classified")
