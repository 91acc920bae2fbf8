from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.catalog.engine import district_settings_for, settings_table
from apps.catalog.models import DistrictSetting
from apps.catalog.services import district_setting_set
from apps.core.errors import ApplicationError
from tests.factories import district

pytestmark = pytest.mark.django_db


def test_defaults_apply_until_the_district_sets_a_value():
    table = {row["key"]: row for row in settings_table(district=district("500103"), on=date(2021, 6, 1))}
    assert table["wft_monthly_amount"]["value"] == Decimal("500")
    assert table["wft_monthly_amount"]["source"] == "default"
    assert table["per_year_limit"]["value"] == Decimal("3")


def test_a_new_value_closes_the_previous_one(officer_yuzhong):
    yuzhong = district("500103")
    first = district_setting_set(
        actor=officer_yuzhong,
        district=yuzhong,
        key="wft_monthly_amount",
        value=Decimal("500"),
        effective_from=date(2021, 3, 1),
        note="2021 年标准",
    )
    district_setting_set(
        actor=officer_yuzhong,
        district=yuzhong,
        key="wft_monthly_amount",
        value=Decimal("600"),
        effective_from=date(2021, 7, 1),
        note="调整",
    )
    first.refresh_from_db()
    assert first.effective_to == date(2021, 6, 30)
    assert district_settings_for(
        district=yuzhong, on=date(2021, 6, 30)
    ).work_for_training_monthly_amount == Decimal("500")
    assert district_settings_for(
        district=yuzhong, on=date(2021, 7, 1)
    ).work_for_training_monthly_amount == Decimal("600")


def test_an_earlier_start_is_refused(officer_yuzhong):
    yuzhong = district("500103")
    district_setting_set(
        actor=officer_yuzhong,
        district=yuzhong,
        key="per_year_limit",
        value=Decimal("1"),
        effective_from=date(2023, 1, 1),
    )
    with pytest.raises(ApplicationError) as exc:
        district_setting_set(
            actor=officer_yuzhong,
            district=yuzhong,
            key="per_year_limit",
            value=Decimal("3"),
            effective_from=date(2022, 1, 1),
        )
    assert exc.value.field == "effective_from"
    assert DistrictSetting.objects.count() == 1


def test_whole_number_settings_refuse_fractions(officer_yuzhong):
    with pytest.raises(ApplicationError, match="整数"):
        district_setting_set(
            actor=officer_yuzhong,
            district=district("500103"),
            key="wft_max_months",
            value=Decimal("6.5"),
            effective_from=date(2021, 3, 1),
        )


def test_apprenticeship_amount_below_the_floor_is_refused(officer_yuzhong):
    with pytest.raises(ApplicationError) as exc:
        district_setting_set(
            actor=officer_yuzhong,
            district=district("500103"),
            key="apprenticeship_annual_amount",
            value=Decimal("3999"),
            effective_from=date(2021, 3, 1),
        )
    assert exc.value.rule == "R5.2"


def test_officer_cannot_change_another_district(officer_wanzhou):
    with pytest.raises(ApplicationError):
        district_setting_set(
            actor=officer_wanzhou,
            district=district("500103"),
            key="wft_monthly_amount",
            value=Decimal("1"),
            effective_from=date(2021, 3, 1),
        )


def test_settings_page_saves_a_value(client, officer_yuzhong):
    client.force_login(officer_yuzhong)
    url = reverse("catalog:district_settings", args=["500103"])
    response = client.post(
        url,
        {
            "key": "living_allowance_daily",
            "value": "80",
            "effective_from": "2021-03-01",
            "note": "区政府常务会议",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "设置已保存" in response.content.decode()
    assert DistrictSetting.objects.get().value == Decimal("80")


def test_settings_api_reports_values_in_force(api_client, officer_yuzhong):
    district_setting_set(
        actor=officer_yuzhong,
        district=district("500103"),
        key="enterprise_uplift",
        value=Decimal("0.1"),
        effective_from=date(2021, 3, 1),
    )
    api_client.force_authenticate(officer_yuzhong)
    data = api_client.get("/api/v1/districts/500103/settings/?on=2021-05-01").json()
    uplift = next(s for s in data["settings"] if s["key"] == "enterprise_uplift")
    assert uplift == {
        "key": "enterprise_uplift",
        "value": "0.1",
        "effective_from": "2021-03-01",
        "source": "district",
    }
