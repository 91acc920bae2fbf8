"""The API's request parsers (DRF's DEFAULT_PARSER_CLASSES). A module of its own: DRF reads the
setting while `rest_framework.views` is being imported, so this module imports nothing of it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from rest_framework import exceptions, parsers
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


# Django's refusals of a form or an upload before any view reads it (each a 400).
UPLOAD_REFUSALS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError)
MULTIPART_UNREADABLE = "".join(
    (
        "请求无法处理：上传的内容无法读取，multipart/form-data 格式有误，",
        "或文件名过长（请把文件改为较短的名字后重新上传）",
    )
)


def upload_refusal(error: BaseException) -> str:
    """What a client is told, in Chinese, when Django refuses a multipart body before any view
    reads it: too large a form, too many fields or files, a part's headers too long (a file name
    of thousands of characters) or a body that is not multipart at all. Pages (handler400) and
    the API (MultiPartParser) say the same."""
    if isinstance(error, RequestDataTooBig):
        return (
            "请求无法处理：提交的内容过大，表单字段合计超过上限。"
            "上传文件请使用文件字段，大批数据请用 Excel 模板分批导入"
        )
    if isinstance(error, TooManyFieldsSent):
        return "请求无法处理：提交的字段过多，一次提交的字段数超过上限。人数较多时请下载 Excel 模板填写后上传"
    if isinstance(error, TooManyFilesSent):
        return "请求无法处理：一次上传的文件过多，请分次上传"
    return MULTIPART_UNREADABLE


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, its refusals in Chinese (DRF says "Multipart form parse error -
    Request max total header size exceeded." for a long file name)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as error:
            raise exceptions.ParseError(upload_refusal(error.__cause__ or error)) from error
        except (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig) as error:
            raise exceptions.ParseError(upload_refusal(error)) from error


class FormParser(parsers.FormParser):
    """DRF's form parser; too many fields or too large a form answers in Chinese."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except (TooManyFieldsSent, RequestDataTooBig) as error:
            raise exceptions.ParseError(upload_refusal(error)) from error
