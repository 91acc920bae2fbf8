from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.accounts.tasks import purge_login_records
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_nightly_purge_drops_expired_tokens_and_old_login_records(settings):
    settings.API_TOKEN_LIFETIME = timedelta(hours=8)
    settings.LOGIN_AUDIT_KEPT = timedelta(days=365)
    now = timezone.now()
    expired, fresh = Token.objects.create(user=UserFactory()), Token.objects.create(user=UserFactory())
    Token.objects.filter(pk=expired.pk).update(created=now - timedelta(hours=8))
    Token.objects.filter(pk=fresh.pk).update(created=now - timedelta(hours=7))
    for model in (AccessLog, AccessFailureLog):
        for days in (366, 364):
            row = model.objects.create(
                username="school", ip_address="203.0.113.5", user_agent="ua", path_info="/"
            )
            model.objects.filter(pk=row.pk).update(attempt_time=now - timedelta(days=days))

    assert purge_login_records() == {"tokens": 1, "logins": 1, "failures": 1}
    assert list(Token.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert AccessLog.objects.count() == 1 and AccessFailureLog.objects.count() == 1
