"""Journey (c5): the municipal admin opens a rate row and the district settings: every date
input shows its ISO date (Chrome showed them blank when Django rendered 2021/03/01), so saving
the rate row unchanged keeps its dates. Through the UI only, every page scanned with axe-core."""

from datetime import date

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_rate_row_edit_and_district_settings_show_their_dates(portal, municipal_admin, rates):
    row = rates[4]
    row.effective_to = date(2027, 12, 31)
    row.save()
    admin = portal(municipal_admin)
    admin.goto("/catalog/districts/500103/rates/")
    admin.goto(f"/catalog/rates/{row.pk}/")
    admin.follow("修改")
    assert admin.field("生效日期").input_value() == "2021-03-01"
    assert admin.field("失效日期").input_value() == "2027-12-31"
    admin.field("调整依据/原因").fill("核对后原样保存")
    admin.submit("保存")
    assert "补贴标准已修改" in admin.message(), admin.text()
    row.refresh_from_db()
    assert (row.effective_from, row.effective_to) == (date(2021, 3, 1), date(2027, 12, 31))

    admin.goto("/catalog/districts/500103/settings/")
    assert admin.field("生效日期").input_value() == timezone.localdate().isoformat()
