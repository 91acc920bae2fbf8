from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.catalog.models import RateRow
from apps.catalog.services import rate_row_save
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from tests.factories import OccupationFactory, district

pytestmark = pytest.mark.django_db


def _save(actor, **overrides):
    values = {
        "actor": actor,
        "district": district("500103"),
        "occupation": OccupationFactory(),
        "major_category": None,
        "level": 3,
        "standard": Decimal("2500"),
        "rate": Decimal("180"),
        "effective_from": date(2021, 3, 1),
        "reason": "测试",
    }
    values.update(overrides)
    return rate_row_save(**values)


def test_hours_are_derived_from_s_and_r(officer_yuzhong):
    row = _save(officer_yuzhong)
    assert row.class_hours == 83  # ⌊2500 × 6 ÷ 180⌋, W1
    log = StateChange.objects.get(object_id=str(row.pk))
    assert (log.actor, log.from_state, log.to_state, log.reason) == (officer_yuzhong, "", "created", "测试")
    assert log.changes["rate"] == [None, "180.00"]


def test_new_occupation_standard_is_derived_from_hours(officer_yuzhong):
    row = _save(
        officer_yuzhong,
        occupation=OccupationFactory(new=True),
        level=4,
        standard=None,
        rate=Decimal("150"),
        class_hours=64,
    )
    assert (row.class_hours, row.standard) == (64, Decimal("1600.00"))


def test_new_occupation_needs_hours(officer_yuzhong):
    with pytest.raises(ApplicationError) as exc:
        _save(
            officer_yuzhong,
            occupation=OccupationFactory(new=True),
            level=4,
            standard=None,
            rate=Decimal("150"),
        )
    assert exc.value.rule == "R1.5"


@pytest.mark.parametrize(
    ("category_code", "level", "rate", "rule"),
    [
        ("6-18-01-01", 3, "179.99", "R1.2"),
        ("6-18-01-01", 5, "149.99", "R1.2"),
        ("4-03-02-01", 5, "129.99", "R1.1"),  # below the 130 bound, checked first
        ("6-18-01-01", 4, "140.00", "R1.2"),  # W2
        ("4-03-02-01", 3, "149.99", "R1.3"),
        ("4-03-02-01", 5, "200.01", "R1.1"),
    ],
)
def test_rates_below_the_floor_are_refused_and_nothing_is_saved(
    officer_yuzhong, category_code, level, rate, rule
):
    occupation = OccupationFactory(code=category_code, name="x")
    with pytest.raises(ApplicationError) as exc:
        _save(officer_yuzhong, occupation=occupation, level=level, rate=Decimal(rate))
    assert exc.value.rule == rule
    assert rate in exc.value.message
    assert RateRow.objects.count() == 0


def test_new_occupation_rate_must_be_exactly_150(officer_yuzhong):
    with pytest.raises(ApplicationError) as exc:
        _save(
            officer_yuzhong,
            occupation=OccupationFactory(new=True),
            level=4,
            standard=None,
            rate=Decimal("160"),
            class_hours=60,
        )
    assert exc.value.rule == "R1.4"


def test_online_rate_above_60_is_refused(officer_yuzhong):
    with pytest.raises(ApplicationError) as exc:
        _save(officer_yuzhong, online_rate=Decimal("60.01"))
    assert exc.value.rule == "R2.4"


def test_a_new_row_supersedes_the_open_ended_one(officer_yuzhong):
    old = _save(officer_yuzhong)
    new = _save(
        officer_yuzhong, occupation=old.occupation, rate=Decimal("190"), effective_from=date(2022, 1, 1)
    )
    old.refresh_from_db()
    assert old.effective_to == date(2021, 12, 31)
    assert new.effective_to is None
    assert StateChange.objects.filter(object_id=str(old.pk), to_state="superseded").count() == 1


def test_overlapping_closed_periods_are_refused(officer_yuzhong):
    old = _save(officer_yuzhong, effective_to=date(2021, 12, 31))
    with pytest.raises(ApplicationError) as exc:
        _save(officer_yuzhong, occupation=old.occupation, effective_from=date(2021, 6, 1))
    assert exc.value.rule == "R1.6"
    assert RateRow.objects.count() == 1


def test_editing_logs_what_changed(officer_yuzhong):
    row = _save(officer_yuzhong)
    _save(officer_yuzhong, occupation=row.occupation, rate=Decimal("200"), row=row, reason="调整")
    row.refresh_from_db()
    assert (row.rate, row.class_hours) == (Decimal("200.00"), 75)
    change = StateChange.objects.get(object_id=str(row.pk), to_state="changed")
    assert change.changes["rate"] == ["180.00", "200.00"]
    assert change.reason == "调整"


def test_officer_of_another_district_cannot_save(officer_wanzhou):
    with pytest.raises(ApplicationError):
        _save(officer_wanzhou)
    assert RateRow.objects.count() == 0


def test_form_shows_the_rule_error_next_to_the_rate(client, officer_yuzhong):
    occupation = OccupationFactory()
    client.force_login(officer_yuzhong)
    response = client.post(
        reverse("catalog:rate_row_create", args=["500103"]),
        {
            "occupation": occupation.pk,
            "level": "3",
            "standard": "2500",
            "rate": "170",
            "online_rate": "60",
            "effective_from": "2021-03-01",
            "reason": "录入",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["rate"]
    assert any("170.00" in e and "180.00" in e and "R1.2" in e for e in errors)
    assert RateRow.objects.count() == 0


def test_form_saves_and_shows_the_explanation(client, officer_yuzhong):
    occupation = OccupationFactory()
    client.force_login(officer_yuzhong)
    response = client.post(
        reverse("catalog:rate_row_create", args=["500103"]),
        {
            "occupation": occupation.pk,
            "level": "3",
            "standard": "2500",
            "rate": "180",
            "online_rate": "60",
            "effective_from": "2021-03-01",
            "reason": "录入",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "⌊2500.00 × 6 ÷ 180.00⌋ = 83 课时" in body
    assert "officer.yuzhong" in body or officer_yuzhong.full_name in body


def test_the_row_in_force_prefers_the_occupation_over_its_category(officer_yuzhong):
    from apps.catalog.selectors import rate_row_in_force

    lathe = OccupationFactory()
    category_row = _save(officer_yuzhong, occupation=None, major_category=6, rate=Decimal("185"))
    assert (
        rate_row_in_force(district=district("500103"), occupation=lathe, level=3, on=date(2021, 5, 1))
        == category_row
    )
    own_row = _save(officer_yuzhong, occupation=lathe, rate=Decimal("190"))
    assert (
        rate_row_in_force(district=district("500103"), occupation=lathe, level=3, on=date(2021, 5, 1))
        == own_row
    )
    assert (
        rate_row_in_force(district=district("500103"), occupation=lathe, level=3, on=date(2021, 2, 1)) is None
    )
    assert (
        rate_row_in_force(district=district("500103"), occupation=lathe, level=None, on=date(2021, 5, 1))
        is None
    )
