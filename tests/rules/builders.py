"""Quote inputs for the rules tests, as the JSON contract spells them, and independent check digits."""

from typing import Any

from apps.rules import parse_scenario, quote
from apps.rules.results import QuoteResult


def w1(**changes: Any) -> dict[str, Any]:
    """W1: cat 6, level 3, S 2500, r 180 → H 83; 60 offline + 23 online attended at r_on 60; passed."""
    data: dict[str, Any] = {
        "kind": "class",
        "approved_on": "2021-04-01",
        "start": "2021-04-06",
        "end": "2021-04-30",
        "occupation": {"code": "6-18-01-01", "category": 6, "new": False},
        "level": 3,
        "standard": "2500.00",
        "rate": "180.00",
        "planned_hours": None,
        "planned_online": 23,
        "online_rate": "60.00",
        "attended": {"offline": 60, "online": 23},
        "passed": True,
    }
    data.update(changes)
    return data


def w3(**changes: Any) -> dict[str, Any]:
    """W3: cat 4, level 5, S 1000, r 130 → H 46; 46 offline attended; passed."""
    data: dict[str, Any] = {
        "kind": "class",
        "approved_on": "2021-04-01",
        "start": "2021-04-06",
        "end": "2021-04-30",
        "occupation": {"code": "4-03-02-01", "category": 4},
        "level": 5,
        "standard": "1000.00",
        "rate": "130.00",
        "attended": {"offline": 46, "online": 0},
    }
    data.update(changes)
    return data


def online_class(**changes: Any) -> dict[str, Any]:
    """H fixed at 100 (30 % = 30 online class-hours), r 150, r_on 60, S 2500, cat 4 level 4."""
    data: dict[str, Any] = {
        "kind": "class",
        "approved_on": "2021-05-10",
        "start": "2021-05-17",
        "end": "2021-06-30",
        "occupation": {"code": "4-12-01-01", "category": 4},
        "level": 4,
        "standard": "2500.00",
        "rate": "150.00",
        "planned_hours": 100,
        "planned_online": 30,
        "online_rate": "60.00",
        "attended": {"offline": 70, "online": 30},
    }
    data.update(changes)
    return data


def enterprise(**changes: Any) -> dict[str, Any]:
    """W3 as an enterprise's own training, with all materials filed."""
    return w3(kind="enterprise", **changes)


def work_for_training(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": "work_for_training", "months": ["2021-10"], "monthly_amount": "500.00"}
    data.update(changes)
    return data


def apprenticeship(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "apprenticeship",
        "start": "2021-04-01",
        "end": "2023-03-31",
        "annual_amount": "4000.00",
        "planned_months": 24,
    }
    data.update(changes)
    return data


def run(data: dict[str, Any], **kwargs: Any) -> QuoteResult:
    return quote(parse_scenario(data), **kwargs)


def rules_of(result: QuoteResult) -> list[tuple[str, str]]:
    return [(finding.rule, finding.severity) for finding in result.findings]


def id_number(first_17: str) -> str:
    """An 18-digit ID with its check character, computed here independently of apps.rules."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(digit) * weight for digit, weight in zip(first_17, weights, strict=True))
    return first_17 + "10X98765432"[total % 11]


def uscc(first_17: str) -> str:
    """A credit code with its check character, computed here independently of apps.rules."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(char) * 3**i % 31 for i, char in enumerate(first_17))
    return first_17 + alphabet[-total % 31]
