"""Checks shared by every list's filter tests (issue 15, item 4): one FilterSet narrows the page
and the API alike, and a value it cannot read is refused in Chinese on both."""

from __future__ import annotations

import re
from typing import Any

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _url(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


def page_ids(response: Any, key: str = "id") -> set:
    """The page's rows by `key` (a row may be an object or a tuple starting with one)."""
    assert response.status_code == 200
    rows = [row[0] if isinstance(row, tuple) else row for row in response.context["page"].object_list]
    return {getattr(row, "pk" if key == "id" else key) for row in rows}


def api_ids(response: Any, key: str = "id") -> set:
    assert response.status_code == 200, response.content
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {row[key] for row in rows}


def assert_page_and_api_agree(
    client: Any, api_client: Any, user: Any, page: str, api: str, query: str, key: str = "id"
) -> set:
    """The page's rows and the API's rows for `query` are the same; returns their ids (or keys)."""
    client.force_login(user)
    api_client.force_authenticate(user)
    on_page = page_ids(client.get(_url(page, query)), key)
    over_api = api_ids(api_client.get(_url(api, query)), key)
    assert on_page == over_api
    return on_page


def assert_refused(
    client: Any, api_client: Any, user: Any, page: str, api: str, query: str, field: str
) -> None:
    """The page shows a Chinese error on the field and leaves that value out (it lists what it
    lists without it); the API answers 400 with `{"detail", "field"}` in Chinese. `query` holds
    the one bad value."""
    client.force_login(user)
    api_client.force_authenticate(user)
    response = client.get(_url(page, query))
    assert response.status_code == 200
    errors = response.context["filter"].errors[field]
    assert errors and CHINESE.search(errors[0]), errors
    assert page_ids(response) == page_ids(client.get(page))
    assert "筛选条件有误" in response.content.decode()
    answer = api_client.get(_url(api, query))
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["field"] == field and CHINESE.search(body["detail"]), body
