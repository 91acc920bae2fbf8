"""The demo world's institutions: the school's recognitions and yearly plans, a school awaiting
recognition and an enterprise centre awaiting filing; loading twice changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.core.models import StateChange
from apps.institutions.models import Institution, InstitutionOccupation, InstitutionStatus, InstitutionYear
from apps.institutions.selectors import institution_can_run_classes

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo_data", stdout=io.StringIO())


def test_the_demo_school_has_its_recognitions_and_yearly_plans(demo):
    school = User.objects.get(username="school").institutions.get()
    recognised = {
        (r.occupation.code, r.level) for r in InstitutionOccupation.objects.filter(institution=school)
    }
    assert recognised == {
        ("4-03-02-01", 5),
        ("4-03-02-01", 4),
        ("4-03-02-01", 3),
        ("6-31-01-03", 5),
        ("6-31-01-03", 4),
        ("4-10-01-06", 5),
    }
    years = {y.year: y.plan_quota for y in InstitutionYear.objects.filter(institution=school)}
    assert set(years) == {2021, timezone.localdate().year} and all(q > 0 for q in years.values())
    assert school.bank_account and institution_can_run_classes(school) == (True, "")


def test_the_demo_has_work_waiting_for_the_officer_and_the_admin(demo):
    applicant = Institution.objects.get(name="重庆市渝中区启航职业技能培训学校")
    assert applicant.status == InstitutionStatus.APPLIED
    centre = Institution.objects.get(employer__members__username="enterprise")
    assert centre.status == InstitutionStatus.RECOGNISED
    assert institution_can_run_classes(centre)[0] is False


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (
        Institution.objects.count(),
        InstitutionOccupation.objects.count(),
        InstitutionYear.objects.count(),
        StateChange.objects.count(),
    )
    call_command("demo_data", stdout=io.StringIO())
    assert counts == (
        Institution.objects.count(),
        InstitutionOccupation.objects.count(),
        InstitutionYear.objects.count(),
        StateChange.objects.count(),
    )
