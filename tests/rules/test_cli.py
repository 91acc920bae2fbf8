"""``python -m apps.rules quote``: JSON in, JSON out, exit 0 with findings, exit 2 on bad input or usage."""

import io
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from apps.rules import RULES_VERSION
from apps.rules.__main__ import main
from tests.rules.builders import w1, w3

ROOT = Path(__file__).resolve().parents[2]
ENV = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
ENV["PYTHONDONTWRITEBYTECODE"] = "1"


def _cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "apps.rules", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        env=ENV,
        timeout=60,
    )


def test_quote_round_trip() -> None:
    done = _cli("quote", stdin=json.dumps(w1()).encode())

    assert done.returncode == 0, done.stderr.decode()
    output = json.loads(done.stdout)
    assert output["amount"] == "2030.00"
    assert output["findings"] == []
    assert output["rules_version"] == RULES_VERSION
    assert {
        "rule": "R2.5",
        "text": "线下 60 课时 = 10 天 × 180.00 元",
        "arithmetic": "180.00 × 60 ÷ 6 = 1800.00",
        "amount": "1800.00",
    } in output["steps"]
    assert set(output) == {"amount", "steps", "findings", "rules_version"}


def test_findings_still_exit_zero() -> None:
    done = _cli("quote", stdin=json.dumps(w1(level=3, rate="170.00")).encode())

    assert done.returncode == 0
    output = json.loads(done.stdout)
    assert output["amount"] == "0.00"
    assert output["findings"] == [
        {
            "rule": "R1.2",
            "severity": "E",
            "message": "日补贴标准 170.00 元低于第六大类高级工下限 180.00 元 (R1.2)",
        }
    ]


ERROR_CASES: list[tuple[str, bytes, str]] = [
    ("malformed JSON", b'{"kind": ', "不是有效的 JSON"),
    ("unknown field", json.dumps(w3(colour="red")).encode(), "colour"),
    ("amount with three places", json.dumps(w3(rate=130.555)).encode(), "rate"),
    ("amount of the wrong type", json.dumps(w3(rate=[130])).encode(), "rate"),
    ("bad date", json.dumps(w3(start="2021-02-30")).encode(), "start"),
    ("missing required field", json.dumps({"kind": "class", "level": 5}).encode(), "approved_on"),
    ("empty input", b"", "不是有效的 JSON"),
]


@pytest.mark.parametrize(
    ("stdin", "field"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_bad_input_exits_2_naming_the_field(stdin: bytes, field: str) -> None:
    done = _cli("quote", stdin=stdin)

    assert done.returncode == 2
    assert done.stdout == b""
    message = done.stderr.decode("utf-8")
    assert message.startswith("输入错误")
    assert field in message


@pytest.mark.parametrize(
    "args", [(), ("quotes",), ("quote", "extra")], ids=["no command", "other command", "extra"]
)
def test_usage_exits_2(args: tuple[str, ...]) -> None:
    done = _cli(*args)

    assert done.returncode == 2
    assert "用法：python -m apps.rules quote" in done.stderr.decode("utf-8")


def _main(args: list[str], stdin: bytes = b"") -> tuple[int, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    status = main(args, io.BytesIO(stdin), out, err)
    return status, out.getvalue(), err.getvalue()


def test_main_in_process() -> None:
    status, out, err = _main(["quote"], json.dumps(w3()).encode())

    assert (status, err) == (0, b"")
    assert json.loads(out)["amount"] == "996.67"


def test_main_errors_in_process() -> None:
    assert _main(["quote"], b"[]")[0] == 2
    assert _main(["nothing"])[0] == 2
    status, out, _ = _main(["--help"])
    assert status == 0
    assert "用法" in out.decode("utf-8")


def test_module_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    data: dict[str, Any] = w3()
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(data).encode()), encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["apps.rules", "quote"])
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.delitem(sys.modules, "apps.rules.__main__", raising=False)

    with pytest.raises(SystemExit) as exited:
        runpy.run_module("apps.rules", run_name="__main__")

    assert exited.value.code == 0
    stdout.flush()
    assert json.loads(stdout.buffer.getvalue())["amount"] == "996.67"  # type: ignore[attr-defined]
