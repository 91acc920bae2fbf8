"""``python -m apps.rules quote``: read one scenario as JSON on stdin, print its quote as JSON on stdout.

Exit 0 with the result, findings or not; exit 2 with a Chinese message naming the field on stderr
when the input cannot be read, and with the usage for any other command. Needs no Django settings.
"""

import json
import sys
from collections.abc import Sequence
from typing import BinaryIO

from apps.rules.quote import quote, result_to_dict
from apps.rules.scenario import ScenarioError, parse_scenario_json

USAGE = """用法：python -m apps.rules quote < scenario.json

从标准输入读取一个测算场景（JSON 对象，字段见 docs/quote-contract.md），
向标准输出打印测算结果（amount、steps、findings、rules_version）。
输入有误时在标准错误输出中说明字段，退出码为 2。
"""


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
    if args in (["-h"], ["--help"]):
        sink.write(USAGE.encode("utf-8"))
        return 0
    if args != ["quote"]:
        errors.write(USAGE.encode("utf-8"))
        return 2
    try:
        scenario = parse_scenario_json(source.read())
    except ScenarioError as error:
        errors.write(f"输入错误（{error.field}）：{error.message}\n".encode())
        return 2
    payload = result_to_dict(quote(scenario))
    sink.write(json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
