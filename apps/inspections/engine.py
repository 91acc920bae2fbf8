"""The draw of process supervision (过程监管抽查): which of a week's sessions are inspected.

Pure Python over plain values, so a draw can be made again from its stored inputs alone:
the same district, week, seed, rate and candidates (each with its weight) always give the same
sessions. Sessions are drawn without replacement, each with a chance that grows with its
institution's risk weight (Efraimidis–Spirakis: each candidate gets the key u^(1/w), u uniform
from the seeded generator, and the highest keys are drawn), so a session of weight 3 is about
three times as likely to be drawn as one of weight 1 when few are drawn.

Risk strata and their weights (the highest stratum an institution is in counts):

| stratum    | what                                                                 | weight |
|------------|----------------------------------------------------------------------|--------|
| findings   | a current confirmed audit finding on the institution or its claims   | 3      |
| returned   | a claim or class application of the institution returned or rejected | 2      |
| new        | the institution registered less than a year before the week          | 2      |
| ordinary   | none of these                                                        | 1      |
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

STRATA_ORDER: Final[tuple[str, ...]] = ("findings", "returned", "new", "ordinary")
WEIGHTS: Final[dict[str, int]] = {"findings": 3, "returned": 2, "new": 2, "ordinary": 1}


@dataclass(frozen=True)
class Candidate:
    session: int
    stratum: str

    @property
    def weight(self) -> int:
        return WEIGHTS[self.stratum]


def stratum_of(*, findings: bool, returned: bool, new: bool) -> str:
    """The highest risk stratum an institution is in."""
    if findings:
        return "findings"
    if returned:
        return "returned"
    return "new" if new else "ordinary"


def sample_size(total: int, rate: Decimal) -> int:
    """How many of `total` sessions the rate asks for: rounded up, so a district with any session
    and a rate above nought inspects at least one; never more than there are."""
    if total <= 0 or rate <= 0:
        return 0
    return min(total, math.ceil(total * rate))


def seed_material(*, district: str, week_start: date, seed: int) -> str:
    return f"{district}|{week_start.isoformat()}|{seed}"


def draw(
    candidates: Sequence[Candidate], *, rate: Decimal, district: str, week_start: date, seed: int
) -> list[int]:
    """The drawn sessions' ids, in the order drawn (highest key first)."""
    digest = hashlib.sha256(
        seed_material(district=district, week_start=week_start, seed=seed).encode()
    ).digest()
    generator = random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311  # nosec B311  # a reproducible draw, not a secret
    keyed = []
    for candidate in sorted(candidates, key=lambda c: c.session):
        u = generator.random()
        keyed.append((u ** (1 / candidate.weight), candidate.session))
    keyed.sort(key=lambda pair: (-pair[0], pair[1]))
    return [session for _, session in keyed[: sample_size(len(candidates), rate)]]
