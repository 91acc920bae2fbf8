"""Benchmark of the rules engine: quote 100,000 varied scenarios in one process.

Run from the repository root: ``.venv/bin/python benchmarks/rules_quotes.py``. The scenarios are
built (and parsed from their JSON form) before the clock starts; the timed part is ``quote`` alone,
then parse + quote + ``result_to_dict`` as the quote API does it.
"""

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.rules import RULES_VERSION, parse_scenario, quote, result_to_dict

COUNT = 100_000
SEED = 20210301

OCCUPATIONS = (
    ("6-18-01-01", 6, False),
    ("6-31-01-03", 6, False),
    ("4-03-02-01", 4, False),
    ("4-10-01-05", 4, False),
    ("5-01-02-01", 5, False),
    ("4-04-05-05", 4, True),
    ("6-31-07-03", 6, True),
    ("2-02-10-09", 2, True),
)
STANDARDS = {5: 1000, 4: 1500, 3: 2500, 2: 3500, 1: 5000, None: 800}


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _history(rng: random.Random) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for _ in range(rng.choice((0, 0, 1, 2, 3, 5, 8))):
        kind = rng.choice(("class", "class", "enterprise", "apprenticeship", "work_for_training"))
        start = _day(rng, date(2020, 1, 1), date(2022, 12, 1))
        end = start + timedelta(days=rng.randrange(1, 90))
        entry: dict[str, object] = {"kind": kind, "start": start.isoformat(), "end": end.isoformat()}
        if kind != "work_for_training":
            code, _, _ = rng.choice(OCCUPATIONS)
            entry["occupation_code"] = code
            entry["level"] = rng.choice((5, 4, 3, 2, 1, None))
        entries.append(entry)
    return entries


def _class_like(rng: random.Random, kind: str) -> dict[str, object]:
    code, category, new = rng.choice(OCCUPATIONS)
    level = rng.choice((5, 4, 3, 2, 1, None))
    approved = _day(rng, date(2021, 1, 1), date(2022, 6, 30))
    start = approved + timedelta(days=rng.randrange(1, 30))
    end = start + timedelta(days=rng.randrange(5, 60))
    rate = Decimal(rng.choice((130, 140, 150, 160, 180, 200))) + Decimal(
        rng.choice(("0", "0", "0.50", "-0.01"))
    )
    data: dict[str, object] = {
        "kind": kind,
        "approved_on": approved.isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "occupation": {"code": code, "category": category, "new": new},
        "level": level,
        "standard": f"{STANDARDS[level]}.00",
        "rate": f"{rate:.2f}",
        "passed": rng.random() < 0.9,
        "history": _history(rng),
    }
    if rng.random() < 0.3:
        data["planned_hours"] = rng.randrange(20, 120)
    planned_online = rng.choice((0, 0, 5, 10, 20, 30))
    if planned_online:
        data["planned_online"] = planned_online
        data["online_rate"] = rng.choice(("40.00", "50.00", "60.00", "60.01"))
    if rng.random() < 0.8:
        attended_online = rng.randrange(0, planned_online + 5) if planned_online else 0
        data["attended"] = {"offline": rng.randrange(0, 120), "online": attended_online}
    if kind == "enterprise":
        data["enterprise_uplift"] = rng.choice(("0", "0.1", "0.2"))
        data["classified"] = rng.random() < 0.1
        data["materials"] = rng.choice((["plan", "sign_in", "video"], ["plan", "sign_in"], []))
    if rng.random() < 0.3:
        data["id_number"] = rng.choice(("11010519491231002X", "440524188001010014", "110105194912310021"))
    return data


def _work_for_training(rng: random.Random) -> dict[str, object]:
    first = _day(rng, date(2020, 6, 1), date(2022, 3, 1))
    months = []
    year, month = first.year, first.month
    for _ in range(rng.randrange(1, 9)):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return {"kind": "work_for_training", "months": months, "history": _history(rng)}


def _apprenticeship(rng: random.Random) -> dict[str, object]:
    start = _day(rng, date(2021, 3, 1), date(2022, 6, 30))
    planned = rng.choice((11, 12, 18, 24, 25))
    data: dict[str, object] = {
        "kind": "apprenticeship",
        "start": start.isoformat(),
        "end": (start + timedelta(days=30 * planned)).isoformat(),
        "planned_months": planned,
        "annual_amount": rng.choice(("4000.00", "5000.00", "3900.00")),
        "passed": rng.random() < 0.9,
        "history": _history(rng),
    }
    if rng.random() < 0.2:
        data["early_end"] = rng.choice(("restructuring", "closure", "bankruptcy"))
        data["actual_months"] = rng.randrange(0, planned)
    return data


def build(count: int, seed: int) -> list[dict[str, object]]:
    """``count`` varied quote inputs, the same for the same seed."""
    rng = random.Random(seed)
    makers = (
        lambda: _class_like(rng, "class"),
        lambda: _class_like(rng, "class"),
        lambda: _class_like(rng, "enterprise"),
        lambda: _work_for_training(rng),
        lambda: _apprenticeship(rng),
    )
    return [rng.choice(makers)() for _ in range(count)]


def main() -> None:
    inputs = build(COUNT, SEED)
    scenarios = [parse_scenario(data) for data in inputs]

    started = time.perf_counter()
    total = sum(quote(scenario).amount for scenario in scenarios)
    elapsed = time.perf_counter() - started
    print(
        f"rules: {COUNT} quotes in {elapsed:.2f} s = {COUNT / elapsed:,.0f} quotes/s "
        f"(rules_version {RULES_VERSION}; total {total} 元)"
    )

    started = time.perf_counter()
    for data in inputs:
        result_to_dict(quote(parse_scenario(data)))
    elapsed = time.perf_counter() - started
    print(f"rules: {COUNT} parse + quote + to_dict in {elapsed:.2f} s = {COUNT / elapsed:,.0f} per s")


if __name__ == "__main__":
    main()
