"""What every operation of the API shares, written into the OpenAPI schema once.

drf-spectacular describes each view from its serializers and ``extend_schema``; this module's
postprocessing hook then adds what no view repeats: the one error body (`Error`), the error
answers every operation can give (400, 401, 403, 404, 429; 409 for a keyed POST; 503 where work is
queued), the
``Idempotency-Key`` header on every POST (`apps.core.idempotency`), and the token security scheme.
Error bodies are always ``{"detail", "rule"?, "field"?, "errors"?}`` (`apps.core.apis`).
"""

from __future__ import annotations

import re
from typing import Any, Final

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .api_glossary import GLOSSARY

ERROR_REF: Final = {"$ref": "#/components/schemas/Error"}

ERROR_COMPONENT: Final[dict[str, Any]] = {
    "type": "object",
    "description": (
        "错误（中文说明，可能带规则编号与字段）/ An error: a Chinese message, with the rule ID and "
        "the field where they apply."
    ),
    "properties": {
        "detail": {"type": "string", "description": "中文错误说明 / The error, in Chinese"},
        "rule": {
            "type": "string",
            "description": "违反的规则编号（见 docs/rules.md），如 R10.1 / The rule ID broken, e.g. R10.1",
        },
        "field": {"type": "string", "description": "出错的字段 / The field at fault"},
        "errors": {
            "type": "array",
            "description": "逐行或逐字段的全部错误（一次列出）/ Every error by row or field, all in one pass",
            "items": {
                "type": "object",
                "properties": {
                    "row": {"type": "integer", "description": "表格行号 / Row of the sheet"},
                    "field": {"type": "string", "description": "字段 / Field"},
                    "rule": {"type": "string", "description": "规则编号 / Rule ID"},
                    "message": {"type": "string", "description": "中文说明 / Message, in Chinese"},
                },
                "additionalProperties": True,
            },
        },
    },
    "required": ["detail"],
    "additionalProperties": True,
}

ERRORS: Final[dict[str, str]] = {
    "400": "输入有误 / Invalid input",
    "401": "未登录或令牌无效 / Not signed in, or the token is not valid",
    "403": "无权执行此操作 / Not allowed",
    "404": "对象不存在或不在您的范围内 / Not found, or outside your scope",
    "429": "请求过于频繁（见 Retry-After）/ Too many requests (see Retry-After)",
}
KEY_CONFLICT: Final = (
    "Idempotency-Key 已用于内容不同的请求，或请求仍在处理 / "
    "The key was used for another request, or its first request still runs"
)

# The operations that queue work for a Celery worker (apps.core.tasks.publish): with the broker
# down they answer 503 and leave nothing queued.
QUEUEING: Final = {
    ("post", "/api/v1/audits/runs"),
    ("post", "/api/v1/exports"),
    # A large upload becomes an import job (apps.trainees.imports.jobs).
    ("post", "/api/v1/classes/{id}/attendance/online"),
    ("post", "/api/v1/classes/{id}/attendance/sheet"),
    ("post", "/api/v1/classes/{id}/results/upload"),
    ("post", "/api/v1/classes/{id}/roster"),
}
QUEUE_DOWN: Final = (
    "任务队列暂不可用，请稍后再试（未排队任何任务）/ The task queue is unavailable: nothing was queued"
)

UNSUPPORTED: Final = "请求体格式不受支持（见各接口的 Content-Type）/ Unsupported media type"

IDEMPOTENCY_PARAMETER: Final[dict[str, Any]] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "幂等键（建议 UUID）：同一调用方以同一键重发同一请求，返回首次成功的响应，不会重复创建；"
        "24 小时内有效。/ Send a new UUID per request: a retry with the same key and body returns "
        "the first successful response instead of running again; kept 24 hours per token."
    ),
    "schema": {"type": "string", "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "09:00"}
)
class LocalTimeField(serializers.TimeField):
    """A time of day in Chongqing, `HH:MM` or `HH:MM:SS`, without an offset. OpenAPI's "time"
    format is RFC 3339's full-time, which requires one: a session's "09:00:00" would not match."""


