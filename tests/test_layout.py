"""Every app has the same layout (issue 15, item 1; docs/architecture.md, "The layout of an app"):
its modules are named from one list, a layer that needs more than one module is a package of the
same name with one module per subject, and such a package's __init__.py holds a docstring at
most (nothing is re-exported). apps/rules (the pure engine) and apps/demo (the demo world) have
layouts of their own. That the modules of an app import one another without a cycle, and that
views and APIs import no other app's models, is checked by import-linter (pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parent.parent / "apps"
OWN_LAYOUT = {"rules", "demo"}

# The one list of names (docs/architecture.md): each a module, or a package of the same name.
CANONICAL = {
    "models",
    "services",
    "selectors",
    "permissions",
    "views",
    "urls",
    "forms",
    "filters",
    "apis",
    "api_urls",
    "admin",
    "apps",
    "tasks",
    "imports",
    "workbooks",
    "engine",
    "home",
    "extensions",
    "validators",
    # Django's own hooks, named where the settings point at them
    "context_processors",
    "backends",
}
DJANGO_FOLDERS = {"migrations", "management", "templatetags"}
# apps/core is the toolbox every app shares: one module per helper (docs/architecture.md).
CORE_HELPERS = {
    "errors",
    "lifecycle",
    "lifecycle_doc",
    "events",
    "bulk",
    "dates",
    "masking",
    "tabular",
    "health",
    "idempotency",
    "throttling",
    "openapi",
    "api_glossary",
    "middleware",
    "parsers",
    "csp_reports",
    "uploads",
    "messaging",
    "pagination",
}


def _apps() -> list[Path]:
    return sorted(p for p in APPS.iterdir() if (p / "apps.py").exists() and p.name not in OWN_LAYOUT)


def _entries(app: Path) -> list[tuple[str, Path]]:
    out = []
    for path in sorted(app.iterdir()):
        if path.name in ("__init__.py", "__pycache__") or path.name.startswith("."):
            continue
        if path.is_dir() and (path / "__init__.py").exists():
            out.append((path.name, path))
        elif path.suffix == ".py":
            out.append((path.stem, path))
    return out


def test_every_app_is_checked():
    assert {p.name for p in _apps()} >= {"claims", "trainees", "ledger", "audits", "exports", "core"}


@pytest.mark.parametrize("app", _apps(), ids=lambda p: p.name)
def test_every_module_of_an_app_has_a_name_from_the_list(app):
    allowed = CANONICAL | DJANGO_FOLDERS | (CORE_HELPERS if app.name == "core" else set())
    odd = [name for name, _ in _entries(app) if name not in allowed]
    assert not odd, f"apps/{app.name}: {odd} not in the layout of an app (docs/architecture.md)"


@pytest.mark.parametrize("app", _apps(), ids=lambda p: p.name)
def test_a_layer_package_re_exports_nothing(app):
    for name, path in _entries(app):
        if not path.is_dir() or name in DJANGO_FOLDERS:
            continue
        body = ast.parse((path / "__init__.py").read_text()).body
        code = [
            node for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        ]
        assert not code, f"apps/{app.name}/{name}/__init__.py should hold a docstring at most"
        assert any(child.suffix == ".py" and child.name != "__init__.py" for child in path.iterdir())


def test_no_module_is_named_for_its_layer_with_a_suffix():
    """The shape issue 15 removed: services_attendance.py, views_roster.py and the like."""
    layers = ("services", "selectors", "views", "apis", "forms", "urls")
    suffixed = [
        str(path.relative_to(APPS))
        for app in _apps()
        for path in app.rglob("*.py")
        if "migrations" not in path.parts and any(path.stem.startswith(f"{layer}_") for layer in layers)
    ]
    assert not suffixed
