"""Every role × every page and API action on an institution and an employer of 渝中区.

Out of scope answers 404 (like a missing object), visible but not allowed answers 403, the
anonymous visitor is sent to the login page (401 on the API); a refused action changes nothing.
"""

import pytest
from django.urls import reverse

from apps.core.selectors import state_changes_for
from apps.institutions.models import InstitutionKind
from tests.factories import InstitutionOccupationFactory, OccupationFactory

from .conftest import ROLES, api_login, login

pytestmark = pytest.mark.django_db


def _matrix(**codes):
    """Expected status per role; every role must be named."""
    assert set(codes) == set(ROLES), set(ROLES) ^ set(codes)
    return [pytest.param(role, codes[role], id=role) for role in ROLES]


def _snapshot(institution):
    institution.refresh_from_db()
    return (
        institution.status,
        institution.kind,
        institution.high_skill_base,
        institution.address,
        institution.bank_account,
        institution.recognitions.count(),
        institution.years.count(),
        state_changes_for(obj=institution).count(),
    )


def _assert_anonymous_sent_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def _check(response, expected):
    if expected == "login":
        _assert_anonymous_sent_to_login(response)
    else:
        assert response.status_code == expected, response.content.decode()[:500]


# Reading --------------------------------------------------------------------------------------

LIST = _matrix(
    municipal_admin=200,
    officer_of_district=200,
    officer_other_district=200,
    reviewer_engaged=200,
    reviewer_not_engaged=200,
    operator_own=200,
    operator_other=200,
    filer_own=403,
    filer_other=403,
    auditor=200,
    anonymous="login",
)
SEES_THE_INSTITUTION = {
    "municipal_admin",
    "officer_of_district",
    "reviewer_engaged",
    "operator_own",
    "auditor",
}


@pytest.mark.parametrize(("role", "expected"), LIST)
def test_institution_list_page(client, world, role, expected):
    response = login(client, world.user(role)).get(reverse("institutions:institution_list"))
    _check(response, expected)
    if expected == 200:
        listed = {i.pk for i, _ in response.context["rows"]}
        assert (world.institution.pk in listed) is (role in SEES_THE_INSTITUTION)


DETAIL = _matrix(
    municipal_admin=200,
    officer_of_district=200,
    officer_other_district=404,
    reviewer_engaged=200,
    reviewer_not_engaged=404,
    operator_own=200,
    operator_other=404,
    filer_own=404,
    filer_other=404,
    auditor=200,
    anonymous="login",
)


@pytest.mark.parametrize(("role", "expected"), DETAIL)
def test_institution_detail_page(client, world, role, expected):
    response = login(client, world.user(role)).get(
        reverse("institutions:institution_detail", args=[world.institution.pk])
    )
    _check(response, expected)


MINE = _matrix(
    municipal_admin=403,
    officer_of_district=403,
    officer_other_district=403,
    reviewer_engaged=403,
    reviewer_not_engaged=403,
    operator_own=200,
    operator_other=200,
    filer_own=403,
    filer_other=403,
    auditor=403,
    anonymous="login",
)


@pytest.mark.parametrize(("role", "expected"), MINE)
def test_my_institutions_page(client, world, role, expected):
    response = login(client, world.user(role)).get(reverse("institutions:my_institutions"))
    _check(response, expected)
    if expected == 200:
        names = [i.name for i, _, _ in response.context["items"]]
        assert names == (["渝中区匠心职业培训学校"] if role == "operator_own" else ["万州区职业培训学校"])


# Acting ---------------------------------------------------------------------------------------

DISTRICT_ACTION = _matrix(
    municipal_admin=302,
    officer_of_district=302,
    officer_other_district=404,
    reviewer_engaged=403,
    reviewer_not_engaged=404,
    operator_own=403,
    operator_other=404,
    filer_own=404,
    filer_other=404,
    auditor=403,
    anonymous="login",
)
ADMIN_ACTION = _matrix(
    municipal_admin=302,
    officer_of_district=403,
    officer_other_district=404,
    reviewer_engaged=403,
    reviewer_not_engaged=404,
    operator_own=403,
    operator_other=404,
    filer_own=404,
    filer_other=404,
    auditor=403,
    anonymous="login",
)
OPERATOR_ACTION = _matrix(
    municipal_admin=403,
    officer_of_district=403,
    officer_other_district=404,
    reviewer_engaged=403,
    reviewer_not_engaged=404,
    operator_own=302,
    operator_other=404,
    filer_own=404,
    filer_other=404,
    auditor=403,
    anonymous="login",
)


def _post_and_check(client, world, role, expected, url, data):
    institution = world.institution
    before = _snapshot(institution)
    response = login(client, world.user(role)).post(url, data)
    _check(response, expected)
    after = _snapshot(institution)
    if expected == 302 and role != "anonymous":
        assert after != before
        assert state_changes_for(obj=institution).last().actor == world.user(role)
    else:
        assert after == before


