"""docs/lifecycles.md, drawn from the lifecycle tables themselves (`python manage.py lifecycles_doc`).

Each app defines its lifecycles in its services and registers them (`apps.core.lifecycle.register`);
`lifecycles()` imports every installed app's services (a module or a package) so that all are
registered, then lists them in the order of INSTALLED_APPS.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

from django.apps import apps

from .lifecycle import REGISTRY, Lifecycle, Transition

HEADER = """# Lifecycles

<!-- Written by `python manage.py lifecycles_doc` from the tables in the code; do not edit by
hand. tests/core/test_lifecycles_doc.py fails when this page differs from the tables. -->

Every stateful model moves through one mechanism, `apps/core/lifecycle.py`: a `Lifecycle` holds
the model's transition table (from, to, label, who may make the move, the guards that may refuse
it, whether a reason is required, whom it tells), and `move()` is the one function that changes
the state. It locks the row, finds the transition, checks the actor's role and the guards and the
reason, does the move's own work, saves, and writes the state-change row (`apps.core.models.
StateChange`) in the same transaction; every refusal is raised before anything is written, as an
`ApplicationError` with a Chinese message (the institution lifecycle answers a wrong actor with
403, as its permission policy does). `Lifecycle.options()` tells a page which moves this actor may
make now and why not the others; the institution, class and claim pages draw their buttons from it.

A payment (拨付) has no state of its own: recording it moves the claim 审核通过 → 已拨付, a move of
the claim lifecycle reserved to apps.ledger, as final approval (审核中 → 审核通过) is.
"""


def _import_services(app_name: str) -> None:
    """Import the app's services module, or every module of its services package."""
    try:
        module = importlib.import_module(f"{app_name}.services")
    except ModuleNotFoundError as exc:
        if exc.name == f"{app_name}.services":
            return
        raise
    if hasattr(module, "__path__"):
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{module.__name__}.{info.name}")


def lifecycles() -> list[Lifecycle[Any]]:
    order = [config.label for config in apps.get_app_configs()]
    for config in apps.get_app_configs():
        if config.name.startswith("apps."):
            _import_services(config.name)
    return sorted(REGISTRY, key=lambda lifecycle: order.index(lifecycle.model._meta.app_label))


def _where(lifecycle: Lifecycle[Any]) -> str:
    """The module attribute that holds the lifecycle."""
    package = lifecycle.model.__module__.rsplit(".", 1)[0]
    found = [
        f"{name}.{attribute}"
        for name in sorted(sys.modules)
        if name.startswith(f"{package}.")
        for attribute, value in vars(sys.modules[name]).items()
        if value is lifecycle
    ]
    # Where it is defined: a services module (others only import it).
    return next((where for where in found if ".services" in where), found[0] if found else package)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _guards(step: Transition) -> str:
    return "；".join(guard.text for guard in step.guards)


def _section(lifecycle: Lifecycle[Any]) -> str:
    model = lifecycle.model
    states = lifecycle.states
    initial = lifecycle.initial or (lifecycle.transitions[0].source,)
    final = [state for state, targets in lifecycle.targets().items() if not targets]
    lines = [
        f"## {lifecycle.name}",
        "",
        f"`{model.__module__}.{model.__name__}.{lifecycle.field}`; the table: `{_where(lifecycle)}`.",
        "",
    ]
    if lifecycle.description:
        lines += [lifecycle.description, ""]
    lines += ["```mermaid", "stateDiagram-v2"]
    lines += [f'    state "{label}" as {value}' for value, label in states.choices]
    lines += [f"    [*] --> {state}" for state in initial]
    lines += [f"    {step.source} --> {step.target}: {step.label}" for step in lifecycle.transitions]
    lines += [f"    {state} --> [*]" for state in final]
    lines += ["```", ""]
    lines += [
        "| 从 | 到 | 动作 | 谁可以 | 条件 | 须填原因 | 通知 | 同时 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for step in lifecycle.transitions:
        row = [
            lifecycle.label(step.source),
            lifecycle.label(step.target),
            step.label,
            lifecycle.roles[step.who].label,
            _guards(step),
            "是" if step.reason_required else "",
            step.notice,
            step.does,
        ]
        lines.append("| " + " | ".join(_cell(str(value)) for value in row) + " |")
    lines.append("")
    if not lifecycle.log:
        lines += ["`move` writes no state-change row of its own for this lifecycle (see above).", ""]
    return "\n".join(lines)


def lifecycles_markdown() -> str:
    return "\n".join([HEADER, *(_section(lifecycle) for lifecycle in lifecycles())]).rstrip("\n") + "\n"
