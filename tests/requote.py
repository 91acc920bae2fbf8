"""A stored claim line re-quoted by the engine from its own inputs alone (issue 13): no database, no
district settings passed. Every test that proves lines reproducible compares through here."""

from typing import Any

from apps.rules import parse_scenario, quote, result_to_dict


def requote(line: Any) -> dict[str, Any]:
    """The engine's answer on the line's stored inputs, as the CLI prints it."""
    return result_to_dict(quote(parse_scenario(line.inputs)))


def stored_and_requoted(line: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(what the line stores, what its inputs give again): amount, steps, findings, rules version.
    Equal when the line is reproducible."""
    again = requote(line)
    return (
        (f"{line.amount:.2f}", line.steps, line.findings, line.rules_version),
        (again["amount"], again["steps"], again["findings"], again["rules_version"]),
    )
