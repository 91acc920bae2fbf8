"""A running class is completed only when every enrolled trainee has a result
(apps.classes.services.COMPLETION_CHECKS, filled by the trainees app)."""

import pytest
from django.urls import reverse

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.trainees.services.results import result_record, results_complete
from tests.trainees.attendance_factories import PASSED, EnrolmentFactory, enrol

pytestmark = pytest.mark.django_db


def test_results_complete_names_who_lacks_a_result(operator, running_class, trainees):
    EnrolmentFactory(training_class=running_class, withdrawn=True)
    assert results_complete(running_class) == (False, [t.person.name for t in trainees])
    for t in trainees[:2]:
        result_record(actor=operator, enrolment=t, outcome="failed")
    assert results_complete(running_class) == (False, [trainees[2].person.name])
    result_record(actor=operator, enrolment=trainees[2], outcome="absent")
    assert results_complete(running_class) == (True, [])


def test_completing_needs_every_result(operator, running_class, trainees):
    result_record(actor=operator, enrolment=trainees[0], **PASSED)
    logged = StateChange.objects.count()
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=running_class, actor=operator, to=ClassStatus.COMPLETED)
    names = [t.person.name for t in trainees[1:]]
    assert exc.value.message == f"尚有 2 名学员未录入考核结果：{'、'.join(names)}，请录入后再结业"
    assert exc.value.field == "results"
    running_class.refresh_from_db()
    assert running_class.status == ClassStatus.RUNNING
    assert StateChange.objects.count() == logged

    for t in trainees[1:]:
        result_record(actor=operator, enrolment=t, outcome="failed")
    completed = class_transition(training_class=running_class, actor=operator, to=ClassStatus.COMPLETED)
    assert completed.status == ClassStatus.COMPLETED
    with pytest.raises(ApplicationError):  # results are final once completed
        result_record(actor=operator, enrolment=trainees[0], outcome="failed")


def test_a_running_class_without_trainees_completes(operator, running_class):
    completed = class_transition(training_class=running_class, actor=operator, to=ClassStatus.COMPLETED)
    assert completed.status == ClassStatus.COMPLETED


def test_the_refusal_lists_at_most_twenty_names(operator, running_class):
    enrol(running_class, 25)
    with pytest.raises(ApplicationError) as exc:
        class_transition(training_class=running_class, actor=operator, to=ClassStatus.COMPLETED)
    assert exc.value.message.startswith("尚有 25 名学员未录入考核结果：")
    assert "等 25 人" in exc.value.message
    assert len(exc.value.extra["lacking"]) == 25


def test_the_class_page_says_who_lacks_a_result(client, operator, running_class, trainees):
    client.force_login(operator)
    response = client.post(
        reverse("classes:action", args=[running_class.pk]), {"to": "completed", "confirm": "on"}, follow=True
    )
    text = response.content.decode()
    assert f"尚有 3 名学员未录入考核结果：{trainees[0].person.name}、" in text
    running_class.refresh_from_db()
    assert running_class.status == ClassStatus.RUNNING
