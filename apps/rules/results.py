"""What the rules engine answers: an amount, the steps that produced it and the findings on the way.

Every step and every finding carries the rule ID of docs/rules.md, so the portal can link it to
``/rules/#R…`` and an officer can read why a figure is what it is.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Severity = Literal["E", "W", "O"]
#: ``"line"``: the finding is on the plan or the person, and an E makes the whole amount 0.00.
#: ``"part"``: the finding is on one month or one excess only, which is left out of the amount.
Scope = Literal["line", "part"]

SEVERITY_LABELS: dict[Severity, str] = {
    "E": "错误（不予通过或不予补贴）",
    "W": "提示（由审核人员判断并记录理由）",
    "O": "原则上不允许（经办人员可书面说明理由后通过）",
}


@dataclass(frozen=True, slots=True)
class Step:
    """One line of an explanation: the rule applied, a sentence, the arithmetic and its amount.

    ``amount`` is ``None`` for steps that size the subsidy without being money themselves
    (the planned class-hours ``H``, the hours that count).
    """

    rule: str
    text: str
    arithmetic: str
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that is not met, with its severity and a message that echoes the offending values."""

    rule: str
    severity: Severity
    message: str
    scope: Scope = "line"

    @property
    def blocks(self) -> bool:
        """True when this finding makes the whole amount 0.00 (an E on the plan or the person)."""
        return self.severity == "E" and self.scope == "line"


@dataclass(frozen=True, slots=True)
class QuoteResult:
    """The answer to a quote: what would be paid, why, and what is wrong with the case."""

    amount: Decimal
    steps: tuple[Step, ...]
    findings: tuple[Finding, ...]
    rules_version: str
    #: 以工代训 only: the months paid (as first days), exactly; ``None`` for the other kinds.
    paid_months: tuple[date, ...] | None = None

    @property
    def blocked(self) -> bool:
        """True when an E finding on the plan or the person made the amount 0.00."""
        return any(finding.blocks for finding in self.findings)


class RuleViolation(ValueError):
    """Raised by the identity checks (R11) when a value breaks a rule; carries the finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding
