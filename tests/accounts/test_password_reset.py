"""Password reset by the responsible authority (issue 17, item 7): the municipal admin resets any
non-admin's password, a district officer those of the institutions and enterprises of their own
district; the user must change the temporary password before anything else; every reset is logged."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.models import PasswordReset, Role
from apps.notices.models import Notice
from tests.factories import PASSWORD, UserFactory, district

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Peixun-new-2021"


@pytest.fixture
def people(db):
    yuzhong, wanzhou = district("500103"), district("500101")
    return {
        "admin": UserFactory(municipal_admin=True, username="admin"),
        "admin2": UserFactory(municipal_admin=True, username="admin.two"),
        "officer": UserFactory(officer=True, username="officer.yuzhong", district=yuzhong),
        "officer_other": UserFactory(officer=True, username="officer.wanzhou", district=wanzhou),
        "school": UserFactory(operator=True, username="school", district=yuzhong),
        "enterprise": UserFactory(filer=True, username="enterprise", district=yuzhong),
        "enterprise_other": UserFactory(filer=True, username="enterprise.wanzhou", district=wanzhou),
        "reviewer": UserFactory(reviewer=True, username="reviewer"),
        "auditor": UserFactory(auditor=True, username="auditor"),
    }


def _reset(client, actor, target):
    client.force_login(actor)
    return client.post(reverse("accounts:user_reset", args=[target.pk]))


def _temporary(response):
    return re.search(r'<code id="temporary-password">([^<]+)</code>', response.content.decode()).group(1)


# Who may reset whose password: (actor, target) → status of the POST.
MATRIX = [
    ("admin", "officer", 200),
    ("admin", "officer_other", 200),
    ("admin", "school", 200),
    ("admin", "enterprise_other", 200),
    ("admin", "reviewer", 200),
    ("admin", "auditor", 200),
    ("admin", "admin2", 404),  # no admin resets another admin
    ("admin", "admin", 404),  # nor their own (they change it)
    ("officer", "school", 200),
    ("officer", "enterprise", 200),
    ("officer", "enterprise_other", 404),  # another district's enterprise
    ("officer", "officer_other", 404),
    ("officer", "officer", 404),
    ("officer", "auditor", 404),
    ("officer", "admin", 404),
    ("officer_other", "school", 404),
    ("officer_other", "enterprise_other", 200),
    ("school", "enterprise", 403),
    ("school", "school", 403),
    ("enterprise", "school", 403),
    ("auditor", "school", 403),
    ("reviewer", "school", 403),
]


@pytest.mark.parametrize(("actor", "target", "status"), MATRIX)
def test_who_may_reset_whose_password(client, people, actor, target, status):
    before = people[target].password
    response = _reset(client, people[actor], people[target])
    assert response.status_code == status
    people[target].refresh_from_db()
    assert (people[target].password != before) is (status == 200)
    assert PasswordReset.objects.count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("actor", "status", "listed"),
    [
        (
            "admin",
            200,
            {
                "officer.yuzhong",
                "officer.wanzhou",
                "school",
                "enterprise",
                "enterprise.wanzhou",
                "reviewer",
                "auditor",
            },
        ),
        ("officer", 200, {"school", "enterprise"}),
        ("officer_other", 200, {"enterprise.wanzhou"}),
        ("school", 403, None),
        ("enterprise", 403, None),
        ("auditor", 403, None),
        ("reviewer", 403, None),
    ],
)
def test_the_account_list_shows_whom_the_user_manages(client, people, actor, status, listed):
    client.force_login(people[actor])
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == status
    if listed is not None:
        assert {account.username for account in response.context["page"].object_list} == listed
        assert "账号管理" in response.content.decode()


def test_pages_need_login(client, people):
    for url in (
        reverse("accounts:user_list"),
        reverse("accounts:password_resets"),
        reverse("accounts:user_reset", args=[people["school"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_the_menu_offers_account_management_to_the_admin_and_officers_only(client, people):
    for name, offered in (("admin", True), ("officer", True), ("school", False), ("auditor", False)):
        client.force_login(people[name])
        assert (reverse("accounts:user_list") in client.get(reverse("core:home")).content.decode()) is offered


def test_the_list_searches_and_costs_few_queries(client, people, django_assert_max_num_queries):
    for n in range(30):
        UserFactory(operator=True, username=f"school{n:02}", district=district("500103"))
    client.force_login(people["officer"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 32
    found = client.get(reverse("accounts:user_list"), {"q": "school0"})
    assert {a.username for a in found.context["page"].object_list} == {f"school0{n}" for n in range(10)}


def test_the_confirmation_page_changes_nothing(client, people):
    client.force_login(people["officer"])
    response = client.get(reverse("accounts:user_reset", args=[people["school"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "确认重置密码" in body and 'name="csrfmiddlewaretoken"' in body
    people["school"].refresh_from_db()
    assert people["school"].check_password(PASSWORD)
    assert not PasswordReset.objects.exists()


def test_the_reset_needs_csrf(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["officer"])
    assert client.post(reverse("accounts:user_reset", args=[people["school"].pk])).status_code == 403
    assert not PasswordReset.objects.exists()


def test_a_reset_sets_a_temporary_password_ends_sessions_and_tokens_logs_and_tells_the_user(
    client, people, settings
):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    school = people["school"]
    their_browser = Client()
    their_browser.force_login(school)
    assert their_browser.get(reverse("core:home")).status_code == 200
    token = Token.objects.create(user=school)
    for _ in range(2):  # locked out at one address
        Client().post(reverse("accounts:login"), {"username": "school", "password": "x"})
    assert AccessAttempt.objects.exists()

    response = _reset(client, people["officer"], school)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    temporary = _temporary(response)
    assert len(temporary) == 12

    school.refresh_from_db()
    assert school.check_password(temporary) and not school.check_password(PASSWORD)
    assert school.must_change_password
    assert not Token.objects.filter(key=token.key).exists()
    assert their_browser.get(reverse("core:home")).status_code == 302  # that session has ended
    assert not AccessAttempt.objects.exists()  # and the lock-out is lifted

    reset = PasswordReset.objects.get()
    assert (reset.user, reset.actor) == (school, people["officer"])
    notice = Notice.objects.get(recipient=school)
    assert notice.kind == "password_reset"
    assert notice.title == "您的登录密码已被重置"
    assert "officer.yuzhong" in notice.body or people["officer"].full_name in notice.body
    assert temporary not in notice.body and temporary not in notice.title
    assert not Notice.objects.filter(recipient=people["officer"]).exists()


def test_each_reset_draws_a_new_password(client, people):
    first = _temporary(_reset(client, people["admin"], people["auditor"]))
    second = _temporary(_reset(client, people["admin"], people["auditor"]))
    assert first != second
    assert PasswordReset.objects.count() == 2


def test_after_a_reset_the_user_must_change_the_password_before_anything_else(client, people):
    temporary = _temporary(_reset(client, people["officer"], people["school"]))
    user = Client()
    login = user.post(reverse("accounts:login"), {"username": "school", "password": temporary})
    assert login.status_code == 302
    change = reverse("accounts:password_change")
    assert user.get(reverse("core:home")).url == change
    assert user.get(reverse("claims:list")).url == change
    page = user.get(change)
    assert page.status_code == 200
    assert "您的密码已被重置" in page.content.decode()

    api = user.get("/api/v1/me")  # by session
    assert api.status_code == 403
    assert api.json() == {"detail": "密码已被重置，请先登录门户修改临时密码"}
    obtained = APIClient().post(
        "/api/v1/auth/token", {"username": "school", "password": temporary}, format="json"
    )
    assert obtained.status_code == 403
    assert obtained.json() == {"detail": "密码已被重置，请先登录门户修改临时密码"}
    assert not Token.objects.exists()

    same = user.post(
        change, {"old_password": temporary, "new_password1": temporary, "new_password2": temporary}
    )
    assert same.status_code == 200
    assert "新密码不能与当前密码相同" in same.content.decode()
    weak = user.post(
        change, {"old_password": temporary, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200
    assert user.get(reverse("core:home")).status_code == 302

    done = user.post(
        change, {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done.url == reverse("core:home")
    assert user.get(reverse("core:home")).status_code == 200  # the session lives on
    people["school"].refresh_from_db()
    assert not people["school"].must_change_password
    assert (
        APIClient()
        .post("/api/v1/auth/token", {"username": "school", "password": NEW_PASSWORD}, format="json")
        .status_code
        == 200
    )


def test_a_user_who_must_change_may_still_log_out(client, people):
    temporary = _temporary(_reset(client, people["admin"], people["auditor"]))
    user = Client()
    user.post(reverse("accounts:login"), {"username": "auditor", "password": temporary})
    assert user.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in user.session


def test_a_surviving_token_of_a_user_who_must_change_is_refused(people):
    people["school"].must_change_password = True
    people["school"].save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['school']).key}")
    response = api.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json() == {"detail": "密码已被重置，请先登录门户修改临时密码"}


def test_any_user_changes_their_own_password_under_the_portals_rules(client, people):
    client.force_login(people["enterprise"])
    change = reverse("accounts:password_change")
    short = client.post(change, {"old_password": PASSWORD, "new_password1": "Ab1", "new_password2": "Ab1"})
    assert short.status_code == 200
    assert "密码" in short.content.decode()
    done = client.post(
        change, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    people["enterprise"].refresh_from_db()
    assert people["enterprise"].check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("actor", "status", "seen"),
    [
        ("admin", 200, {"school", "enterprise.wanzhou", "auditor"}),
        ("officer", 200, {"school"}),
        ("officer_other", 200, {"enterprise.wanzhou"}),
        ("enterprise", 403, None),
        ("reviewer", 403, None),
    ],
)
def test_the_reset_log_shows_each_manager_their_own_scope(client, people, actor, status, seen):
    _reset(Client(), people["officer"], people["school"])
    _reset(Client(), people["officer_other"], people["enterprise_other"])
    _reset(Client(), people["admin"], people["auditor"])
    client.force_login(people[actor])
    response = client.get(reverse("accounts:password_resets"))
    assert response.status_code == status
    if seen is not None:
        assert {reset.user.username for reset in response.context["page"].object_list} == seen


def test_the_reset_log_is_read_only_in_the_django_admin(client, people):
    _reset(Client(), people["officer"], people["school"])
    superuser = UserFactory(municipal_admin=True, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    listed = client.get(reverse("admin:accounts_passwordreset_changelist"))
    assert listed.status_code == 200
    assert people["school"].full_name in listed.content.decode()
    reset = PasswordReset.objects.get()
    assert (
        client.post(
            reverse("admin:accounts_passwordreset_delete", args=[reset.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert PasswordReset.objects.count() == 1


def test_the_matrix_tries_every_role_as_the_actor(people):
    assert {people[actor].role for actor, _, _ in MATRIX} == set(Role)
