"""GET /api/v1/events (issue 16, item 5): the state changes a caller may see, in order, by cursor."""

import pytest
from django.test import override_settings

from apps.classes.services import class_transition
from apps.core.models import StateChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(make_class, operator):
    training_class = make_class()
    class_transition(training_class=training_class, actor=operator, to="submitted")
    return training_class


def _events(api_client, **params):
    response = api_client.get("/api/v1/events", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_institution_reads_its_class_changes_in_order(api_client, operator, submitted):
    api_client.force_authenticate(operator)

    data = _events(api_client)

    events = [(e["type"], e["object_id"], e["from"], e["to"]) for e in data["results"]]
    assert events == [
        ("classes.trainingclass", str(submitted.pk), "", "draft"),
        ("classes.trainingclass", str(submitted.pk), "draft", "submitted"),
    ]
    assert data["results"][0]["reason"] == "创建开班申请"
    assert data["results"][1]["actor"] == operator.username
    assert data["has_more"] is False
    assert data["next"] == data["results"][-1]["cursor"]


def test_paging_by_cursor_misses_nothing_and_repeats_nothing(api_client, operator, submitted, make_class):
    make_class(name="第二班")
    api_client.force_authenticate(operator)
    everything = [e["cursor"] for e in _events(api_client)["results"]]

    seen, cursor = [], "0"
    while True:
        page = _events(api_client, after=cursor, limit=1)
        seen += [e["cursor"] for e in page["results"]]
        cursor = page["next"]
        if not page["has_more"]:
            break

    assert seen == everything and len(seen) == 3
    assert _events(api_client, after=cursor) == {"results": [], "next": cursor, "has_more": False}


def test_another_districts_officer_sees_none_of_it(api_client, officer_wanzhou, officer_yuzhong, submitted):
    api_client.force_authenticate(officer_wanzhou)
    assert _events(api_client)["results"] == []

    api_client.force_authenticate(officer_yuzhong)
    assert {e["object_id"] for e in _events(api_client)["results"]} == {str(submitted.pk)}


def test_a_type_filter_narrows_the_feed(api_client, operator, submitted):
    api_client.force_authenticate(operator)

    assert len(_events(api_client, type="classes.trainingclass")["results"]) == 2
    assert _events(api_client, type="claims.claim")["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": "abc"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"type": "claims.nothing"}, "type"),
        ({"after": "9" * 30}, "after"),
        ({"after": "1.5"}, "after"),
    ],
)
def test_bad_parameters_are_refused_in_chinese(api_client, operator, params, field):
    api_client.force_authenticate(operator)

    response = api_client.get("/api/v1/events", params)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_the_newest_seconds_are_held_back_until_their_order_is_final(api_client, operator, submitted):
    api_client.force_authenticate(operator)

    with override_settings(EVENTS_SETTLE_SECONDS=60):
        assert _events(api_client)["results"] == []
    assert len(_events(api_client)["results"]) == 2


def test_anonymous_is_refused(api_client, submitted):
    assert api_client.get("/api/v1/events").status_code in (401, 403)


def test_the_feed_reads_in_a_bounded_number_of_queries(
    api_client, operator, make_class, django_assert_max_num_queries
):
    for n in range(5):
        make_class(name=f"班{n}")
    api_client.force_authenticate(operator)
    assert StateChange.objects.count() >= 5

    with django_assert_max_num_queries(25):
        assert len(_events(api_client)["results"]) == 5
