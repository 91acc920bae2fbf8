"""The API's request parsers (DRF's DEFAULT_PARSER_CLASSES). A module of its own: DRF reads the
setting while `rest_framework.views` is being imported, so this module imports nothing of it."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class JsonParser(JSONParser):
    """DRF's JSON parser, with its refusals in Chinese: a body that is not JSON, or nested so deep
    that reading it would exhaust the stack (`[` × 100,000 was a 500), is a 400 naming the body."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as error:
            raise exceptions.ParseError("请求体不是有效的 JSON，请检查其格式（UTF-8 编码的 JSON）") from error
        except RecursionError as error:
            raise exceptions.ParseError("请求体的 JSON 嵌套过深，无法读取") from error
