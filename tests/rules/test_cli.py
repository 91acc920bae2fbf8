"""``python -m apps.rules``: JSON in (file or stdin), JSON or Chinese text out, exit 0 with findings,
exit 2 with one Chinese line on bad input or usage, ``--help`` exit 0."""

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
    "args",
    [(), ("quotes",), ("quote", "a.json", "b.json"), ("quote", "--colour"), ("rules", "extra")],
    ids=["no command", "other command", "two files", "unknown option", "rules with an argument"],
)
def test_usage_exits_2_with_one_chinese_line(args: tuple[str, ...]) -> None:
    done = _cli(*args)

    assert done.returncode == 2
    assert done.stdout == b""
    message = done.stderr.decode("utf-8")
    assert message.startswith("用法错误：")
    assert "用法：python -m apps.rules quote" in message
    assert message.count("\n") == 1 and message.endswith("\n")


@pytest.mark.parametrize("args", [("--help",), ("-h",), ("quote", "--help"), ("help",)])
def test_help_exits_0_in_chinese(args: tuple[str, ...]) -> None:
    done = _cli(*args)

    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode("utf-8")
    assert text.startswith("用法：python -m apps.rules quote [文件|-] [--explain]")
    assert "docs/quote-contract.md" in text and "docs/rules.md" in text
    assert done.stderr == b""


def test_quote_reads_a_file(tmp_path: Path) -> None:
    scenario = tmp_path / "w1.json"
    scenario.write_text(json.dumps(w1()), encoding="utf-8")

    done = _cli("quote", str(scenario))

    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["amount"] == "2030.00"


def test_quote_dash_reads_stdin() -> None:
    done = _cli("quote", "-", stdin=json.dumps(w3()).encode())

    assert done.returncode == 0
    assert json.loads(done.stdout)["amount"] == "996.67"


def test_missing_file_is_one_chinese_line(tmp_path: Path) -> None:
    done = _cli("quote", str(tmp_path / "nothing.json"))

    assert done.returncode == 2
    assert done.stderr.decode("utf-8") == f"输入错误（文件）：{tmp_path / 'nothing.json'} 找不到该文件\n"


def test_unreadable_file_is_one_chinese_line(tmp_path: Path) -> None:
    done = _cli("quote", str(tmp_path))  # a directory

    assert done.returncode == 2
    assert done.stderr.decode("utf-8") == f"输入错误（文件）：{tmp_path} 无法读取\n"


def test_explain_prints_the_steps_and_findings_in_chinese() -> None:
    done = _cli("quote", "--explain", stdin=json.dumps(w1(level=3, rate="170.00")).encode())

    assert done.returncode == 0
    lines = done.stdout.decode("utf-8").splitlines()
    assert lines[:2] == ["补贴金额：0.00 元", "测算步骤："]
    assert lines[-3:] == [
        "发现：",
        "  [E R1.2] 日补贴标准 170.00 元低于第六大类高级工下限 180.00 元 (R1.2)",
        f"规则版本：{RULES_VERSION}",
    ]


def test_explain_of_a_paid_quote() -> None:
    status, out, err = _main(["quote", "--explain"], json.dumps(w1()).encode())

    assert (status, err) == (0, b"")
    lines = out.decode("utf-8").splitlines()
    assert lines[0] == "补贴金额：2030.00 元"
    assert any(line.endswith(". [R2.5] 线下 60 课时 = 10 天 × 180.00 元（1800.00 元）") for line in lines)
    assert "     180.00 × 60 ÷ 6 = 1800.00" in lines
    assert "发现：无" in lines


def test_explain_lists_paid_months() -> None:
    from tests.rules.builders import work_for_training

    status, out, _ = _main(
        ["quote", "--explain"], json.dumps(work_for_training(months=["2021-10", "2021-11"])).encode()
    )

    assert status == 0
    assert "补贴月份：2021-10、2021-11" in out.decode("utf-8").splitlines()


def test_rules_prints_the_generated_document() -> None:
    done = _cli("rules")

    assert done.returncode == 0
    assert done.stdout.decode("utf-8") == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


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


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ([], "缺少命令"),
        (["quotes"], "未知命令 quotes"),
        (["quote", "a.json", "b.json"], "quote 只读取一个文件，收到 2 个：a.json b.json"),
        (["quote", "--colour"], "未知选项 --colour"),
        (["rules", "extra"], "rules 命令不接受参数：extra"),
    ],
)
def test_usage_errors_in_process(args: list[str], reason: str) -> None:
    status, out, err = _main(args)

    assert (status, out) == (2, b"")
    assert err.decode("utf-8") == (
        f"用法错误：{reason}。用法：python -m apps.rules quote [文件|-] [--explain]（--help 查看帮助）\n"
    )


def test_files_and_commands_in_process(tmp_path: Path) -> None:
    scenario = tmp_path / "w3.json"
    scenario.write_text(json.dumps(w3()), encoding="utf-8")

    assert json.loads(_main(["quote", str(scenario)])[1])["amount"] == "996.67"
    assert json.loads(_main(["quote", "-"], json.dumps(w3()).encode())[1])["amount"] == "996.67"
    assert _main(["quote", str(tmp_path / "none.json")])[2].decode("utf-8").endswith("找不到该文件\n")
    assert _main(["quote", str(tmp_path)])[2].decode("utf-8").endswith("无法读取\n")
    status, out, _ = _main(["rules"])
    assert status == 0 and out.decode("utf-8").startswith("# 规则说明")
    status, out, _ = _main(["quote", "--explain"], json.dumps(w1(level=3, rate="170.00")).encode())
    assert status == 0 and "  [E R1.2] " in out.decode("utf-8")


def test_json_nested_too_deep_is_one_chinese_line() -> None:
    """Issue 17: `[` × 100,000 exhausted the stack (a 500 on every JSON endpoint)."""
    status, out, err = _main(["quote"], b"[" * 100_000)

    assert (status, out) == (2, b"")
    assert err.decode("utf-8") == "输入错误（$）：字段 $：输入的 JSON 嵌套过深，无法读取\n"
