"""R9: the previous policy for classes approved before 2021-03-01; the notice from that day on."""

from datetime import date
from decimal import Decimal

import pytest

from apps.rules.effective import follows_previous_policy
from tests.rules.builders import rules_of, run, w3

APPROVAL_CASES = [
    ("approved 2021-02-28 follows the previous policy", "2021-02-28", "1000.00", "R9.1"),
    ("approved 2021-03-01 follows the notice", "2021-03-01", "996.67", "R1.5"),
    ("approved 2021-03-02 follows the notice", "2021-03-02", "996.67", "R1.5"),
]


@pytest.mark.parametrize(
    ("approved_on", "amount", "first_step"),
    [case[1:] for case in APPROVAL_CASES],
    ids=[case[0] for case in APPROVAL_CASES],
)
def test_approval_date(approved_on: str, amount: str, first_step: str) -> None:
    result = run(w3(approved_on=approved_on))

    assert result.amount == Decimal(amount)
    assert result.steps[0].rule == first_step


def test_previous_policy_needs_no_rate_and_ignores_it() -> None:
    result = run(w3(approved_on="2021-01-10", rate=None, attended=None))
    low_rate = run(w3(approved_on="2021-01-10", rate="100.00"))

    assert result.amount == Decimal("1000.00")
    assert low_rate.amount == Decimal("1000.00")
    assert low_rate.findings == ()


def test_previous_policy_still_needs_a_pass_and_enterprise_materials() -> None:
    failed = run(w3(approved_on="2021-01-10", passed=False))
    enterprise = run(w3(kind="enterprise", approved_on="2021-01-10", materials=["plan"]))

    assert rules_of(failed) == [("R2.6", "E")]
    assert rules_of(enterprise) == [("R4.3", "E")]
    assert failed.amount == enterprise.amount == Decimal("0.00")


def test_follows_previous_policy() -> None:
    assert follows_previous_policy(date(2021, 2, 28))
    assert not follows_previous_policy(date(2021, 3, 1))
