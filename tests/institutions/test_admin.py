"""The admin shows an institution's status, recognitions and plans but cannot change them
around the lifecycle service and its log."""

import pytest
from django.urls import reverse

from apps.institutions.models import InstitutionStatus
from tests.factories import InstitutionOccupationFactory, InstitutionYearFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_status_is_read_only_in_the_admin(client):
    row = InstitutionOccupationFactory()
    InstitutionYearFactory(institution=row.institution)
    superuser = UserFactory(municipal_admin=True, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse("admin:institutions_institution_change", args=[row.institution.pk])

    page = client.get(url)

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "status" not in form.fields and "high_skill_base" not in form.fields
    assert "中式烹调师" in page.content.decode()
    assert row.institution.status == InstitutionStatus.RECOGNISED
