"""Every rule of the catalogue is named by at least one test (issue 20).

A rule ID ``R<chapter>.<number>`` of :data:`apps.rules.catalogue.RULES` is *named* when some file
``test_*.py`` anywhere under ``tests/`` (this module excepted) holds either

1. a test function — a ``def`` or ``async def`` whose name starts with ``test``, at module level
   or in a class whose name starts with ``Test`` — whose name contains the ID written
   ``r<chapter>_<number>``, in any case, with no letter or digit just before the ``r`` and no
   digit just after the number: ``test_hours_never_block_r2_2`` names R2.2; ``test_x_r1_10``
   names R1.10, not R1.1; ``test_x_r10_1`` names R10.1, not R1.1 or R0.1; ``test_number1_1``
   names nothing;
2. or a case id of such a function containing the ID as the catalogue writes it, ``R2.2``, in any
   case, with no letter, digit or dot just before the ``R`` and no digit just after the number
   (``"R10.1 fourth training"`` names R10.1 and not R1.1 or R0.1), where a case id is a string
   literal given, in a ``@pytest.mark.parametrize(...)`` on the function or on its class, as

   - the ``id=`` of a ``pytest.param(...)`` among the argument values, written there or in a
     module-level name those values use (``CASES = [pytest.param(..., id="...")]``);
   - an element of a literal list or tuple ``ids=["...", ...]``;
   - the project's table style ``ids=[case[0] for case in CASES]``: item ``0`` (any literal
     index) of each literal tuple of the module-level literal list or tuple ``CASES``.

Only string literals count. An id computed when the tests run (``ids=[info.id for info in
RULES]``, ``ids=lambda info: info.id``, an f-string) is not read, so a test cannot name every rule
by generating its ids from the catalogue. A helper that is not a test, a comment or a docstring
names nothing. The files are read with :mod:`ast` — no import, no Django, no pytest collection —
so this runs in a fraction of a second under ``-p no:django``. This module is not scanned: its
self-tests mention rule IDs only inside sample source.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from apps.rules.catalogue import RULES, RuleInfo

TESTS: Final = Path(__file__).resolve().parents[1]

_IN_FUNCTION_NAME: Final = re.compile(r"(?<![0-9a-z])r([0-9]+)_([0-9]+)(?![0-9])", re.IGNORECASE)
_IN_CASE_ID: Final = re.compile(r"(?<![0-9a-z.])r([0-9]+)\.([0-9]+)(?![0-9])", re.IGNORECASE)


def _ids_in(pattern: re.Pattern[str], text: str) -> list[str]:
    return [f"R{chapter}.{number}" for chapter, number in pattern.findall(text)]


def _module_values(tree: ast.Module) -> dict[str, ast.expr]:
    """The values bound to names at module level (``NAME = ...`` or ``NAME: T = ...``), the last wins."""
    values: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            values[statement.target.id] = statement.value
    return values


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _called(node: ast.AST, name: str) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == name) or (
        isinstance(func, ast.Name) and func.id == name
    )


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if len(call.args) > position else None


def _param_ids(values: ast.expr, module: dict[str, ast.expr]) -> Iterator[str]:
    """The literal ``id=`` of each ``pytest.param`` in the argument values, following module-level names."""
    seen: set[str] = set()
    pending: list[ast.AST] = [values]
    while pending:
        for node in ast.walk(pending.pop()):
            if isinstance(node, ast.Name) and node.id in module and node.id not in seen:
                seen.add(node.id)
                pending.append(module[node.id])
            elif _called(node, "param"):
                assert isinstance(node, ast.Call)
                for item in node.keywords:
                    text = _string(item.value)
                    if item.arg == "id" and text is not None:
                        yield text


def _listed_ids(ids: ast.expr, module: dict[str, ast.expr]) -> Iterator[str]:
    """The literal ids of ``ids=["...", ...]`` or of ``ids=[case[0] for case in CASES]``."""
    if isinstance(ids, ast.List | ast.Tuple):
        for element in ids.elts:
            text = _string(element)
            if text is not None:
                yield text
        return
    if not (isinstance(ids, ast.ListComp) and len(ids.generators) == 1):
        return
    loop, item = ids.generators[0], ids.elt
    if not (
        not loop.ifs
        and isinstance(loop.target, ast.Name)
        and isinstance(loop.iter, ast.Name)
        and isinstance(item, ast.Subscript)
        and isinstance(item.value, ast.Name)
        and item.value.id == loop.target.id
        and isinstance(item.slice, ast.Constant)
        and isinstance(item.slice.value, int)
    ):
        return
    table = module.get(loop.iter.id)
    if not isinstance(table, ast.List | ast.Tuple):
        return
    index = item.slice.value
    for row in table.elts:
        if isinstance(row, ast.Tuple | ast.List) and -len(row.elts) <= index < len(row.elts):
            text = _string(row.elts[index])
            if text is not None:
                yield text


def _case_ids(decorators: list[ast.expr], module: dict[str, ast.expr]) -> Iterator[str]:
    for decorator in decorators:
        if not _called(decorator, "parametrize"):
            continue
        assert isinstance(decorator, ast.Call)
        values = _argument(decorator, 1, "argvalues")
        if values is not None:
            yield from _param_ids(values, module)
        ids = _argument(decorator, 3, "ids")
        if ids is not None:
            yield from _listed_ids(ids, module)


def _test_functions(tree: ast.Module) -> Iterator[tuple[str, list[ast.expr]]]:
    """Each test function's name and the decorators that parametrize it (its own, then its class's)."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for statement in tree.body:
        if isinstance(statement, functions) and statement.name.startswith("test"):
            yield statement.name, statement.decorator_list
        elif isinstance(statement, ast.ClassDef) and statement.name.startswith("Test"):
            for member in statement.body:
                if isinstance(member, functions) and member.name.startswith("test"):
                    yield f"{statement.name}.{member.name}", member.decorator_list + statement.decorator_list


