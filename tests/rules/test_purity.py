"""apps.rules is pure: it imports nothing but the standard library and itself."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "apps" / "rules"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_the_package_has_sources() -> None:
    assert PACKAGE / "__init__.py" in SOURCES
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=[path.name for path in SOURCES])
def test_imports_only_the_standard_library_and_itself(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    outside = [
        module
        for module, level in _imported_modules(tree)
        if level == 0
        and module.split(".")[0] not in sys.stdlib_module_names
        and not (module == "apps.rules" or module.startswith("apps.rules."))
    ]

    assert outside == [], f"{path.name} imports {outside}"


def test_the_check_catches_a_third_party_import() -> None:
    tree = ast.parse(
        "import django\nfrom rest_framework import serializers\nfrom . import money\nimport decimal"
    )

    assert _imported_modules(tree) == [("django", 0), ("rest_framework", 0), ("", 1), ("decimal", 0)]
