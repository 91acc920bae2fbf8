import pytest

from apps.catalog.models import District

pytestmark = pytest.mark.django_db


def test_all_41_districts_are_loaded_by_migration():
    assert District.objects.count() == 41
    kinds = {
        kind: District.objects.filter(kind=kind).count()
        for kind in ["district", "county", "autonomous_county", "development_zone"]
    }
    assert kinds == {"district": 26, "county": 8, "autonomous_county": 4, "development_zone": 3}


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("500103", "渝中区"),
        ("500101", "万州区"),
        ("500243", "彭水苗族土家族自治县"),
        ("LJXQ", "两江新区"),
        ("WSJK", "万盛经开区"),
    ],
)
def test_district_codes_and_names(code, name):
    assert District.objects.get(code=code).name == name


def test_districts_keep_the_official_order():
    codes = list(District.objects.values_list("code", flat=True)[:3])
    assert codes == ["500101", "500102", "500103"]
