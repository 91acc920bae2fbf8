"""A6: what is booked for a person beyond one training's entitlement, across claims, districts and
years (booked lines only: approved lines of approved or paid claims). Run on SQLite here and on
PostgreSQL under `make test`."""

from datetime import date
from decimal import Decimal

import pytest

from apps.audits.engine.catalogue import message
from apps.claims.models import LineMonth
from apps.rules.work_for_training import month_end
from apps.trainees.models import Enrolment
from tests.audits.conftest import LATHE, found
from tests.factories import NumberedEmployerFactory

D = date
BOOKED = {"decision": "approved", "status": "approved"}


def _apprenticeship(world, person, stage: str, amount: str, entitlement: str, **values):
    """One stage of an apprenticeship opened 2021-03-01 at the world's enterprise, booked unless told."""
    values = {**BOOKED, **values}
    claim = world.claim("apprenticeship", apprenticeship_stage=stage, status=values.pop("status"))
    return world.line(
        claim,
        person,
        D(2021, 3, 1),
        D(2022, 2, 28),
        occupation=LATHE,
        level=4,
        training_key=f"apprenticeship:{world.employer.pk}:2021-03-01",
        amount=Decimal(amount),
        entitlement=Decimal(entitlement),
        **values,
    )


def test_an_advance_and_an_early_end_within_the_entitlement_are_fine(world, audit):
    p = world.person()
    _apprenticeship(world, p, "advance", "4000.00", "5000.00")
    _apprenticeship(world, p, "early_end", "1000.00", "5000.00")
    assert found(audit(), "A6") == set()


def test_an_advance_and_an_early_end_beyond_the_entitlement_fail(world, audit):
    p = world.person()
    advance = _apprenticeship(world, p, "advance", "4000.00", "5000.00")
    early_end = _apprenticeship(world, p, "early_end", "5000.00", "5000.00", status="paid")
    run = audit()
    assert found(run) == {("A6", early_end.pk, advance.pk)}
    finding = run.findings.get()
    assert finding.details == {
        "training": early_end.training_key,
        "booked": "9000.00",
        "entitlement": "5000.00",
        "lines": 2,
    }
    assert finding.claim_id == early_end.claim_id and finding.other_claim_id == advance.claim_id
    assert message("A6", finding.details) == (
        "同一培训已记账 2 条明细，合计 9000.00 元，超过应享受金额 5000.00 元 (A6)"
    )


def test_the_smallest_entitlement_of_the_lines_is_the_one_compared(world, audit):
    p = world.person()
    _apprenticeship(world, p, "advance", "3000.00", "6000.00")
    settlement = _apprenticeship(world, p, "completion", "2500.50", "5500.00")
    run = audit()
    assert {line for _, line, _ in found(run, "A6")} == {settlement.pk}
    assert run.findings.get().details["booked"] == "5500.50"


def _completion_line(world, training_class, enrolment, **values):
    claim_values = {"status": values.pop("status", "approved")}
    if "district" in values:
        claim_values["district"] = values.pop("district")
    claim = world.completion(training_class, **claim_values)
    return world.line(
        claim,
        enrolment.person,
        training_class.start_date,
        training_class.end_date,
        enrolment=enrolment,
        training_key=f"class:{enrolment.pk}",
        amount=Decimal("1500.00"),
        entitlement=Decimal("1500.00"),
        **{"decision": "approved", **values},
    )


def test_a_class_completion_booked_twice_fails_each_time_after_the_first(world, audit):
    p = world.person()
    training_class = world.training_class(D(2021, 3, 1), D(2021, 3, 20), [])
    enrolment = Enrolment.objects.create(training_class=training_class, person=p)
    first = _completion_line(world, training_class, enrolment, status="paid")
    second = _completion_line(world, training_class, enrolment)
    third = _completion_line(world, training_class, enrolment, district=world.wanzhou)
    run = audit()
    assert found(run, "A6") == {("A6", second.pk, first.pk), ("A6", third.pk, first.pk)}
    assert run.findings.get(line=third).details["booked"] == "4500.00"


def test_a_living_allowance_booked_twice_fails_though_it_has_no_dates(world, audit):
    p = world.person()
    training_class = world.training_class(D(2021, 3, 1), D(2021, 3, 20), [])
    enrolment = Enrolment.objects.create(training_class=training_class, person=p)
    lines = [
        world.line(
            world.claim("living_allowance", training_class=training_class, status="approved"),
            p,
            None,
            None,
            enrolment=enrolment,
            training_key=f"living:{enrolment.pk}",
            amount=Decimal("300.00"),
            entitlement=Decimal("300.00"),
            decision="approved",
        )
        for _ in range(2)
    ]
    assert found(audit()) == {("A6", lines[1].pk, lines[0].pk)}


