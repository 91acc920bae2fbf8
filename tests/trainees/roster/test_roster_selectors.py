"""The selectors other code uses to find enrolments (attendance, results, claims), and the
read-only admin, which shows personal data masked like every page."""

import pytest
from django.http import Http404

from apps.trainees.models import EnrolmentStatus
from apps.trainees.selectors.roster import (
    enrolment_get,
    enrolments_active,
    roster_by_id_number,
    roster_counts,
    roster_is_complete,
    roster_is_open,
)
from tests.factories import UserFactory
from tests.trainees.roster_factories import EnrolmentFactory, TrainingClassFactory

pytestmark = pytest.mark.django_db


def test_the_active_roster_leaves_withdrawn_people_out(approved_class):
    assert not roster_is_complete(training_class=approved_class)
    staying = EnrolmentFactory(training_class=approved_class, warnings=[{"rule": "R10.3"}])
    gone = EnrolmentFactory(training_class=approved_class, status=EnrolmentStatus.WITHDRAWN)
    assert list(enrolments_active(training_class=approved_class)) == [staying]
    assert roster_by_id_number(training_class=approved_class) == {staying.person.id_number: staying}
    assert gone.person.id_number not in roster_by_id_number(training_class=approved_class)
    assert roster_is_complete(training_class=approved_class)
    assert roster_counts(training_class=approved_class) == {"enrolled": 1, "withdrawn": 1, "with_warnings": 1}


@pytest.mark.parametrize(
    ("status", "is_open"),
    [("submitted", False), ("approved", True), ("running", True), ("completed", False), ("closed", False)],
)
def test_the_roster_is_open_while_the_class_is_approved_or_running(status, is_open):
    assert roster_is_open(TrainingClassFactory.build(status=status)) == is_open


def test_enrolment_get_is_scoped(people, approved_class):
    enrolment = EnrolmentFactory(training_class=approved_class)
    assert enrolment_get(enrolment_id=enrolment.pk, user=people["officer"]) == enrolment
    for role in ("other_officer", "other_operator", "filer"):
        with pytest.raises(Http404):
            enrolment_get(enrolment_id=enrolment.pk, user=people[role])


def test_admin_shows_persons_masked_and_read_only(client, approved_class):
    enrolment = EnrolmentFactory(training_class=approved_class)
    number = enrolment.person.id_number
    client.force_login(UserFactory(municipal_admin=True, is_staff=True, is_superuser=True))
    listing = client.get("/admin/trainees/person/").content.decode()
    assert number not in listing and f"5001**********{number[-4:]}" in listing
    page = client.get(f"/admin/trainees/person/{enrolment.person_id}/change/").content.decode()
    assert number not in page and enrolment.person.phone not in page
    found = client.get(f"/admin/trainees/person/?q={enrolment.person.name}").content.decode()
    assert f"5001**********{number[-4:]}" in found
    assert client.get("/admin/trainees/person/add/").status_code == 403
