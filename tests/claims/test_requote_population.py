"""Every stored line re-quotes to its amount (issue 13), over a generated population of 10,000
lines of every kind, filed and approved through the services in an order that makes the persons'
histories, their booked trainings and what was booked before for the same training matter: the
engine alone, given a line's stored inputs and no district settings, gives back its amount, its
steps and its findings."""

import random
from datetime import date
from decimal import Decimal

import pytest

from apps.claims.models import ClaimLine, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.employer_claims import (
    Apprentice,
    EnterpriseTrainee,
    EnterpriseTraining,
    WorkerMonths,
    claim_create_apprenticeship,
    claim_create_enterprise_direct,
    claim_create_work_for_training,
)
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide, claim_lines_approve_pending
from apps.ledger.services import allocation_set, claim_approve
from apps.trainees.models import Person
from tests.factories import DistrictSettingFactory, EmployerFactory, RateRowFactory, UserFactory, district
from tests.requote import stored_and_requoted

from .conftest import id_number

pytestmark = pytest.mark.django_db
WANZHOU = "500101"
LINES = 10_000
PER_CLAIM = 500


def persons(count: int) -> list[Person]:
    return Person.objects.bulk_create(
        Person(
            id_number=id_number(WANZHOU, f"{1970 + n // 1000}0101", f"{n % 1000:03d}"),
            name=f"职工{n}",
            gender="M",
            birth_date=date(1970 + n // 1000, 1, 1),
        )
        for n in range(count)
    )


def review(claim, filer, officer):
    """Submit, approve what may be approved (judged lines with a reason, zero lines refused), book."""
    claim_transition(claim=claim, actor=filer, to="submitted")
    outcome = claim_lines_approve_pending(claim=claim, actor=officer)
    for line, _ in outcome.skipped:
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED, reason="已核实")
    for line in claim.lines.filter(decision=LineDecision.PENDING):
        claim_line_decide(
            line=line, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="0 元"
        )
    claim_approve(claim=claim, actor=officer, acknowledged=True)


def test_every_line_of_a_generated_population_requotes_to_its_amount(
    completed_class, operator, lathe, rates, officer
):
    rng = random.Random(13)
    admin = UserFactory(municipal_admin=True)
    wanzhou = UserFactory(officer=True, district=district(WANZHOU))
    filer = UserFactory(filer=True)
    employer = EmployerFactory(is_classified=True)
    employer.members.add(filer)
    for year in (2021, 2022, 2026):
        allocation_set(
            actor=admin,
            district=district(WANZHOU),
            year=year,
            amount=Decimal("90000000"),
            work_for_training_share=Decimal("30000000"),
        )
        allocation_set(actor=admin, district=district("500103"), year=year, amount=Decimal("1000000"))
    # District settings the lines must carry (R3.5 amount, R5.2 standard, R10.1 limit, R1.7 uplift).
    for key, value in (
        ("wft_monthly_amount", "600"),
        ("apprenticeship_annual_amount", "4800"),
        ("per_year_limit", "2"),
        ("enterprise_uplift", "0.1"),
    ):
        DistrictSettingFactory(
            district=district(WANZHOU), key=key, value=Decimal(value), effective_from=date(2021, 1, 1)
        )
    RateRowFactory(district=district(WANZHOU), occupation=None, major_category=6, level=3)  # S 2500, r 180
    people = persons(2_000)
    months = [f"{y}-{m:02d}" for y in (2021, 2022) for m in range(1, 13)]

    def batch() -> list[Person]:
        return rng.sample(people, PER_CLAIM)

    def wft():
        return claim_create_work_for_training(
            actor=filer,
            employer=employer,
            year=2021,
            workers=[WorkerMonths(p, rng.sample(months, rng.randint(1, 5))) for p in batch()],
        )

    def training(month: int, level: int | None = 4):
        start = date(2021, month, 3)
        return claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=EnterpriseTraining(
                f"第 {month} 期", lathe, level, start, start.replace(day=25), planned_online=6
            ),
            trainees=[
                EnterpriseTrainee(
                    p,
                    rng.choice(["employee", "dispatched"]),
                    rng.randint(0, 70),
                    rng.randint(0, 20),
                    rng.random() > 0.1,
                )
                for p in batch()
            ],
        )

    def apprenticeship(stage: str, **values):
        early = stage == "early_end"
        return claim_create_apprenticeship(
            actor=filer,
            employer=employer,
            stage=stage,
            year=2021,
            apprentices=[
                Apprentice(
                    p,
                    date(2021, 4, 1),
                    date(2023, 3, 31),
                    rng.choice([12, 24, 30]),
                    actual_months=rng.randint(1, 11) if early else None,
                    early_end=rng.choice(["bankruptcy", "other"]) if early else None,
                    early_end_reason="学徒应征入伍" if early else "",
                    **values,
                )
                for p in batch()
            ],
        )

    review(claim_create_for_class(actor=operator, training_class=completed_class), operator, officer)
    review(wft(), filer, wanzhou)
    review(training(5), filer, wanzhou)
    review(apprenticeship("advance"), filer, wanzhou)
    while ClaimLine.objects.count() < LINES:
        made = rng.choice(
            [
                wft,
                lambda: training(rng.randint(3, 11)),
                lambda: apprenticeship("early_end"),
                lambda: apprenticeship("completion"),
                lambda: training(6, 3),
            ]
        )()
        if rng.random() < 0.2:
            review(made, filer, wanzhou)

    lines = list(ClaimLine.objects.order_by("pk"))
    assert len(lines) >= LINES
    kinds = {line.inputs["kind"] for line in lines}
    assert kinds == {"class", "work_for_training", "enterprise", "apprenticeship"}
    assert any(line.inputs.get("paid_before") for line in lines)  # advances deducted
    for line in lines:
        stored, again = stored_and_requoted(line)
        assert again == stored, line.pk
