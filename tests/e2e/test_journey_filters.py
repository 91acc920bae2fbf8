"""Every list page's filter form (issue 15, item 4: one django-filter FilterSet per list, shared
with the API): the municipal admin chooses a value and submits 筛选, the address carries the same
parameter as before, and a value that does not read shows its error in Chinese. Every page is
scanned with axe-core, with and without the error."""

import pytest

from tests.factories import NumberedInstitutionFactory, OccupationFactory, RateRowFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# page, a select and a value to choose in it, a bad value for it
LISTS = [
    ("/institutions/", "status", "applied", "open"),
    ("/institutions/employers/", "classified", "1", "yes"),
    ("/classes/", "level", "special", "6"),
    ("/catalog/occupations/", "new", "1", "maybe"),
    ("/catalog/districts/500103/rates/", "level", "4", "6"),
    ("/claims/", "status", "waiting", "lost"),
    ("/ledger/entries/", "kind", "reversal", "payment"),
    ("/ledger/payments/", "district", "500103", "999999"),
    ("/ledger/recoveries/", "status", "returned", "lost"),
    ("/audits/", "scope", "claim", "city"),
    ("/audits/findings/", "status", "open", "closed"),
    ("/exports/log/", "kind", "ledger", "people"),
    ("/notices/", "unread", "1", "yes"),
]


def test_every_list_filters_through_its_form_and_refuses_a_bad_value(portal, municipal_admin):
    NumberedInstitutionFactory(applied=True)
    RateRowFactory(occupation=OccupationFactory())
    admin = portal(municipal_admin)
    for path, name, value, bad in LISTS:
        admin.goto(path)
        admin.page.locator(f"form.filters select[name={name}]").select_option(value)
        admin.submit(admin.page.locator("form.filters button[type=submit]"))
        assert f"{name}={value}" in admin.page.url, (path, admin.page.url)
        assert admin.page.locator(f"form.filters select[name={name}]").input_value() == value
        admin.goto(f"{path}?{name}={bad}")
        error = admin.text("form.filters .field-error")
        assert "选择一个有效的选项" in error, (path, error)
        assert "筛选条件有误" in admin.text("form.filters .error-summary")
