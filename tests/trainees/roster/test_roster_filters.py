"""The roster's FilterSet narrows the class's roster page and its API alike and refuses what it
cannot read, in Chinese (issue 15, item 4)."""

import pytest
from django.urls import reverse

from apps.trainees.services.enrolment import enrolment_create, enrolment_withdraw
from tests.filtering import assert_page_and_api_agree, assert_refused
from tests.trainees.roster_factories import nth_id_number

pytestmark = pytest.mark.django_db


def test_roster_filters_narrow_page_and_api_alike(client, api_client, approved_class, operator):
    zhang = enrolment_create(
        training_class=approved_class, actor=operator, id_number=nth_id_number(7), name="张三"
    )
    li = enrolment_create(
        training_class=approved_class, actor=operator, id_number=nth_id_number(8), name="李四"
    )
    enrolment_withdraw(enrolment=li, actor=operator, reason="调岗")
    page = reverse("roster:roster", args=[approved_class.pk])
    api = f"/api/v1/classes/{approved_class.pk}/enrolments/"

    def agree(query):
        return assert_page_and_api_agree(client, api_client, operator, page, api, query)

    assert agree("status=withdrawn") == {li.pk}
    assert agree("q=张") == {zhang.pk}
    assert agree(f"q={nth_id_number(8)[-4:]}") == {li.pk}
    assert agree("q=王") == set()
    assert_refused(client, api_client, operator, page, api, "status=gone", "status")
    html = client.get(page + "?status=enrolled").content.decode()
    assert "<label>姓名或身份证号码末 4 位 " in html and '<option value="enrolled" selected>' in html
    assert ">查询</button>" in html
