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


# The 综合评估 weights (issue 19, part 2) ----------------------------------------------------------


def test_the_evaluation_weights_default_to_30_20_20_10_10_10():
    table = {row["key"]: row for row in settings_table(district=district("500103"), on=date(2026, 12, 31))}
    weights = [table[f"eval_weight_{k}"] for k in EVAL_WEIGHTS]
    assert [(w["value"], w["source"]) for w in weights] == [
        (Decimal(30), "default"),
        (Decimal(20), "default"),
        (Decimal(20), "default"),
        (Decimal(10), "default"),
        (Decimal(10), "default"),
        (Decimal(10), "default"),
    ]
    assert str(weights[0]["label"]) == "综合评估权重：结业合格率"


EVAL_WEIGHTS = ("completion", "certificate", "compliance", "returns", "supervision", "priorities")


@pytest.mark.parametrize("value", ["101", "12.5", "-1"])
def test_an_evaluation_weight_is_a_whole_number_from_0_to_100(officer_yuzhong, value):
    with pytest.raises(ApplicationError) as exc:
        district_setting_set(
            actor=officer_yuzhong,
            district=district("500103"),
            key="eval_weight_completion",
            value=Decimal(value),
            effective_from=date(2026, 1, 1),
        )
    assert exc.value.field == "value"
    if value != "-1":  # a negative value is refused as for every setting
        assert exc.value.message == "综合评估权重：结业合格率须为 0 至 100 的整数"
    assert not DistrictSetting.objects.exists()


def test_evaluation_weights_in_force_for_every_district_in_one_query(
    officer_yuzhong, officer_wanzhou, django_assert_num_queries
):
    from apps.catalog.models import SettingKey
    from apps.catalog.selectors import Weight, evaluation_weights_of, evaluation_weights_on

    for who, code, value, start in (
        (officer_yuzhong, "500103", "0", date(2026, 1, 1)),
        (officer_yuzhong, "500103", "40", date(2027, 1, 1)),  # after the day asked: not used
        (officer_wanzhou, "500101", "50", date(2026, 12, 31)),
    ):
        district_setting_set(
            actor=who,
            district=district(code),
            key="eval_weight_returns",
            value=Decimal(value),
            effective_from=start,
        )
    ids = [district("500103").pk, district("500101").pk]
    with django_assert_num_queries(1):
        weights = evaluation_weights_on(on=date(2026, 12, 31), district_ids=ids)
    yuzhong = evaluation_weights_of(weights, ids[0])
    assert yuzhong[SettingKey.EVAL_WEIGHT_RETURNS] == Weight(0, date(2026, 1, 1))
    assert yuzhong[SettingKey.EVAL_WEIGHT_COMPLETION] == Weight(30)
    assert yuzhong[SettingKey.EVAL_WEIGHT_RETURNS].source == "区县设置（2026-01-01 起）"
    assert yuzhong[SettingKey.EVAL_WEIGHT_COMPLETION].source == "默认"
    assert evaluation_weights_of(weights, ids[1])[SettingKey.EVAL_WEIGHT_RETURNS].value == 50