def namings(source: str) -> list[tuple[str, str]]:
    """Every ``(rule ID, test)`` naming in one test module's source, in order (see the module docstring)."""
    tree = ast.parse(source)
    module = _module_values(tree)
    found: list[tuple[str, str]] = []
    for name, decorators in _test_functions(tree):
        found.extend((rule_id, name) for rule_id in _ids_in(_IN_FUNCTION_NAME, name.rpartition(".")[2]))
        for case_id in _case_ids(decorators, module):
            found.extend((rule_id, f"{name}[{case_id}]") for rule_id in _ids_in(_IN_CASE_ID, case_id))
    return found


def scanned_files() -> list[Path]:
    """Every test module under ``tests/`` but this one."""
    return [path for path in sorted(TESTS.rglob("test_*.py")) if path != Path(__file__).resolve()]


def named_rule_ids() -> dict[str, list[str]]:
    """Each rule ID some test names, with the tests that name it (``path::test[case id]``)."""
    named: dict[str, list[str]] = {}
    for path in scanned_files():
        where = path.relative_to(TESTS.parent).as_posix()
        for rule_id, test in namings(path.read_text(encoding="utf-8")):
            named.setdefault(rule_id, []).append(f"{where}::{test}")
    return named


def unnamed_message(unnamed: list[RuleInfo]) -> str:
    """The failure: the unnamed rule IDs, in Chinese and in English, and how to name them."""
    example = unnamed[0].id
    written = "r" + example[1:].replace(".", "_")
    chinese = "\n".join(f"  {info.id} {info.title}" for info in unnamed)
    english = ", ".join(info.id for info in unnamed)
    return (
        f"以下 {len(unnamed)} 条规则没有任何测试点名"
        f"（测试函数名含 {written}，或参数化用例 id 含 {example}）：\n{chinese}\n"
        f"{len(unnamed)} rule(s) of apps.rules.catalogue.RULES named by no test under tests/ "
        f"(a test function whose name contains {written}, or a parametrize case id containing "
        f"{example}): {english}"
    )


def test_every_rule_of_the_catalogue_is_named_by_a_test() -> None:
    named = named_rule_ids()
    unnamed = [info for info in RULES if info.id not in named]

    if unnamed:
        pytest.fail(unnamed_message(unnamed), pytrace=False)


def test_every_rule_id_a_test_names_is_in_the_catalogue() -> None:
    catalogued = {info.id for info in RULES}

    strays = {rule_id: tests for rule_id, tests in named_rule_ids().items() if rule_id not in catalogued}

    assert strays == {}, f"测试点名了目录中不存在的规则 / tests name rule IDs not in the catalogue: {strays}"


