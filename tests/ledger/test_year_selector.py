"""Issue 14: year-bound pages (the home page's fund panels, the ledger balances, the
reconciliation) take ?year= and offer the years with data; without ?year= they show this year if
it has data, else the latest year that has."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.core.home import chosen_year, year_choices
from apps.ledger.services import allocation_set
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


@pytest.mark.parametrize(
    ("case", "asked", "years", "shown"),
    [
        ("asked for", "2021", [THIS_YEAR, 2021], 2021),
        ("nonsense asked: as if not asked", "20x1", [THIS_YEAR], THIS_YEAR),
        ("this year has data", "", [THIS_YEAR + 1, THIS_YEAR, 2021], THIS_YEAR),
        ("nothing has data", "", [], THIS_YEAR),
        ("only earlier years", "", [2021, 2022], 2022),
        ("only later years", "", [THIS_YEAR + 2, THIS_YEAR + 1], THIS_YEAR + 1),
    ],
)
def test_the_year_shown(case, asked, years, shown):
    assert chosen_year(asked, years, THIS_YEAR) == shown, case


def test_the_choices_hold_this_year_and_the_one_shown():
    assert year_choices([2022, 2021], 2019, THIS_YEAR) == [THIS_YEAR, 2022, 2021, 2019]


@pytest.fixture
def admin_user(db):
    return UserFactory(municipal_admin=True)


@pytest.fixture
def allocation_2021(admin_user):
    return allocation_set(
        actor=admin_user,
        district=district("500103"),
        year=2021,
        amount=Decimal("2200000"),
        work_for_training_share=Decimal("0"),
        living_allowance_share=Decimal("0"),
    )


def _get(user, url):
    client = Client()
    client.force_login(user)
    answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode()


def _options(html):
    return [int(chunk.split('"')[0]) for chunk in html.split('<option value="')[1:] if chunk[:4].isdigit()]


def test_the_officer_home_page_shows_the_latest_year_with_data(allocation_2021):
    officer = UserFactory(officer=True)
    html = _get(officer, "/")
    assert "渝中区专账资金（2021 年度）" in html
    assert '<option value="2021" selected>' in html and f'<option value="{THIS_YEAR}">' in html
    html = _get(officer, f"/?year={THIS_YEAR}")
    assert f"渝中区专账资金（{THIS_YEAR} 年度）" in html
    assert "本年度尚未设置专账资金额度" in html


@pytest.mark.parametrize("role", ["municipal_admin", "auditor"])
def test_the_city_wide_home_page_has_the_selector(role, allocation_2021):
    user = UserFactory(**{role: True})
    html = _get(user, "/")
    assert "各区县专账资金（2021 年度）" in html
    assert "2,200,000.00" in html or "2200000.00" in html
    assert f"各区县专账资金（{THIS_YEAR} 年度）" in _get(user, f"/?year={THIS_YEAR}")


@pytest.mark.parametrize("role", ["operator", "filer", "reviewer"])
def test_home_pages_without_year_bound_panels_have_no_selector(role, allocation_2021):
    html = _get(UserFactory(**{role: True}), "/")
    assert 'name="year"' not in html


@pytest.mark.parametrize("name", ["ledger:balances", "ledger:reconciliation"])
def test_ledger_pages_default_to_the_latest_year_with_data(name, allocation_2021):
    officer = UserFactory(officer=True)
    html = _get(officer, reverse(name))
    assert '<option value="2021" selected>' in html
    assert sorted(_options(html)) == sorted({2021, THIS_YEAR})
    html = _get(officer, reverse(name) + f"?year={THIS_YEAR}")
    assert f'<option value="{THIS_YEAR}" selected>' in html


def test_a_reader_outside_the_ledger_sees_no_other_district_years(allocation_2021):
    officer = UserFactory(officer=True, district=district("500101"))
    html = _get(officer, reverse("ledger:balances"))
    assert f'<option value="{THIS_YEAR}" selected>' in html
    assert 2021 not in _options(html)