def _work_for_training(world, person, employer, *months: date, booked_rows: bool = True, **values):
    """A booked 以工代训 line of `months` at `employer`, with its month rows."""
    values = {**BOOKED, **values}
    claim = world.claim("work_for_training", employer=employer, status=values.pop("status"))
    line = world.line(
        claim,
        person,
        months[0],
        month_end(months[-1]),
        training_key=f"wft:{employer.pk}",
        amount=Decimal("500.00") * len(months),
        entitlement=Decimal("500.00") * len(months),
        **values,
    )
    booked = booked_rows and values["decision"] == "approved" and claim.status in ("approved", "paid")
    LineMonth.objects.bulk_create(
        LineMonth(line=line, person=person, employer=employer, month=m, booked=booked) for m in months
    )
    return line


def test_a_work_for_training_month_booked_at_two_enterprises_fails(world, audit):
    p = world.person()
    other = NumberedEmployerFactory()
    first = _work_for_training(world, p, world.employer, D(2021, 9, 1), D(2021, 10, 1))
    second = _work_for_training(world, p, other, D(2021, 10, 1), D(2021, 11, 1), D(2021, 12, 1))
    run = audit()
    assert found(run) == {("A6", second.pk, first.pk)}
    details = run.findings.get().details
    assert details == {"month": "2021-10-01", "employer": other.pk, "other_employer": world.employer.pk}
    assert message("A6", details).startswith(
        f"以工代训 2021-10 月已由另一条明细记账（用人单位 #{world.employer.pk}）"
    )


def test_a_month_booked_twice_at_one_enterprise_before_the_constraint_fails(world, audit):
    """The month rows' constraint keeps one booked row per worker, enterprise and month; a month
    booked twice before it has its second row unbooked, and A6 reads the line's booking."""
    p = world.person()
    first = _work_for_training(world, p, world.employer, D(2021, 10, 1))
    second = _work_for_training(world, p, world.employer, D(2021, 10, 1), booked_rows=False)
    assert found(audit()) == {("A6", second.pk, first.pk)}


def test_work_for_training_months_of_one_enterprise_are_not_one_training(world, audit):
    """以工代训 lines share the enterprise's training key; each month is its own entitlement."""
    p = world.person()
    _work_for_training(world, p, world.employer, D(2021, 4, 1), D(2021, 5, 1))
    _work_for_training(world, p, world.employer, D(2021, 6, 1))
    _work_for_training(world, p, NumberedEmployerFactory(), D(2021, 7, 1), status="paid")
    assert found(audit(), "A6") == set()


@pytest.mark.parametrize(
    "not_booked",
    [
        pytest.param(
            {"decision": "pending", "status": "under_review"}, id="a pending line of a claim in review"
        ),
        pytest.param(
            {"decision": "approved", "status": "under_review"}, id="approved, claim not yet approved"
        ),
        pytest.param(
            {"decision": "rejected", "status": "approved"}, id="a refused line of an approved claim"
        ),
        pytest.param({"decision": "approved", "status": "rejected"}, id="a rejected claim"),
    ],
)
def test_lines_not_booked_never_fire(world, audit, not_booked):
    p = world.person()
    training_class = world.training_class(D(2021, 3, 1), D(2021, 3, 20), [])
    enrolment = Enrolment.objects.create(training_class=training_class, person=p)
    _apprenticeship(world, p, "advance", "4000.00", "5000.00")
    _apprenticeship(world, p, "early_end", "5000.00", "5000.00", **not_booked)
    _completion_line(world, training_class, enrolment)
    _completion_line(world, training_class, enrolment, **not_booked)
    _work_for_training(world, p, world.employer, D(2021, 10, 1))
    _work_for_training(world, p, NumberedEmployerFactory(), D(2021, 10, 1), **not_booked)
    assert found(audit(), "A6") == set()


def test_a6_writes_on_paid_claims_in_its_scope(world, audit):
    p = world.person()
    advance = _apprenticeship(world, p, "advance", "4000.00", "5000.00", status="paid")
    settlement = _apprenticeship(world, p, "completion", "5000.00", "5000.00", status="paid")
    expected = {("A6", settlement.pk, advance.pk)}
    assert found(audit()) == expected
    assert found(audit("district", district=world.yuzhong)) == expected
    assert found(audit("district", district=world.wanzhou)) == set()
    assert found(audit("claim", claim=settlement.claim)) == expected
    assert found(audit("claim", claim=advance.claim)) == set()
