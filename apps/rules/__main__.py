"""``python -m apps.rules``: the rules engine on the command line, with no database and no Django.

    python -m apps.rules quote [文件|-] [--explain]   quote one scenario (JSON) from a file or stdin
    python -m apps.rules rules                       print docs/rules.md, generated from the engine
    python -m apps.rules --help                      this help (also ``quote --help``)

``quote`` prints the result as JSON (the quote contract, docs/quote-contract.md), or with
``--explain`` as Chinese text, one step a line. It exits 0 with the result, findings or not. Every
error (usage, a missing file, input that cannot be read) is one Chinese line on stderr, exit 2.
"""

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final

from apps.rules.document import rules_markdown
from apps.rules.quote import quote, result_to_dict
from apps.rules.results import QuoteResult
from apps.rules.scenario import ScenarioError, parse_scenario_json

USAGE: Final = """用法：python -m apps.rules quote [文件|-] [--explain]
      python -m apps.rules rules
      python -m apps.rules --help

命令
  quote      测算一个场景：从文件（省略或为 - 时从标准输入）读取一个 JSON 对象，
             字段见 docs/quote-contract.md；向标准输出打印测算结果
             （amount、steps、findings、rules_version）。
  rules      打印规则说明 docs/rules.md（规则编号、通知条款、严重程度、带生效日期的参数、
             各类补贴的测算示例），由规则引擎生成。

选项
  --explain  以中文文字逐步打印测算过程，而不是 JSON。
  -h, --help 显示本帮助并退出。

退出码：0 测算完成（有无发现均为 0）；2 用法错误或输入有误（标准错误输出一行中文说明）。
"""

HELP_FLAGS: Final = frozenset({"-h", "--help"})


class UsageError(Exception):
    """A command line we cannot run: the message is one Chinese line."""


def _parse(args: list[str]) -> tuple[str, str | None, bool]:
    """(command, file or None for stdin, explain); ``help`` when help was asked for."""
    if not args:
        raise UsageError("缺少命令")
    if any(arg in HELP_FLAGS for arg in args) or args == ["help"]:
        return "help", None, False
    command, rest = args[0], args[1:]
    if command == "rules":
        if rest:
            raise UsageError(f"rules 命令不接受参数：{' '.join(rest)}")
        return "rules", None, False
    if command != "quote":
        raise UsageError(f"未知命令 {command}")
    explain = False
    files: list[str] = []
    for arg in rest:
        if arg == "--explain":
            explain = True
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"未知选项 {arg}")
        else:
            files.append(arg)
    if len(files) > 1:
        raise UsageError(f"quote 只读取一个文件，收到 {len(files)} 个：{' '.join(files)}")
    source = files[0] if files and files[0] != "-" else None
    return "quote", source, explain


def explain_text(result: QuoteResult) -> str:
    """The quote as Chinese text: the amount, each step with its rule and arithmetic, the findings."""
    lines = [f"补贴金额：{result.amount:.2f} 元", "测算步骤："]
    for number, step in enumerate(result.steps, start=1):
        amount = "" if step.amount is None else f"（{step.amount:.2f} 元）"
        lines.append(f"  {number}. [{step.rule}] {step.text}{amount}")
        if step.arithmetic:
            lines.append(f"     {step.arithmetic}")
    if result.findings:
        lines.append("发现：")
        lines.extend(
            f"  [{finding.severity} {finding.rule}] {finding.message}" for finding in result.findings
        )
    else:
        lines.append("发现：无")
    if result.paid_months is not None:
        months = "、".join(f"{month.year:04d}-{month.month:02d}" for month in result.paid_months) or "无"
        lines.append(f"补贴月份：{months}")
    lines.append(f"规则版本：{result.rules_version}")
    return "\n".join(lines) + "\n"


def main(
    argv: Sequence[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> int:
    """Run the command line; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    source = stdin if stdin is not None else sys.stdin.buffer
    sink = stdout if stdout is not None else sys.stdout.buffer
    errors = stderr if stderr is not None else sys.stderr.buffer

    def fail(message: str) -> int:
        errors.write(f"{message}\n".encode())
        return 2

    try:
        command, path, explain = _parse(args)
    except UsageError as error:
        return fail(
            f"用法错误：{error}。用法：python -m apps.rules quote [文件|-] [--explain]（--help 查看帮助）"
        )
    if command == "help":
        sink.write(USAGE.encode("utf-8"))
        return 0
    if command == "rules":
        sink.write(rules_markdown().encode("utf-8"))
        return 0
    if path is None:
        raw = source.read()
    else:
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            reason = "找不到该文件" if isinstance(error, FileNotFoundError) else "无法读取"
            return fail(f"输入错误（文件）：{path} {reason}")
    try:
        scenario = parse_scenario_json(raw)
    except ScenarioError as error:
        return fail(f"输入错误（{error.field}）：{error.message}")
    result = quote(scenario)
    if explain:
        sink.write(explain_text(result).encode("utf-8"))
    else:
        sink.write(json.dumps(result_to_dict(result), ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