@pytest.mark.parametrize(("role", "expected"), DISTRICT_ACTION)
def test_suspend_page_action(client, world, role, expected):
    url = reverse("institutions:institution_transition", args=[world.institution.pk])
    _post_and_check(
        client, world, role, expected, url, {"to": "suspended", "reason": "投诉核查", "confirm": "on"}
    )


@pytest.mark.parametrize(("role", "expected"), DISTRICT_ACTION)
def test_recognition_add_page_action(client, world, role, expected):
    cook = OccupationFactory(cook=True)
    url = reverse("institutions:recognition_add", args=[world.institution.pk])
    _post_and_check(
        client,
        world,
        role,
        expected,
        url,
        {"occupation": cook.pk, "level": "5", "recognised_on": "2021-05-01"},
    )


@pytest.mark.parametrize(("role", "expected"), DISTRICT_ACTION)
def test_recognition_remove_page_action(client, world, role, expected):
    row = InstitutionOccupationFactory(institution=world.institution)
    url = reverse("institutions:recognition_remove", args=[world.institution.pk, row.pk])
    get_expected = 200 if expected == 302 else expected
    _check(login(client, world.user(role)).get(url), get_expected)
    _post_and_check(client, world, role, expected, url, {"reason": "师资不足", "confirm": "on"})


@pytest.mark.parametrize(("role", "expected"), DISTRICT_ACTION)
def test_year_set_page_action(client, world, role, expected):
    url = reverse("institutions:year_set", args=[world.institution.pk])
    _post_and_check(
        client,
        world,
        role,
        expected,
        url,
        {"year": "2021", "evaluation_score": "88", "plan_quota": "300", "reason": "现场评估"},
    )


@pytest.mark.parametrize(("role", "expected"), ADMIN_ACTION)
def test_high_skill_page_action(client, world, role, expected):
    url = reverse("institutions:high_skill_set", args=[world.institution.pk])
    _post_and_check(
        client, world, role, expected, url, {"high_skill_base": "municipal", "reason": "第二批市级基地"}
    )


@pytest.mark.parametrize(("role", "expected"), OPERATOR_ACTION)
def test_edit_details_page_action(client, world, role, expected):
    url = reverse("institutions:institution_edit", args=[world.institution.pk])
    _check(login(client, world.user(role)).get(url), 200 if expected == 302 else expected)
    data = {
        "address": "重庆市渝中区新华路 9 号",
        "contact_name": "赵老师",
        "contact_phone": "023-63009999",
        "bank_name": "中国银行重庆分行",
        "bank_account": "6216000011112222",
    }
    _post_and_check(client, world, role, expected, url, data)


@pytest.fixture
def centre(world):
    institution = world.institution
    institution.kind = InstitutionKind.ENTERPRISE_CENTRE
    institution.save()
    return institution


@pytest.mark.parametrize(("role", "expected"), ADMIN_ACTION)
def test_file_an_enterprise_centre_page_action(client, world, centre, role, expected):
    url = reverse("institutions:institution_transition", args=[centre.pk])
    _post_and_check(
        client, world, role, expected, url, {"to": "filed", "reason": "报市局备案", "confirm": "on"}
    )


# API ------------------------------------------------------------------------------------------


def _api(codes):
    return [pytest.param(p.values[0], 401 if p.values[1] == "login" else p.values[1], id=p.id) for p in codes]


@pytest.mark.parametrize(("role", "expected"), _api(LIST))
def test_institution_list_api(api_client, world, role, expected):
    response = api_login(api_client, world.user(role)).get("/api/v1/institutions/")
    assert response.status_code == expected
    if expected == 200:
        listed = {row["id"] for row in response.json()["results"]}
        assert (world.institution.pk in listed) is (role in SEES_THE_INSTITUTION)


@pytest.mark.parametrize(("role", "expected"), _api(DETAIL))
def test_institution_detail_api(api_client, world, role, expected):
    response = api_login(api_client, world.user(role)).get(f"/api/v1/institutions/{world.institution.pk}/")
    assert response.status_code == expected


