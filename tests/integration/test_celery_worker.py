"""A real worker consumes from the real Redis broker and reaches the test database."""

import pytest

from apps.core.tasks import ping

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_worker_round_trip_through_redis_and_the_database(celery_worker_process, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    result = ping.delay()
    answer = result.get(timeout=60)
    assert answer["pong"] is True
    from django.db import connection

    assert answer["database"] == connection.vendor
    assert answer["name"] == str(connection.settings_dict["NAME"])


def test_task_settings_suit_idempotent_long_tasks():
    from config.celery import app

    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit == 30 * 60
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
