"""R10.1's limit table, which the SQL joins, gives on every day what the engine's
per_year_limit_on gives with the district's settings of that day."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.audits.engine.checks import year_limit_rows
from apps.catalog.engine import district_settings_for
from apps.catalog.models import DistrictSetting
from apps.rules.limits import per_year_limit_on

DAYS = st.integers(0, 2400).map(lambda n: date(2019, 1, 1) + timedelta(days=n))


def _lookup(rows, district_id: int, day: date) -> int:
    (limit,) = [
        limit
        for d, start, end, limit in rows
        if d == district_id and start <= day and (end is None or day < end)
    ]
    return limit


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entered=st.dictionaries(DAYS, st.integers(0, 4), max_size=3),
    days=st.lists(DAYS, min_size=1, max_size=8),
)
def test_the_limit_table_agrees_with_the_engine_on_every_day(world, entered, days):
    DistrictSetting.objects.filter(key="per_year_limit").delete()
    for effective_from, value in entered.items():
        DistrictSetting.objects.create(
            district=world.yuzhong, key="per_year_limit", value=value, effective_from=effective_from
        )
    rows = year_limit_rows()
    for day in [*days, *entered, date(2021, 3, 1), date(2021, 2, 28)]:
        for district in (world.yuzhong, world.wanzhou):
            engine = per_year_limit_on(day, district_settings_for(district=district, on=day))
            assert _lookup(rows, district.pk, day) == engine, (district.name, day)


def test_every_district_has_the_notices_three_by_default(world):
    rows = year_limit_rows()
    assert {limit for _, _, _, limit in rows} == {3}
    assert len({district for district, _, _, _ in rows}) == 41
