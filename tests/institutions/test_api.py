"""The institutions API: scoped, paginated lists; details with recognitions and years; the
transition endpoint with the same rules and errors as the pages."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from apps.core.selectors import state_changes_for
from apps.institutions.models import InstitutionStatus
from tests.factories import (
    InstitutionOccupationFactory,
    InstitutionYearFactory,
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    OccupationFactory,
)

pytestmark = pytest.mark.django_db


def test_detail_carries_recognitions_years_and_whether_it_may_run_classes(api_client, officer_yuzhong):
    school = NumberedInstitutionFactory()
    InstitutionOccupationFactory(institution=school, level=3)
    InstitutionOccupationFactory(institution=school, level=None, occupation=OccupationFactory())
    InstitutionYearFactory(institution=school, year=2021, evaluation_score=Decimal("88.00"), plan_quota=150)
    api_client.force_authenticate(officer_yuzhong)

    data = api_client.get(f"/api/v1/institutions/{school.pk}/").json()

    assert (data["status"], data["status_label"], data["district"], data["kind"]) == (
        "recognised",
        "已认定",
        "500103",
        "district_private_school",
    )
    assert data["recognitions"] == [
        {
            "occupation": "4-03-02-01",
            "occupation_name": "中式烹调师",
            "level": 3,
            "recognised_on": "2021-03-15",
        },
        {"occupation": "6-18-01-01", "occupation_name": "车工", "level": None, "recognised_on": "2021-03-15"},
    ]
    # A score typed without the log (before issue 19, part 2): no one and no reason to show.
    assert data["years"] == [
        {
            "year": 2021,
            "evaluation_score": "88.00",
            "evaluation_score_reason": "",
            "evaluation_score_by": "",
            "evaluation_score_at": None,
            "plan_quota": 150,
        }
    ]
    assert data["can_run_classes"] == {"allowed": True, "reason": ""}


def test_an_overriding_score_by_the_api_needs_a_reason_and_shows_it(api_client, officer_yuzhong):
    """Issue 19, part 2: the 综合评估 score is computed; one typed by an officer overrides it and
    needs a reason, shown with who typed it and when."""
    school = NumberedInstitutionFactory()
    api_client.force_authenticate(officer_yuzhong)
    url = f"/api/v1/institutions/{school.pk}/years"

    refused = api_client.post(
        url, {"year": 2022, "evaluation_score": "72.5", "plan_quota": 90}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "填写或修改综合评估得分须说明原因（人工覆盖计算得分）",
        "field": "reason",
    }
    assert not school.years.exists()

    body = {"year": 2022, "evaluation_score": "72.5", "plan_quota": 90, "reason": "现场复核，师资不足"}
    response = api_client.post(url, body, format="json")
    assert response.status_code == 200
    [year] = response.json()["years"]
    assert (year["evaluation_score"], year["evaluation_score_reason"], year["plan_quota"]) == (
        "72.50",
        "现场复核，师资不足",
        90,
    )
    assert year["evaluation_score_by"] == str(officer_yuzhong) and year["evaluation_score_at"]
    # The plan alone changes without a reason; clearing the override too.
    assert (
        api_client.post(
            url, {"year": 2022, "evaluation_score": "72.50", "plan_quota": 95}, format="json"
        ).status_code
        == 200
    )
    cleared = api_client.post(url, {"year": 2022, "evaluation_score": None, "plan_quota": 95}, format="json")
    assert cleared.status_code == 200
    assert cleared.json()["years"][0]["evaluation_score"] is None
    assert cleared.json()["years"][0]["evaluation_score_reason"] is None


def test_transition_returns_the_institution_and_logs_the_change(api_client, officer_yuzhong):
    school = NumberedInstitutionFactory(applied=True)
    token = Token.objects.create(user=officer_yuzhong)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.post(
        f"/api/v1/institutions/{school.pk}/transition",
        {"to": "recognised", "reason": "核查合格"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (school.pk, "recognised")
    [log] = state_changes_for(obj=school)
    assert (log.actor, log.from_state, log.to_state, log.reason) == (
        officer_yuzhong,
        "applied",
        "recognised",
        "核查合格",
    )


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        pytest.param("applied", {"to": "filed"}, "不能从“已申请”变更为“已备案”", id="applied to filed"),
        pytest.param("revoked", {"to": "recognised", "reason": "x"}, "撤销是最终状态", id="revoked is final"),
        pytest.param("recognised", {"to": "filed"}, "只有企业职工培训中心", id="a school is not filed"),
    ],
)
def test_a_forbidden_transition_is_400_with_detail_and_rule(api_client, municipal_admin, status, body, says):
    school = NumberedInstitutionFactory(status=status)
    api_client.force_authenticate(municipal_admin)

    response = api_client.post(f"/api/v1/institutions/{school.pk}/transition", body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert data["rule"] == "R4.1" and says in data["detail"]
    school.refresh_from_db()
    assert school.status == status and not state_changes_for(obj=school).exists()


def test_a_missing_reason_and_an_unknown_status_are_400(api_client, officer_yuzhong):
    school = NumberedInstitutionFactory()
    api_client.force_authenticate(officer_yuzhong)
    url = f"/api/v1/institutions/{school.pk}/transition"

    missing = api_client.post(url, {"to": "suspended"}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "reason"
    unknown = api_client.post(url, {"to": "closed", "reason": "x"}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {
        "detail": "字段 to：“closed” 不是合法选项。",
        "field": "to",
    }
    school.refresh_from_db()
    assert school.status == InstitutionStatus.RECOGNISED


def test_anonymous_transition_is_401(api_client):
    school = NumberedInstitutionFactory()
    response = api_client.post(
        f"/api/v1/institutions/{school.pk}/transition", {"to": "revoked"}, format="json"
    )
    assert response.status_code == 401


def test_list_filters_and_paginates(api_client, municipal_admin):
    NumberedInstitutionFactory(name="渝中甲", applied=True)
    NumberedInstitutionFactory(name="渝中乙")
    NumberedInstitutionFactory(name="万州丙", wanzhou=True)
    api_client.force_authenticate(municipal_admin)

    def names(query):
        return [row["name"] for row in api_client.get(f"/api/v1/institutions/?{query}").json()["results"]]

    assert names("status=applied") == ["渝中甲"]
    assert names("district=500101") == ["万州丙"]
    assert names("q=渝中") == ["渝中乙", "渝中甲"]
    page = api_client.get("/api/v1/institutions/").json()
    assert (page["count"], page["next"], page["previous"]) == (3, None, None)


def test_employer_api_shows_the_entity_type_and_the_group(api_client, officer_wanzhou):
    group = NumberedEmployerFactory(name="重庆三峡集团有限公司")
    member = NumberedEmployerFactory(name="重庆三峡电缆有限公司", parent=group, classified=True)
    api_client.force_authenticate(officer_wanzhou)

    data = api_client.get(f"/api/v1/employers/{member.pk}/").json()

    assert data["entity_type"] == {"prefix": "91", "label": "企业"}
    assert (data["parent"], data["parent_uscc"], data["is_classified"], data["district"]) == (
        group.pk,
        group.uscc,
        True,
        "500101",
    )
    listed = api_client.get("/api/v1/employers/?classified=1").json()
    assert [row["name"] for row in listed["results"]] == ["重庆三峡电缆有限公司"]
