"""The rule catalogue: every rule ID of docs/rules.md, notice quotes verbatim, functions that exist."""

import importlib
import re

import pytest

from apps.rules import NOTICE_TEXT, RULE_GROUPS, RULES, RuleInfo, rule
from apps.rules import notice as notice_module
from apps.rules.notice import CLAUSE_HEADINGS, OMISSION

RULE_IDS_IN_RULES_MD = (
    "R1.1", "R1.2", "R1.3", "R1.4", "R1.5", "R1.6", "R1.7",
    "R2.1", "R2.2", "R2.3", "R2.4", "R2.5", "R2.6",
    "R3.1", "R3.2", "R3.3", "R3.4", "R3.5",
    "R4.1", "R4.2", "R4.3", "R4.4",
    "R5.1", "R5.2", "R5.3", "R5.4", "R5.5",
    "R6.1", "R6.2",
    "R7.1",
    "R8.1", "R8.2", "R8.3", "R8.4", "R8.5",
    "R9.1", "R9.2",
    "R10.1", "R10.2", "R10.3",
    "R11.1", "R11.2", "R11.3",
)  # fmt: skip

SEVERITIES_IN_RULES_MD = {
    "R1.1": "E", "R1.2": "E", "R1.3": "E", "R1.4": "E", "R2.3": "O", "R2.4": "E", "R2.6": "E", "R3.1": "E",
    "R3.4": "E", "R4.2": "E", "R4.3": "E", "R5.1": "W", "R6.1": "W", "R6.2": "E", "R8.2": "E", "R8.3": "E",
    "R10.1": "E", "R10.2": "E", "R10.3": "W", "R11.1": "E", "R11.2": "E", "R11.3": "E",
}  # fmt: skip


def test_every_rule_of_rules_md_is_in_the_catalogue_in_order() -> None:
    assert tuple(info.id for info in RULES) == RULE_IDS_IN_RULES_MD


def test_severities_are_those_of_rules_md() -> None:
    # R5.2 has no severity in docs/rules.md's list; its 4000 floor is enforced as an error.
    severities = {info.id: info.severity for info in RULES if info.severity is not None}

    assert severities == {**SEVERITIES_IN_RULES_MD, "R5.2": "E"}


@pytest.mark.parametrize("info", RULES, ids=[info.id for info in RULES])
def test_quotes_are_verbatim_sentences_of_the_notice(info: RuleInfo) -> None:
    if info.notice_quote is None:
        assert info.clause is None
        return
    for sentence in info.notice_quote.split(OMISSION):
        assert sentence in NOTICE_TEXT
        assert sentence.endswith("。")
        start = NOTICE_TEXT.index(sentence)
        assert start == 0 or NOTICE_TEXT[start - 1] in "。\n"


def test_rule_texts() -> None:
    for info in RULES:
        assert info.title
        assert re.search(r"[\u4e00-\u9fff]", info.reading)
        assert info.clause is None or info.clause in CLAUSE_HEADINGS or info.clause == "末段"


def test_the_per_year_limit_quotes_the_three_times_sentence() -> None:
    assert "每年3次" in (rule("R10.1").notice_quote or "")
    assert "凡进必补、不进不补" in (rule("R11.1").notice_quote or "")


@pytest.mark.parametrize("info", [info for info in RULES if info.function], ids=lambda info: info.id)
def test_functions_exist(info: RuleInfo) -> None:
    assert info.function is not None
    module_name, _, name = info.function.rpartition(".")

    assert callable(getattr(importlib.import_module(module_name), name))


def test_groups_cover_the_rules() -> None:
    prefixes = {group.prefix for group in RULE_GROUPS}

    assert {info.id.split(".")[0] for info in RULES} == prefixes


def test_notice_text_has_all_clauses_and_sentences() -> None:
    for numeral, heading in CLAUSE_HEADINGS.items():
        assert f"{numeral}、{heading}\n" in NOTICE_TEXT
    for name, value in vars(notice_module).items():
        if name.startswith("S_"):
            assert value in NOTICE_TEXT
    assert NOTICE_TEXT.startswith("渝人社发〔2021〕12号\n")
    assert "2021年3月1日" in NOTICE_TEXT


def test_unknown_rule() -> None:
    with pytest.raises(KeyError):
        rule("R12.1")