SAMPLE = '''
import pytest

CASES = [
    ("R10.1 fourth training of the year", 4),
    ("chapter 1 number 10 is R1.10", 10),
    ("a version v2.R1.1 is no ID", "R1.1 in a column the ids do not read"),
]
PARAMS = [pytest.param(2, id="hours never block R2.2"), pytest.param(3, id=f"R3.3 {CASES}")]


def test_fourth_training_r10_1() -> None: ...
def test_invented_r1_10() -> None: ...
def test_number1_1_names_nothing() -> None: ...
def helper_r2_2() -> None: ...
def test_r1_1() -> None:
    """A docstring naming R4.4 names nothing."""


@pytest.mark.parametrize("n", [case[1] for case in CASES], ids=[case[0] for case in CASES])
def test_table(n: int) -> None: ...


@pytest.mark.parametrize("n", PARAMS)
def test_params(n: int) -> None: ...


@pytest.mark.parametrize("n", [1, 2], ids=["R4.4 modes", "R8.4 any province"])
def test_listed(n: int) -> None: ...


@pytest.mark.parametrize("n", [1], ids=[f"R6.1 {n}" for n in [1]])
def test_generated(n: int) -> None: ...


@pytest.mark.parametrize("n", [1])
class TestApprenticeship:
    def test_standard_kept_r5_4(self, n: int) -> None: ...
    def helper_r5_5(self) -> None: ...

    @pytest.mark.parametrize("m", [pytest.param(1, id="R5.2 floor")])
    def test_floor(self, n: int, m: int) -> None: ...
'''


def test_the_matcher_reads_names_and_case_ids_and_tells_chapters_apart() -> None:
    assert namings(SAMPLE) == [
        ("R10.1", "test_fourth_training_r10_1"),
        ("R1.10", "test_invented_r1_10"),
        ("R1.1", "test_r1_1"),
        ("R10.1", "test_table[R10.1 fourth training of the year]"),
        ("R1.10", "test_table[chapter 1 number 10 is R1.10]"),
        ("R2.2", "test_params[hours never block R2.2]"),
        ("R4.4", "test_listed[R4.4 modes]"),
        ("R8.4", "test_listed[R8.4 any province]"),
        ("R5.4", "TestApprenticeship.test_standard_kept_r5_4"),
        ("R5.2", "TestApprenticeship.test_floor[R5.2 floor]"),
    ]


MATCH_CASES = [
    ("chapter 10 is not chapter 1", "test_fourth_training_r10_1", "R10.1 fourth", ["R10.1"]),
    ("number 10 is not number 1", "test_invented_r1_10", "invented R1.10", ["R1.10"]),
    ("number 12 is not number 1", "test_invented_r1_12_x", "R1.12: invented", ["R1.12"]),
    ("a letter before is no boundary", "test_number1_1", "version v2R1.1 or 2.R1.1", []),
    ("a letter after is a boundary", "test_r1_1and_more", "(R1.1)", ["R1.1"]),
    ("upper case in a name, lower case in an id", "test_R3_3", "r3.3", ["R3.3"]),
    ("two rules in one name", "test_r2_2_and_r2_6", "R2.2 and R2.6", ["R2.2", "R2.6"]),
]


@pytest.mark.parametrize(
    ("function_name", "case_id", "rule_ids"),
    [case[1:] for case in MATCH_CASES],
    ids=[case[0] for case in MATCH_CASES],
)
def test_the_matcher_boundaries(function_name: str, case_id: str, rule_ids: list[str]) -> None:
    assert _ids_in(_IN_FUNCTION_NAME, function_name) == rule_ids
    assert _ids_in(_IN_CASE_ID, case_id) == rule_ids


def test_the_failure_lists_the_unnamed_rules_in_chinese_and_english() -> None:
    unnamed = [info for info in RULES if info.id in ("R1.1", "R10.1")]

    assert unnamed_message(unnamed) == (
        "以下 2 条规则没有任何测试点名（测试函数名含 r1_1，或参数化用例 id 含 R1.1）：\n"
        "  R1.1 日补贴标准折算区间\n"
        "  R10.1 每人每年补贴次数\n"
        "2 rule(s) of apps.rules.catalogue.RULES named by no test under tests/ (a test function whose "
        "name contains r1_1, or a parametrize case id containing R1.1): R1.1, R10.1"
    )