class ErrorSerializer(serializers.Serializer):
    """The error body, for ``extend_schema(responses=…)`` where a view names its errors itself."""

    detail = serializers.CharField(help_text="中文错误说明 / The error, in Chinese")
    rule = serializers.CharField(required=False, help_text="规则编号 / Rule ID")
    field = serializers.CharField(required=False, help_text="出错的字段 / The field at fault")


class QuoteStepSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="规则编号 / Rule ID")
    text = serializers.CharField(help_text="中文说明 / The step, in Chinese")
    arithmetic = serializers.CharField(help_text="算式 / Arithmetic")
    amount = serializers.CharField(allow_null=True, help_text="本步金额 / Amount of this step")


class QuoteFindingSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="规则编号 / Rule ID")
    severity = serializers.ChoiceField(choices=["E", "W", "O"], help_text="严重程度 / Severity")
    message = serializers.CharField(help_text="中文说明 / Message, in Chinese")


class QuoteResultSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="补贴金额（元，两位小数）/ Amount in yuan, two places")
    steps = QuoteStepSerializer(many=True)
    findings = QuoteFindingSerializer(many=True)
    rules_version = serializers.CharField(help_text="规则版本 / Rules version")
    paid_months = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="以工代训可补贴月份 / 以工代训 months paid"
    )


HAN: Final = re.compile(r"[\u4e00-\u9fff]")
LATIN: Final = re.compile(r"[A-Za-z]{2,}")


def bilingual(name: str, description: str) -> str:
    """``description`` in Chinese and English, the missing half taken from the glossary."""
    has_chinese, has_english = bool(HAN.search(description)), bool(LATIN.search(description))
    gloss = GLOSSARY.get(name)
    if (has_chinese and has_english) or gloss is None:
        return description
    chinese, english = gloss
    if has_chinese:
        return f"{description} / {english}"
    if has_english:
        return f"{chinese} / {description}"
    return f"{chinese} / {english}"


def _describe(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    described = bilingual(name, schema.get("description", ""))
    if not described:
        return schema
    if "$ref" in schema:  # OpenAPI 3.0 ignores a $ref's siblings: wrap it
        return {"allOf": [{"$ref": schema["$ref"]}], "description": described}
    return {**schema, "description": described}


# The limits Django derives from the database's column types (SQLite: every integer is 64-bit;
# PostgreSQL: smallint, integer, bigint). They are no rule of the API, and with them the schema
# would differ by the database it was generated on.
DATABASE_LIMITS: Final = frozenset({32767, 2147483647, 9223372036854775807})


def _without_database_limits(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("maximum") in DATABASE_LIMITS:
            del node["maximum"]
        if node.get("minimum") in {-limit - 1 for limit in DATABASE_LIMITS}:
            del node["minimum"]
        if node.get("type") == "integer" and node.get("format") == "int64":
            del node["format"]
        for value in node.values():
            _without_database_limits(value)
    elif isinstance(node, list):
        for value in node:
            _without_database_limits(value)


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """The hook named in SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] (after the enum hook)."""
    _without_database_limits(result)
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for component in components["schemas"].values():
        properties = component.get("properties") or {}
        for name in list(properties):
            properties[name] = _describe(name, properties[name])
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for parameter in operation.get("parameters", []):
                parameter["description"] = bilingual(parameter["name"], parameter.get("description", ""))
            responses = operation.setdefault("responses", {})
            public_path = path in {"/api/v1/", "/api/v1/schema", "/api/v1/auth/token"}
            for code, description in ERRORS.items():
                if code in {"401", "403"} and public_path:
                    continue
                responses.setdefault(code, {"description": description, "content": _json(ERROR_REF)})
            if method in {"post", "put", "patch"}:
                responses.setdefault("415", {"description": UNSUPPORTED, "content": _json(ERROR_REF)})
            if (method, path) in QUEUEING:
                responses.setdefault("503", {"description": QUEUE_DOWN, "content": _json(ERROR_REF)})
            if method == "post" and path != "/api/v1/auth/token":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(IDEMPOTENCY_PARAMETER)
                responses.setdefault("409", {"description": KEY_CONFLICT, "content": _json(ERROR_REF)})
    return result


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}
