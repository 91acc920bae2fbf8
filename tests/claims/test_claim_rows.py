"""Claims filed with persons typed by ID number and name (registered once, errors by row, all
or nothing), and the officer's "approve the rest"."""

from decimal import Decimal

import pytest

from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.employer_claims import WorkerMonths, claim_create_work_for_training
from apps.claims.services.filing import PersonRow, claim_create_with_persons
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide, claim_lines_approve_pending
from apps.core.errors import ApplicationError
from apps.core.selectors import state_changes_for
from apps.trainees.models import Person
from tests.factories import UserFactory

from .conftest import id_number

pytestmark = pytest.mark.django_db


def _wft(filer, employer, rows, months=("2021-10",)):
    return claim_create_with_persons(
        rows=rows,
        create=lambda persons: claim_create_work_for_training(
            actor=filer,
            employer=employer,
            year=2021,
            workers=[WorkerMonths(p, list(months)) for p in persons],
        ),
    )


def test_persons_are_registered_once_from_any_province(filer, employer):
    guangdong = id_number("440106", "19920202", "031")
    claim = _wft(
        filer,
        employer,
        [PersonRow(guangdong, "郑粤"), PersonRow(id_number("500101", "19900101", "032"), "王渝")],
    )
    assert claim.lines.count() == 2 and claim.total == Decimal("1000.00")
    again = _wft(filer, employer, [PersonRow(guangdong, "郑粤")], months=("2021-11",))
    assert Person.objects.filter(id_number=guangdong).count() == 1
    assert again.lines.get().person.name == "郑粤"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([PersonRow("500101199001010001", "王渝")], "第 1 行："),
        ([PersonRow(id_number("500101", "19900101", "033"), "")], "第 1 行：姓名不能为空"),
        (
            [
                PersonRow(id_number("500101", "19900101", "034"), "甲乙"),
                PersonRow(id_number("500101", "19900101", "034"), "甲乙"),
            ],
            "第 2 行：身份证号码与第 1 行重复",
        ),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_saved(filer, employer, rows, message):
    with pytest.raises(ApplicationError) as exc:
        _wft(filer, employer, rows)
    assert exc.value.message.startswith(message)
    assert not Claim.objects.exists() and not Person.objects.exists()


def test_a_refused_claim_registers_nobody(employer):
    stranger = UserFactory(filer=True)
    with pytest.raises(ApplicationError, match="本企业的申报人"):
        _wft(stranger, employer, [PersonRow(id_number("500101", "19900101", "035"), "王渝")])
    assert not Person.objects.exists()


def test_the_rest_is_approved_after_one_rejection(completed_class, operator, officer):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    failed = claim.lines.get(person__name="王未过")
    claim_line_decide(
        line=failed, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="不合格"
    )
    assert claim_lines_approve_pending(claim=claim, actor=officer).approved == 2
    claim.refresh_from_db()
    assert claim.approved_total == Decimal("2535.00")
    assert set(claim.lines.values_list("decision", flat=True)) == {
        LineDecision.APPROVED,
        LineDecision.REJECTED,
    }
    decisions = [c for c in state_changes_for(obj=claim) if "line" in c.changes]
    assert len(decisions) == 3


def test_only_an_officer_approves_the_rest(completed_class, operator):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    reviewer = UserFactory(reviewer=True)
    with pytest.raises(ApplicationError, match=r"R7\.1"):
        claim_lines_approve_pending(claim=claim, actor=reviewer)
    assert set(claim.lines.values_list("decision", flat=True)) == {LineDecision.PENDING}
