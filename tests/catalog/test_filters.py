"""The occupation and rate-table FilterSets narrow the pages and the APIs alike and refuse what
they cannot read, in Chinese (issue 15, item 4)."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import OccupationFactory, RateRowFactory, district
from tests.filtering import assert_page_and_api_agree, assert_refused

pytestmark = pytest.mark.django_db


def test_occupation_filters_narrow_page_and_api_alike(client, api_client, officer_yuzhong):
    lathe = OccupationFactory()
    ai = OccupationFactory(new=True)
    cook = OccupationFactory(cook=True)
    page, api = reverse("catalog:occupation_list"), "/api/v1/occupations/"

    def agree(query):
        return assert_page_and_api_agree(client, api_client, officer_yuzhong, page, api, query, key="code")

    assert agree("new=1") == {ai.code}
    assert agree("category=6") == {lathe.code}
    assert agree("q=中式") == {cook.code}
    assert agree("q=4-0&new=0") == {cook.code}
    assert_refused(client, api_client, officer_yuzhong, page, api, "category=99", "category")
    assert_refused(client, api_client, officer_yuzhong, page, api, "new=maybe", "new")


def test_rate_row_filters_narrow_page_and_api_alike(client, api_client, officer_yuzhong):
    old = RateRowFactory(effective_to=date(2021, 12, 31))
    new = RateRowFactory(effective_from=date(2022, 1, 1), level=4)
    special = RateRowFactory(level=None, occupation=OccupationFactory(cook=True))
    RateRowFactory(district=district("500101"))
    page = reverse("catalog:rate_table", args=["500103"])
    api = "/api/v1/rate-rows/"
    agree = assert_page_and_api_agree
    # The page is 渝中区's table; the API chooses the district with ?district=.
    assert agree(client, api_client, officer_yuzhong, page, api, "level=4&district=500103") == {new.pk}
    assert agree(client, api_client, officer_yuzhong, page, api, "level=special") == {special.pk}
    assert agree(client, api_client, officer_yuzhong, page, api, "on=2021-06-01&occupation=车工") == {old.pk}
    assert_refused(client, api_client, officer_yuzhong, page, api, "on=2021-13-01", "on")
    assert_refused(client, api_client, officer_yuzhong, page, api, "level=6", "level")
