"""The class list's FilterSet narrows the page and the API alike and refuses what it cannot read,
in Chinese (issue 15, item 4)."""

from datetime import date

import pytest
from django.urls import reverse

from apps.classes.models import TrainingClass
from tests.filtering import assert_page_and_api_agree, assert_refused

pytestmark = pytest.mark.django_db

API = "/api/v1/classes/"


def test_class_filters_narrow_page_and_api_alike(client, api_client, operator, make_class):
    december = make_class()
    TrainingClass.objects.filter(pk=december.pk).update(has_findings=True)
    june = make_class(name="车工六月班")
    TrainingClass.objects.filter(pk=june.pk).update(start_date=date(2026, 6, 6))
    page = reverse("classes:list")

    def agree(query):
        return assert_page_and_api_agree(client, api_client, operator, page, API, query)

    assert agree("start_from=2026-12-01") == {december.pk}
    assert agree("start_to=2026-06-30&level=4") == {june.pk}
    assert agree("has_findings=0") == {june.pk}
    assert agree("occupation=6-18&status=draft") == {december.pk, june.pk}
    assert agree("level=special") == set()


def test_class_filter_refuses_what_it_cannot_read(client, api_client, operator, make_class):
    make_class()
    page = reverse("classes:list")
    assert_refused(client, api_client, operator, page, API, "start_from=2026-02-30", "start_from")
    assert_refused(client, api_client, operator, page, API, "status=done", "status")
    assert_refused(client, api_client, operator, page, API, "has_findings=2", "has_findings")


def test_an_operator_is_not_offered_the_institution_search(client, operator, officer_yuzhong):
    client.force_login(operator)
    assert 'name="institution"' not in client.get(reverse("classes:list")).content.decode()
    client.force_login(officer_yuzhong)
    html = client.get(reverse("classes:list") + "?level=special").content.decode()
    assert "<label>培训机构 " in html and '<option value="special" selected>' in html
