"""Issue 16's "done when": an institution's own system, knowing only docs/api.md and the committed
schema (docs/openapi.yaml), files a class application with sessions, has it approved, uploads its
roster and its sign-in sheet, records results, completes the class and files its claim, entirely
by API. Every URL is taken from the schema by operationId, and every answer is checked against the
schema of its operation and status."""

import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openpyxl import Workbook
from rest_framework.test import APIClient

from apps.core import dates
from tests.factories import PASSWORD, numbered
from tests.trainees.roster_factories import nth_id_number

pytestmark = pytest.mark.django_db

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text("utf-8"))


def _operation(operation_id: str) -> tuple[str, str, dict]:
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return method, path, operation
    raise AssertionError(f"{operation_id} is not in docs/openapi.yaml")


class Client:
    """What an institution's developer writes from the guide: a token, then operations."""

    def __init__(self) -> None:
        self.http = APIClient()

    def login(self, username: str) -> None:
        token = self.call("auth_token_create", json={"username": username, "password": PASSWORD})["token"]
        self.http.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    def call(self, operation_id: str, *, expect: int | None = None, json=None, files=None, **path):
        method, template, operation = _operation(operation_id)
        url = template.format(**path)
        if files is not None:
            response = getattr(self.http, method)(url, files, format="multipart")
        else:
            response = getattr(self.http, method)(url, json, format="json")
        status = str(response.status_code)
        assert expect is None or response.status_code == expect, (operation_id, response.content[:500])
        assert status in operation["responses"], f"{operation_id} answered {status}, not in the schema"
        body = response.json() if response.content else None
        content = operation["responses"][status].get("content", {}).get("application/json")
        if content is not None:
            schema = {**content["schema"], "components": SCHEMA["components"]}
            OAS30Validator(schema).validate(body)
        return body


def _workbook(rows: list[list[str]], name: str) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_an_institutions_system_files_a_class_and_its_claim_by_api(
    monkeypatch, operator, officer_yuzhong, lathe, rates
):
    clock = {"today": date(2026, 11, 20)}
    monkeypatch.setattr(dates, "today", lambda: clock["today"])
    school, officer = Client(), Client()
    school.login(operator.username)
    officer.login(officer_yuzhong.username)

    offline = [("2026-12-05", "09:00", "15:45"), ("2026-12-06", "09:00", "15:45")]
    created = school.call(
        "classes_create",
        expect=201,
        json={
            "name": "接口开班的车工班",
            "occupation": lathe.code,
            "level": 4,
            "training_type": "post_skill",
            "schedule_pattern": "weekend",
            "start_date": "2026-12-05",
            "end_date": "2026-12-06",
            "venue": "实训基地",
            "teachers": "李师傅",
            "planned_trainees": 3,
            "sessions": [
                {"date": d, "start_time": s, "end_time": e, "mode": "offline"} for d, s, e in offline
            ],
        },
    )
    class_id = created["id"]
    assert created["status"] == "draft" and created["quote"]["planned_hours"] == 18
    school.call("classes_transition_create", expect=200, id=class_id, json={"to": "submitted"})
    approved = officer.call("classes_transition_create", expect=200, id=class_id, json={"to": "approved"})
    assert approved["status"] == "approved"

    people = [(numbered("学员", n), nth_id_number(n)) for n in range(1, 4)]
    roster = _workbook([["姓名", "身份证号码"], *[list(p) for p in people]], "roster.xlsx")
    imported = school.call("classes_roster_create", expect=201, id=class_id, files={"file": roster})
    assert imported["enrolled"] == 3

    clock["today"] = date(2026, 12, 5)
    school.call("classes_transition_create", expect=200, id=class_id, json={"to": "running"})

    clock["today"] = date(2026, 12, 7)
    sheet = [["日期", "课次开始时间", "姓名", "身份证号码", "签到时间", "签退时间"]]
    sheet += [[d, s, name, number, "08:55", "15:50"] for d, s, _ in offline for name, number in people]
    signed = school.call(
        "classes_attendance_sheet_create",
        expect=201,
        id=class_id,
        files={"file": _workbook(sheet, "签到表.xlsx")},
    )
    assert signed == {"created": 6, "updated": 0, "saved": 6}
    grid = school.call("classes_attendance_retrieve", expect=200, id=class_id)
    assert {row["class_hours"] for row in grid["results"]} == {18}

    results = [["姓名", "身份证号码", "考核结果", "证书类型", "证书编号", "发证日期"]]
    results += [
        [name, number, "合格", "职业技能等级证书", f"S{n}", "2026-12-06"]
        for n, (name, number) in enumerate(people)
    ]
    school.call(
        "classes_results_upload_create",
        expect=201,
        id=class_id,
        files={"file": _workbook(results, "结果.xlsx")},
    )
    completed = school.call("classes_transition_create", expect=200, id=class_id, json={"to": "completed"})
    assert completed["status"] == "completed"

    claim = school.call(
        "claims_create", expect=201, json={"kind": "class_completion", "training_class": class_id}
    )
    assert claim["status"] == "draft" and len(claim["lines"]) == 3
    submitted = school.call("claims_transition_create", expect=200, id=claim["id"], json={"to": "submitted"})
    assert submitted["status"] == "submitted"
    read = school.call("claims_retrieve", expect=200, id=claim["id"])
    line = read["lines"][0]
    assert line["amount"] == "450.00"  # 150 × 18 ÷ 6, explained step by step by the engine
    assert any(step["rule"] == "R2.5" for step in line["steps"])
    assert line["findings"] == []
    events = school.call("events_retrieve", expect=200)
    assert {"submitted", "completed"} <= {e["to"] for e in events["results"]}
