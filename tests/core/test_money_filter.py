"""``|yuan``: every amount on a page has thousands separators and two places; the API keeps numbers."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from apps.core.templatetags.money import yuan
from apps.ledger.services import allocation_set
from tests.factories import UserFactory, district


@pytest.mark.parametrize(
    ("case", "value", "shown"),
    [
        ("millions get two separators", Decimal("2200000.00"), "2,200,000.00"),
        ("below a thousand no separator", Decimal("999.99"), "999.99"),
        ("exactly a thousand", Decimal("1000"), "1,000.00"),
        ("one place is padded", Decimal("1234.5"), "1,234.50"),
        ("zero", Decimal("0"), "0.00"),
        ("negative (a reversal)", Decimal("-1125.00"), "-1,125.00"),
        ("half a fen rounds up", Decimal("0.005"), "0.01"),
        ("half a fen below zero rounds away from zero", Decimal("-0.005"), "-0.01"),
        ("just under half a fen rounds down", Decimal("1234.5649"), "1,234.56"),
        ("rounding carries into a new group", Decimal("999999.995"), "1,000,000.00"),
        ("exponent notation is written out", Decimal("2.2E+6"), "2,200,000.00"),
        ("an integer", 42300, "42,300.00"),
        ("a numeric string", "80000", "80,000.00"),
        ("a float goes through its repr, not binary noise", 0.1 + 0.2, "0.30"),
    ],
)
def test_yuan_formats_amounts(case, value, shown):
    assert yuan(value) == shown, case


@pytest.mark.parametrize("value", [None, "", "—", "abc", Decimal("NaN"), True])
def test_yuan_leaves_what_is_not_an_amount_alone(value):
    assert yuan(value) is value


def test_yuan_in_a_template_and_in_a_translated_sentence():
    out = Template(
        "{% load i18n money %}{{ a|yuan }} 元；"
        "{% blocktranslate with t=a|yuan %}合计 {{ t }} 元{% endblocktranslate %}"
        "；{{ missing|yuan|default:'—' }}"
    ).render(Context({"a": Decimal("2200000.00")}))
    assert out == "2,200,000.00 元；合计 2,200,000.00 元；—"


@pytest.mark.django_db
def test_the_allocation_page_separates_thousands_and_the_api_keeps_plain_numbers(client, api_client):
    admin = UserFactory(municipal_admin=True)
    allocation_set(
        actor=admin,
        district=district("500103"),
        year=2026,
        amount=Decimal("2200000"),
        work_for_training_share=Decimal("1234567.5"),
        living_allowance_share=Decimal("10000"),
    )
    client.force_login(admin)
    page = client.get(reverse("ledger:allocations") + "?year=2026").content.decode()
    assert "2,200,000.00" in page and "1,234,567.50" in page and "10,000.00" in page
    assert "2200000.00" not in page.replace('value="2200000.00"', "")
    api_client.force_authenticate(admin)
    data = api_client.get(reverse("api-ledger-allocations") + "?year=2026").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert rows[0]["amount"] == "2200000.00" and rows[0]["work_for_training_share"] == "1234567.50"


@pytest.mark.django_db
def test_the_balances_page_separates_thousands(client):
    admin = UserFactory(municipal_admin=True)
    allocation_set(actor=admin, district=district("500103"), year=2026, amount=Decimal("2200000"))
    officer = UserFactory(officer=True)
    client.force_login(officer)
    balances = client.get(reverse("ledger:balances") + "?year=2026&district=500103").content.decode()
    assert "2,200,000.00" in balances and "2200000.00" not in balances
