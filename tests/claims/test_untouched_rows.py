"""An enterprise direct claim for 3 people from the 5-row page: the two untouched rows, whose
relation select shows its first choice, are not rows (issue 14)."""

import pytest
from django.urls import reverse

from apps.claims.models import Claim
from tests.browser_form import submitted
from tests.factories import numbered

from .conftest import id_number

pytestmark = pytest.mark.django_db


def _header(lathe):
    return {
        "training_name": "数控车床操作岗位提升",
        "occupation": str(lathe.pk),
        "level": "4",
        "start": "2026-11-02",
        "end": "2026-11-20",
    }


def test_an_enterprise_direct_claim_for_three_people(client, filer, employer, lathe, rates):
    client.force_login(filer)
    url = reverse("claims:create_enterprise")
    html = client.get(url).content.decode()
    data = submitted(html[html.index("<main") :])
    assert data["rows-TOTAL_FORMS"] == "5" and data["rows-4-relation"] == "employee"
    data.update(_header(lathe))
    for i in range(3):
        data[f"rows-{i}-id_number"] = id_number("500101", "19900101", f"01{i}")
        data[f"rows-{i}-name"] = numbered("职工", i)
        data[f"rows-{i}-attended_offline"] = "60"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    claim = Claim.objects.get()
    assert sorted(line.person.name for line in claim.lines.all()) == [
        numbered("职工", 0),
        numbered("职工", 1),
        numbered("职工", 2),
    ]


def test_an_enterprise_claim_with_no_row_filled_says_so(client, filer, lathe):
    client.force_login(filer)
    url = reverse("claims:create_enterprise")
    html = client.get(url).content.decode()
    data = submitted(html[html.index("<main") :])
    data.update(_header(lathe))
    response = client.post(url, data)
    assert response.status_code == 200 and Claim.objects.count() == 0
    assert "请至少填写一行" in response.content.decode()
