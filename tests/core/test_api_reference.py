"""The API describes itself (issue 16, item 1): a root that lists the routes, an OpenAPI 3 schema
that validates, and reference pages served from local files."""

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_root_lists_the_resources_and_where_to_read_more(client):
    response = client.get("/api/v1/")

    assert response.status_code == 200
    data = response.json()
    assert data["version"] == "v1"
    assert data["schema"].endswith("/api/v1/schema")
    assert data["reference"].endswith("/api/v1/docs/")
    paths = {resource["path"] for resource in data["resources"]}
    expected = {"/api/v1/auth/token", "/api/v1/quotes", "/api/v1/parameters", "/api/v1/events"}
    assert expected | {"/api/v1/claims/"} <= paths
    assert "/api/v1/" not in paths


def test_the_schema_is_valid_openapi_3(client):
    response = client.get("/api/v1/schema")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "培训补贴 Peixun API"
    validate(schema)


def test_the_reference_pages_use_local_files_only(client):
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "jsdelivr" not in html and "unpkg" not in html and "cdn" not in html.lower()


def test_every_page_links_the_api_reference(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert 'href="/api/v1/docs/"' in client.get("/").content.decode()


def test_validation_errors_take_the_one_error_shape_with_every_error_listed():
    from apps.core.apis import validation_error_body

    body = validation_error_body(
        {
            "name": ["该字段是必填项。"],
            "sessions": [{}, {"date": ["日期格式错误。"], "mode": ["“x” 不是合法选项。"]}],
            "non_field_errors": ["结业日期不能早于开班日期。"],
        }
    )

    assert body == {
        "detail": "字段 name：该字段是必填项。",
        "field": "name",
        "errors": [
            {"field": "name", "message": "该字段是必填项。"},
            {"field": "sessions[1].date", "message": "日期格式错误。"},
            {"field": "sessions[1].mode", "message": "“x” 不是合法选项。"},
            {"field": "", "message": "结业日期不能早于开班日期。"},
        ],
    }
    assert validation_error_body(["整体错误"]) == {"detail": "整体错误"}
    assert validation_error_body({}) == {"detail": "输入有误"}
