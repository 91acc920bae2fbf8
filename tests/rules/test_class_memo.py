"""The class's own part of a quote (R9.1 or R1, R2, R2.6, R4.2, R4.3) reused for the trainees of the
same class (ClassMemo): a quote made with the memo is the quote made without it, step for step,
whatever each trainee's own ID number, other trainings and earlier payment."""

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.rules import ClassMemo, HistoryEntry, Occupation, Scenario, ScenarioError, quote
from tests.rules.builders import id_number
from tests.rules.test_properties import RULES_PROFILE, class_scenarios

OWN = st.fixed_dictionaries(
    {
        "id_number": st.sampled_from(
            # of age; under 16 at the start (R11.2); a wrong check character (R11.1); none given
            [id_number("50010319900101001"), id_number("50010320150101001"), "500103199001010010", None]
        ),
        "history": st.sampled_from(
            [
                (),
                # the same occupation, level 3 again (R10.2); 以工代训 over the training (R3.4)
                (HistoryEntry("class", date(2023, 3, 1), date(2023, 3, 20), "6-18-01-01", 3),),
                (HistoryEntry("work_for_training", date(2023, 12, 1), date(2024, 3, 31)),),
            ]
        ),
        "paid_before": st.sampled_from([Decimal("0.00"), Decimal("300.00"), Decimal("99999.00")]),
        "per_year_limit": st.sampled_from([None, 0, 3]),
    }
)


@RULES_PROFILE
@given(st.lists(class_scenarios(), min_size=1, max_size=4), st.lists(OWN, min_size=1, max_size=6))
def test_a_quote_with_the_memo_is_the_quote_without_it(classes: list[Scenario], owns: list[dict]) -> None:
    memo = ClassMemo(size=3)  # small, so that a full memo starting again is exercised too
    for scenario in classes:
        for own in owns:
            trainee = replace(scenario, **own)
            assert quote(trainee, memo=memo) == quote(trainee)


@RULES_PROFILE
@given(class_scenarios(), class_scenarios())
def test_a_class_that_differs_in_one_field_is_a_part_of_its_own(first: Scenario, other: Scenario) -> None:
    """Every field the class's rules read is in the memo's key: a scenario that differs from one
    quoted before in any one field is quoted afresh."""
    memo = ClassMemo()
    quote(first, memo=memo)
    for name in (field.name for field in fields(Scenario)):
        try:
            changed = replace(first, **{name: getattr(other, name)})
        except ScenarioError:
            continue  # the two fields do not fit together
        assert quote(changed, memo=memo) == quote(changed)


def _class(**changes: object) -> Scenario:
    base = Scenario(
        kind="class",
        approved_on=date(2021, 6, 1),
        start=date(2021, 6, 7),
        end=date(2021, 6, 30),
        occupation=Occupation("6-18-01-01", 6),
        level=3,
        standard=Decimal("1500"),
        rate=Decimal("150.00"),
    )
    return replace(base, **changes)


def test_amounts_equal_but_written_otherwise_are_parts_of_their_own() -> None:
    memo = ClassMemo()
    for standard in (Decimal("1500"), Decimal("1500.00"), Decimal("1.5E+3")):
        scenario = _class(standard=standard)
        assert quote(scenario, memo=memo) == quote(scenario)
    assert len(memo._parts) == 3


def test_trainees_of_one_class_share_one_part() -> None:
    memo = ClassMemo()
    for person in ("50010319900101001", "50010319850101002", "50010319800101003"):
        assert quote(_class(id_number=id_number(person)), memo=memo) == quote(
            _class(id_number=id_number(person))
        )
    assert len(memo._parts) == 1
