import pytest
from django.urls import reverse

from apps.accounts.models import LoginFailure
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_page_is_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录培训补贴管理平台" in body


def test_successful_login_goes_home_and_clears_failures(client):
    user = UserFactory(officer=True)
    _login(client, user.username, "wrong-password")
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert LoginFailure.objects.count() == 0


def test_wrong_password_says_how_many_tries_are_left(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    user = UserFactory()
    response = _login(client, user.username, "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码错误，再失败 4 次账号将被锁定" in response.content.decode()


def test_lockout_after_repeated_failures_refuses_even_the_right_password(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(2):
        assert _login(client, user.username, "wrong-password").status_code == 400
    third = _login(client, user.username, "wrong-password")
    assert third.status_code == 429
    assert "已被锁定" in third.content.decode()

    locked = _login(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_case_insensitive(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    victim = UserFactory(username="officer.a")
    other = UserFactory(username="officer.b")
    _login(client, "OFFICER.A", "x")
    _login(client, "officer.a", "x")
    assert _login(client, victim.username, PASSWORD).status_code == 429
    assert _login(client, other.username, PASSWORD).status_code == 302


def test_lockout_expires_after_the_window(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.LOGIN_FAILURE_LIMIT = 2
    user = UserFactory()
    _login(client, user.username, "x")
    _login(client, user.username, "x")
    LoginFailure.objects.update(
        created_at=timezone.now() - settings.LOGIN_LOCKOUT_WINDOW - timedelta(seconds=1)
    )
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    _login(client, "nobody", "x")
    assert _login(client, "nobody", "x").status_code == 429


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
    settings.LOGIN_FAILURE_LIMIT = 3
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
