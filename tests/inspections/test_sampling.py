"""The draw is reproducible from its inputs and draws risky institutions' sessions more often."""

from datetime import date
from decimal import Decimal

from apps.inspections import engine, services
from apps.inspections.engine import Candidate
from apps.inspections.models import Inspection

from .conftest import WEEK, draw_week

MONDAY = date(2021, 6, 7)


def _pool():
    return [Candidate(n, "findings") for n in range(1, 11)] + [
        Candidate(n, "ordinary") for n in range(11, 21)
    ]


def test_same_inputs_draw_the_same_sample():
    first = engine.draw(_pool(), rate=Decimal("0.2"), district="500103", week_start=MONDAY, seed=42)
    again = engine.draw(
        list(reversed(_pool())), rate=Decimal("0.2"), district="500103", week_start=MONDAY, seed=42
    )
    assert first == again and len(first) == 4
    other_seed = [
        engine.draw(_pool(), rate=Decimal("0.2"), district="500103", week_start=MONDAY, seed=s)
        for s in range(20)
    ]
    assert len({tuple(d) for d in other_seed}) > 1  # the seed matters
    assert engine.draw(_pool(), rate=Decimal("0.2"), district="500101", week_start=MONDAY, seed=42) != first


def test_risky_institutions_are_drawn_more_often_over_many_draws():
    risky = ordinary = 0
    for seed in range(2000):
        for session in engine.draw(
            _pool(), rate=Decimal("0.1"), district="500103", week_start=MONDAY, seed=seed
        ):
            if session <= 10:
                risky += 1
            else:
                ordinary += 1
    assert risky + ordinary == 4000
    # Weight 3 against 1: about three in four of the draws are risky sessions.
    assert 0.68 < risky / 4000 < 0.82


def test_strata_and_sample_size():
    assert engine.stratum_of(findings=True, returned=True, new=True) == "findings"
    assert engine.stratum_of(findings=False, returned=False, new=True) == "new"
    assert engine.sample_size(21, Decimal("0.1")) == 3
    assert engine.sample_size(0, Decimal("0.1")) == 0
    assert engine.sample_size(5, Decimal("0")) == 0


def test_the_stored_draw_draws_again_the_same_and_assigns_inspectors(scene, officer):
    result = draw_week(scene, officer)
    draw = result.draw
    assert draw.inputs["drawn"] == [scene.session.pk]
    assert services.redraw(draw.inputs) == draw.inputs["drawn"]
    (inspection,) = result.inspections
    assert inspection.inspector == officer
    # a new institution (registered this year) is in the "new" stratum
    assert inspection.stratum == "new"
    assert Inspection.objects.filter(draw=draw).count() == 1


def test_a_week_is_drawn_once(scene, officer):
    import pytest

    from apps.core.errors import ApplicationError

    draw_week(scene, officer)
    with pytest.raises(ApplicationError):
        draw_week(scene, officer)
    assert WEEK.weekday() == 0
