from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="127.0.0.1", **headers):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def test_login_page_is_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录培训补贴管理平台" in body


def test_successful_login_goes_home_and_clears_failures(client):
    user = UserFactory(officer=True)
    _login(client, user.username, "wrong-password")
    assert AccessAttempt.objects.get().failures_since_start == 1
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert AccessAttempt.objects.count() == 0
    assert AccessLog.objects.get().username == user.username


def test_wrong_password_says_how_many_tries_are_left(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    user = UserFactory()
    response = _login(client, user.username, "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码错误，再失败 4 次账号将被锁定 15 分钟" in response.content.decode()


def test_lockout_after_repeated_failures_refuses_even_the_right_password(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(2):
        assert _login(client, user.username, "wrong-password").status_code == 400
    third = _login(client, user.username, "wrong-password")
    assert third.status_code == 429
    assert "登录失败次数过多，该账号在此地址已被锁定，请 15 分钟后再试" in third.content.decode()

    locked = _login(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "已被锁定" in locked.content.decode()  # the page itself, in Chinese, not axes' English one
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_case_insensitive(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    victim = UserFactory(username="officer.a")
    other = UserFactory(username="officer.b")
    _login(client, "OFFICER.A", "x")
    _login(client, "officer.a", "x")
    assert _login(client, victim.username, PASSWORD).status_code == 429
    assert _login(client, other.username, PASSWORD).status_code == 302


def test_lockout_is_per_username_and_address_so_the_real_user_elsewhere_still_logs_in(client, settings):
    """Issue 17: anyone could lock any account from anywhere with 5 anonymous requests."""
    user = UserFactory(municipal_admin=True)
    for _ in range(5):
        _login(client, user.username, "wrong-password", ip="203.0.113.7")
    assert _login(client, user.username, PASSWORD, ip="203.0.113.7").status_code == 429

    elsewhere = Client()
    assert _login(elsewhere, user.username, PASSWORD, ip="198.51.100.20").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_lockout_expires_after_the_window(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory()
    _login(client, user.username, "x")
    _login(client, user.username, "x")
    assert _login(client, user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    _login(client, "nobody", "x")
    assert _login(client, "nobody", "x").status_code == 429


def test_an_address_spraying_passwords_across_usernames_is_refused(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    real = UserFactory()
    for n in range(6):  # two tries each at three names: no pair reaches its own limit of 5
        assert _login(client, f"name{n % 3}", "Spring2021!", ip="203.0.113.9").status_code == 400
    refused = _login(client, real.username, PASSWORD, ip="203.0.113.9")
    assert refused.status_code == 429
    assert "此网络地址登录失败次数过多，请 15 分钟后再试" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(ip_address="203.0.113.9").count() == 6

    assert (
        _login(Client(), real.username, PASSWORD, ip="198.51.100.20").status_code == 302
    )  # other addresses pass

    AccessFailureLog.objects.update(
        attempt_time=timezone.now() - settings.LOGIN_LOCKOUT_WINDOW - timedelta(seconds=1)
    )
    assert _login(client, real.username, PASSWORD, ip="203.0.113.9").status_code == 302  # the window passed


def test_every_failure_and_lockout_is_in_the_audit_and_never_the_password(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory()
    _login(client, user.username, "Secret-guess-1", ip="203.0.113.5")
    _login(client, user.username, "Secret-guess-2", ip="203.0.113.5")
    _login(client, user.username, PASSWORD, ip="203.0.113.5")
    rows = list(AccessFailureLog.objects.order_by("id").values_list("username", "ip_address", "locked_out"))
    assert rows == [
        (user.username, "203.0.113.5", False),
        (user.username, "203.0.113.5", True),
        (user.username, "203.0.113.5", True),
    ]
    attempt = AccessAttempt.objects.get()
    assert attempt.path_info == reverse("accounts:login")
    assert "Secret-guess" not in attempt.post_data and PASSWORD not in attempt.post_data


def test_the_municipal_admin_sees_the_audit_and_unlocks_a_user(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory(username="school.a")
    for ip in ("203.0.113.5", "198.51.100.8"):
        _login(Client(), "School.A", "x", ip=ip)
        _login(Client(), "school.a", "x", ip=ip)
    assert _login(Client(), user.username, PASSWORD, ip="198.51.100.8").status_code == 429

    admin = UserFactory(municipal_admin=True, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listed = client.get(reverse("admin:axes_accessfailurelog_changelist"))
    assert listed.status_code == 200
    assert "school.a" in listed.content.decode()
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert AccessAttempt.objects.count() == 0
    assert AccessFailureLog.objects.count() == 5  # the audit stays (the refused right password too)
    assert _login(Client(), user.username, PASSWORD, ip="198.51.100.8").status_code == 302


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_appended(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    settings.LOGIN_TRUSTED_PROXIES = 1
    user = UserFactory()
    spoofed = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"}  # the client wrote 1.2.3.4 itself
    _login(client, user.username, "x", ip="10.0.0.2", **spoofed)
    _login(client, user.username, "x", ip="10.0.0.2", **spoofed)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.99"}
    assert _login(Client(), user.username, PASSWORD, ip="10.0.0.2", **other).status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(client, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory()
    _login(client, user.username, "x", ip="203.0.113.7", HTTP_X_FORWARDED_FOR="1.1.1.1")
    _login(client, user.username, "x", ip="203.0.113.7", HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert (
        _login(client, user.username, PASSWORD, ip="203.0.113.7", HTTP_X_FORWARDED_FOR="3.3.3.3").status_code
        == 429
    )


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)
    assert _login(client, user.username, PASSWORD).status_code == 400


def test_logout_needs_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_open_redirect_is_refused(client):
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("core:home")


def test_pages_need_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_admin_has_no_login_of_its_own_so_its_door_locks_like_the_portals(client, settings):
    """Issue 17: 30 wrong passwords at /admin/login/ met no delay, and the right one worked while
    the portal showed the account locked."""
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    admin = UserFactory(municipal_admin=True, is_staff=True, is_superuser=True)

    tried = client.post("/admin/login/?next=/admin/", {"username": admin.username, "password": PASSWORD})
    assert tried.status_code == 302
    assert tried.url == f"{reverse('accounts:login')}?next=/admin/"
    assert "_auth_user_id" not in client.session  # no password is ever checked at the admin's door

    for _ in range(3):
        _login(client, admin.username, "wrong-password")
    assert _login(client, admin.username, PASSWORD).status_code == 429  # locked at the one door
    assert client.get("/admin/").status_code == 302


def test_staff_signed_in_at_the_portal_use_the_admin_and_others_are_refused(client):
    admin = UserFactory(municipal_admin=True, is_staff=True, is_superuser=True)
    _login(client, admin.username, PASSWORD)
    assert client.get("/admin/").status_code == 200

    client.logout()
    _login(client, UserFactory(officer=True).username, PASSWORD)
    assert client.get("/admin/login/").status_code == 403
