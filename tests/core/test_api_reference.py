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
            "records": {2: {"minutes": ["请填写合法的整数值。"]}},
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
            {"field": "records[2].minutes", "message": "请填写合法的整数值。"},
        ],
    }
    assert validation_error_body(["整体错误"]) == {"detail": "整体错误"}
    assert validation_error_body({}) == {"detail": "输入有误"}


def test_every_property_and_parameter_is_described_in_chinese_and_english(client):
    import re

    schema = yaml.safe_load(client.get("/api/v1/schema").content)
    han, latin = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{2,}")

    def bilingual(text):
        return bool(han.search(text) and latin.search(text))

    undescribed = [
        f"{name}.{prop}"
        for name, component in schema["components"]["schemas"].items()
        for prop, spec in (component.get("properties") or {}).items()
        if not bilingual(spec.get("description", ""))
    ]
    undescribed += [
        f"{method.upper()} {path} ?{parameter['name']}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if not bilingual(parameter.get("description", ""))
    ]
    assert undescribed == [], "add them to apps/core/api_glossary.py"


def test_every_operation_is_summarised_and_answers_errors_in_the_one_shape(client):
    schema = yaml.safe_load(client.get("/api/v1/schema").content)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") or operation.get("description"), f"{method} {path}"
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
            if method == "post" and path != "/api/v1/auth/token":
                assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), path


def test_the_committed_schema_is_what_the_code_describes():
    """docs/openapi.yaml shows every API change in review: regenerate it with `make docs`."""
    from io import StringIO
    from pathlib import Path

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
    assert out.getvalue() == committed.read_text(encoding="utf-8"), (
        "docs/openapi.yaml differs from the API: run `make docs` and review the diff"
    )
    validate(yaml.safe_load(committed.read_text(encoding="utf-8")))


def test_a_path_no_route_matches_is_a_json_404(api_client):
    for path in ("/api/v1/nothing", "/api/v1/classes/abc/", "/api/v1/claims/1/nothing"):
        response = api_client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": f"接口不存在：{path}"}


def test_an_unmatched_post_is_a_json_404_too_without_a_csrf_token(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    client.handler.enforce_csrf_checks = True

    response = client.post("/api/v1/classes/-1/roster", {"x": "y"})

    assert response.status_code == 404 and response.json()["detail"].startswith("接口不存在")


def test_ids_too_long_for_the_database_are_not_found_or_refused(api_client):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory(officer=True))
    huge = "9" * 30

    assert api_client.get(f"/api/v1/claims/{huge}/").status_code == 404
    assert api_client.get(f"/claims/{huge}/").status_code in (302, 404)
    response = api_client.post(
        "/api/v1/ledger/payments",
        {"district": "500103", "reference": "X", "paid_on": "2026-12-01", "lines": [int(huge), -3]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"].startswith("lines")


def test_api_errors_outside_any_view_are_json_too(api_client, client):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory())
    odd = api_client.get("/api/v1/persons/%0A%10/")  # a newline no route pattern matches
    assert odd.status_code == 404 and odd["Content-Type"] == "application/json"

    from apps.core.views import server_error

    failed = server_error(RequestFactoryGet("/api/v1/claims/"))
    assert failed.status_code == 500 and failed["Content-Type"] == "application/json"
    assert "服务器内部错误" in failed.content.decode()
    assert "text/html" in server_error(RequestFactoryGet("/claims/"))["Content-Type"]


def RequestFactoryGet(path):
    from django.test import RequestFactory

    return RequestFactory().get(path)


def test_a_quote_must_be_json(api_client):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory())
    response = api_client.post(
        "/api/v1/quotes", {"kind": "class"}, format="multipart", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert response.status_code == 415
    assert response.json()["field"] == "Content-Type"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/claims/", b"[" * 100_000), ("/api/v1/quotes", b"[" * 100_000), ("/api/v1/claims/", b"{oops")],
)
def test_bodies_that_are_not_json_are_a_chinese_400(api_client, path, body):
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory(filer=True))
    response = api_client.post(path, body, content_type="application/json")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "JSON" in detail and any("\u4e00" <= ch <= "\u9fff" for ch in detail)


def test_a_body_over_the_size_limit_is_a_json_400_under_the_api(api_client, settings):
    from tests.factories import UserFactory

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api_client.force_authenticate(UserFactory(officer=True))
    response = api_client.post("/api/v1/ledger/payments", {"reference": "x" * 5000}, format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("请求无法处理")