def _api_post_and_check(api_client, world, role, expected, body):
    institution = world.institution
    before = _snapshot(institution)
    response = api_login(api_client, world.user(role)).post(
        f"/api/v1/institutions/{institution.pk}/transition", body, format="json"
    )
    assert response.status_code == expected, response.content
    after = _snapshot(institution)
    if expected == 200:
        assert response.json()["status"] == body["to"] == after[0]
        assert state_changes_for(obj=institution).last().actor == world.user(role)
    else:
        assert after == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param(p.values[0], 200 if p.values[1] == 302 else p.values[1], id=p.id)
        for p in _api(DISTRICT_ACTION)
    ],
)
def test_transition_api(api_client, world, role, expected):
    _api_post_and_check(api_client, world, role, expected, {"to": "revoked", "reason": "骗取补贴"})


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param(p.values[0], 200 if p.values[1] == 302 else p.values[1], id=p.id)
        for p in _api(ADMIN_ACTION)
    ],
)
def test_file_api(api_client, world, centre, role, expected):
    _api_post_and_check(api_client, world, role, expected, {"to": "filed", "reason": ""})


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param(p.values[0], 200 if p.values[1] == 302 else p.values[1], id=p.id)
        for p in _api(DISTRICT_ACTION)
    ],
)
def test_year_set_api(api_client, world, role, expected):
    """Issue 19, part 2: the year's plan and overriding score by the API, as on the page."""
    institution = world.institution
    before = _snapshot(institution)
    response = api_login(api_client, world.user(role)).post(
        f"/api/v1/institutions/{institution.pk}/years",
        {"year": 2021, "evaluation_score": "88", "plan_quota": 300, "reason": "现场评估"},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["years"][0]["evaluation_score_reason"] == "现场评估"
    else:
        assert _snapshot(institution) == before


# Employers ------------------------------------------------------------------------------------

EMPLOYER_LIST = _matrix(
    municipal_admin=200,
    officer_of_district=200,
    officer_other_district=200,
    reviewer_engaged=403,
    reviewer_not_engaged=403,
    operator_own=403,
    operator_other=403,
    filer_own=200,
    filer_other=200,
    auditor=200,
    anonymous="login",
)
SEES_THE_EMPLOYER = {"municipal_admin", "officer_of_district", "filer_own", "auditor"}
EMPLOYER_DETAIL = _matrix(
    municipal_admin=200,
    officer_of_district=200,
    officer_other_district=404,
    reviewer_engaged=404,
    reviewer_not_engaged=404,
    operator_own=404,
    operator_other=404,
    filer_own=200,
    filer_other=404,
    auditor=200,
    anonymous="login",
)
EMPLOYER_EDIT = _matrix(
    municipal_admin=403,
    officer_of_district=403,
    officer_other_district=404,
    reviewer_engaged=404,
    reviewer_not_engaged=404,
    operator_own=404,
    operator_other=404,
    filer_own=302,
    filer_other=404,
    auditor=403,
    anonymous="login",
)
MY_EMPLOYERS = _matrix(
    municipal_admin=403,
    officer_of_district=403,
    officer_other_district=403,
    reviewer_engaged=403,
    reviewer_not_engaged=403,
    operator_own=403,
    operator_other=403,
    filer_own=200,
    filer_other=200,
    auditor=403,
    anonymous="login",
)


@pytest.mark.parametrize(("role", "expected"), EMPLOYER_LIST)
def test_employer_list_page(client, world, role, expected):
    response = login(client, world.user(role)).get(reverse("institutions:employer_list"))
    _check(response, expected)
    if expected == 200:
        listed = {e.pk for e in response.context["page"].object_list}
        assert (world.employer.pk in listed) is (role in SEES_THE_EMPLOYER)


@pytest.mark.parametrize(("role", "expected"), EMPLOYER_DETAIL)
def test_employer_detail_page(client, world, role, expected):
    response = login(client, world.user(role)).get(
        reverse("institutions:employer_detail", args=[world.employer.pk])
    )
    _check(response, expected)


@pytest.mark.parametrize(("role", "expected"), MY_EMPLOYERS)
def test_my_employers_page(client, world, role, expected):
    _check(login(client, world.user(role)).get(reverse("institutions:my_employers")), expected)


@pytest.mark.parametrize(("role", "expected"), EMPLOYER_EDIT)
def test_employer_edit_page_action(client, world, role, expected):
    employer = world.employer
    url = reverse("institutions:employer_edit", args=[employer.pk])
    _check(login(client, world.user(role)).get(url), 200 if expected == 302 else expected)
    log_rows = state_changes_for(obj=employer).count()
    response = client.post(url, {"address": "渝中区 9 号", "contact_name": "钱", "contact_phone": ""})
    _check(response, expected)
    employer.refresh_from_db()
    changed = expected == 302 and role != "anonymous"
    assert (employer.address == "渝中区 9 号") is changed
    assert state_changes_for(obj=employer).count() == log_rows + (1 if changed else 0)


@pytest.mark.parametrize(("role", "expected"), _api(EMPLOYER_LIST))
def test_employer_list_api(api_client, world, role, expected):
    response = api_login(api_client, world.user(role)).get("/api/v1/employers/")
    assert response.status_code == expected
    if expected == 200:
        listed = {row["id"] for row in response.json()["results"]}
        assert (world.employer.pk in listed) is (role in SEES_THE_EMPLOYER)


@pytest.mark.parametrize(("role", "expected"), _api(EMPLOYER_DETAIL))
def test_employer_detail_api(api_client, world, role, expected):
    response = api_login(api_client, world.user(role)).get(f"/api/v1/employers/{world.employer.pk}/")
    assert response.status_code == expected


def test_a_missing_institution_is_404_like_one_out_of_scope(client, api_client, world):
    officer = world.user("officer_of_district")
    client.force_login(officer)
    assert client.get(reverse("institutions:institution_detail", args=[999999])).status_code == 404
    api_client.force_authenticate(officer)
    assert api_client.get("/api/v1/institutions/999999/").status_code == 404
    assert api_client.post("/api/v1/institutions/999999/transition", {"to": "revoked"}).status_code == 404
