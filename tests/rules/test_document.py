"""docs/rules.md is the engine's own account of itself: regenerate it and it must not change."""

import json
import re
from pathlib import Path

from apps.rules import PARAMETERS, RULES, parse_scenario, quote, result_to_dict
from apps.rules.document import EXAMPLES, rules_markdown
from apps.rules.scenario import QUOTE_KINDS

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "rules.md"


def test_committed_rules_md_is_what_the_engine_writes() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md differs from the engine: run "
        "`python -m apps.rules rules > docs/rules.md` and review the diff"
    )


def test_every_rule_and_parameter_is_in_the_document() -> None:
    text = rules_markdown()

    for info in RULES:
        assert f"### {info.id} {info.title}\n" in text
    for parameter in PARAMETERS:
        assert f"| `{parameter.name}` |" in text


def test_one_worked_example_per_kind_quoted_by_the_engine() -> None:
    text = rules_markdown()

    assert [kind for kind, _ in EXAMPLES] == list(QUOTE_KINDS)
    for _kind, data in EXAMPLES:
        result = quote(parse_scenario(data))
        assert result.findings == (), result.findings
        assert result.amount > 0
        assert json.dumps(result_to_dict(result), ensure_ascii=False, indent=2) in text


def test_the_document_names_the_quote_contract_and_the_severities() -> None:
    text = rules_markdown()

    assert "(quote-contract.md)" in text
    assert re.search(r"严重程度：E .+；W .+；O .+。", text)
