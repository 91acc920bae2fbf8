"""The replay of a chunk (engine.Replayer) gives, line for line, what engine.replay gives each line
alone: what lines share read once, each line's own fields (ID number, other trainings) added."""

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.rules import ScenarioError
from apps.scenarios import engine
from tests.rules.builders import enterprise, id_number, w1, w3, work_for_training

SHARED = [
    w1(),
    w1(attended={"offline": 30, "online": 0}),
    w3(),
    w3(approved_on="2021-02-01"),  # the previous policy (R9.1): no rate is paid
    enterprise(),
    work_for_training(),
    w3(rate="-1.00"),  # inputs the engine does not read
]
OWN = [
    {},
    {"id_number": id_number("50010319900101001")},
    {"id_number": id_number("50010320150101001")},  # under 16 (R11.2)
    {"id_number": None},
    {"id_number": 500103},  # not text: the engine does not read it
    {"history": []},
    {
        "history": [
            {
                "kind": "class",
                "start": "2021-03-01",
                "end": "2021-03-20",
                "occupation_code": "6-18-01-01",
                "level": 3,
            }
        ]
    },
    {"history": None},  # history must not be null
]
CHANGES = [
    [{"field": "rate", "op": "percent", "value": "10"}],
    [{"field": "standard", "op": "add", "value": "-500", "level": "3"}],
    [{"field": "monthly_amount", "op": "set", "value": "600"}],
    [{"field": "rate", "op": "set", "value": "200", "from": "2021-03-15"}],
]


def _texts(inputs: dict) -> tuple[str, str | None, str | None]:
    """A line's inputs as the replay reads them from the database: the shared part and each own
    field as JSON text (None where absent)."""
    shared = {key: value for key, value in inputs.items() if key not in engine.OWN_FIELDS}
    own = [json.dumps(inputs[name]) if name in inputs else None for name in engine.OWN_FIELDS]
    return json.dumps(shared), *own


def _alone(inputs: dict, changes: list) -> Decimal | None:
    if not engine.touches(inputs, changes):
        return None
    try:
        return engine.replay(inputs, changes)[0]
    except ScenarioError:
        return Decimal(-1)


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.sampled_from(CHANGES),
    st.lists(st.tuples(st.sampled_from(SHARED), st.sampled_from(OWN)), min_size=1, max_size=12),
)
def test_a_chunk_replays_each_line_as_it_replays_alone(changes: list, lines: list) -> None:
    replayer = engine.Replayer(changes, size=2)  # small, so that a full cache starting again is exercised
    for shared, own in lines:
        inputs = {**shared, **own}
        text, id_text, history_text = _texts(inputs)
        read = replayer.shared(text)
        assert read.touched == engine.touches(inputs, changes)
        assert (read.occupation, read.level) == (engine.occupation_of(inputs), inputs.get("level"))
        if not read.touched:
            continue
        try:
            after = replayer.after(read, id_text, history_text)
        except ScenarioError:
            after = Decimal(-1)
        assert after == _alone(inputs, changes)


def test_lines_of_one_class_are_read_once() -> None:
    replayer = engine.Replayer(CHANGES[0])
    people = ("50010319900101001", "50010319850101002", "50010319800101003")
    for person in people:
        inputs = w1(id_number=id_number(person))
        text, id_text, history_text = _texts(inputs)
        after = replayer.after(replayer.shared(text), id_text, history_text)
        assert after == engine.replay(inputs, CHANGES[0])[0] != engine.replay(inputs, [])[0]
    assert len(replayer._shared) == 1


def test_inputs_it_cannot_read_raise_as_alone() -> None:
    replayer = engine.Replayer(CHANGES[0])
    text, id_text, history_text = _texts(w3(rate="-1.00"))
    with pytest.raises(ScenarioError):
        replayer.after(replayer.shared(text), id_text, history_text)
