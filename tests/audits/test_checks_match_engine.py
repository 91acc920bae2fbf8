"""The set-based SQL says what the rules engine says, line by line: for random populations, each
line filed is checked by the engine's own functions against the person's lines filed before it
(the "later line fails" reading of R10.1, R10.2 and R3.4) or started before it (R10.3). Some
以工代训 lines have month rows with gaps between them (R3.4 compares those months, as the engine's
quote of a 以工代训 line checks each month), the others none (their span counts)."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.audits.models import AuditRun
from apps.catalog.engine import district_settings_for
from apps.claims.models import Claim, ClaimLine, LineMonth
from apps.rules.limits import (
    HistoryEntry,
    check_lower_level_after_higher,
    check_no_overlap_with_work_for_training,
    check_per_year_limit,
    check_same_level_once,
    months_between,
    overlapping_other_training,
    per_year_limit_on,
)
from apps.rules.work_for_training import month_end
from apps.trainees.models import Person
from tests.audits.conftest import COOK, ENGINE_KIND, LATHE

OPEN = {"submitted", "under_review", "returned", "approved"}

training = st.fixed_dictionaries(
    {
        "person": st.integers(0, 2),
        "kind": st.sampled_from(["enterprise_direct", "class_completion", "work_for_training"]),
        "start": st.integers(0, 700),
        "days": st.integers(0, 80),
        "occupation": st.sampled_from([LATHE, COOK]),
        "level": st.sampled_from([3, 4, 5, None]),
        "wanzhou": st.booleans(),
        "decision": st.sampled_from(["pending", "pending", "approved", "rejected"]),
        "status": st.sampled_from(["submitted", "approved", "returned", "draft", "rejected", "paid"]),
        "months": st.booleans(),  # 以工代训: every other month its dates touch, as month rows
    }
)


def _months(line: ClaimLine) -> tuple[date, ...]:
    return tuple(row.month for row in line.month_rows.order_by("month"))


def _record(line: ClaimLine) -> HistoryEntry:
    occupation = line.inputs.get("occupation") or {}
    return HistoryEntry(
        ENGINE_KIND[line.claim.kind],
        line.start,
        line.end,
        occupation.get("code"),
        line.inputs.get("level"),
        _months(line),
    )


def expected(lines: list[ClaimLine]) -> set[tuple[str, int]]:
    counted = [x for x in lines if x.decision != "rejected" and x.claim.status not in ("rejected", "draft")]
    out = set()
    for line in counted:
        if line.claim.status not in OPEN:
            continue
        mine = _record(line)
        earlier = [_record(x) for x in counted if x.person_id == line.person_id and x.pk < line.pk]
        started_before = [
            _record(x)
            for x in counted
            if x.person_id == line.person_id and (x.start, x.pk) < (line.start, line.pk)
        ]
        if mine.kind != "work_for_training":
            year = line.end.year
            n = sum(1 for r in earlier if r.kind != "work_for_training" and r.end.year == year)
            limit = per_year_limit_on(
                line.end, district_settings_for(district=line.claim.district, on=line.end)
            )
            if check_per_year_limit(year=year, earlier=n, limit=limit):
                out.add(("R10.1", line.pk))
            if check_no_overlap_with_work_for_training(start=line.start, end=line.end, history=earlier):
                out.add(("R3.4", line.pk))
        elif any(
            overlapping_other_training(start=first, end=last, history=earlier)
            for first, last in [(m, month_end(m)) for m in mine.months] or [(line.start, line.end)]
        ):
            out.add(("R3.4", line.pk))
        if mine.occupation_code:
            with_code = [r for r in earlier if r.occupation_code]
            if check_same_level_once(
                occupation_code=mine.occupation_code, level=mine.level, history=with_code
            ):
                out.add(("R10.2", line.pk))
            before = [r for r in started_before if r.occupation_code]
            if check_lower_level_after_higher(
                occupation_code=mine.occupation_code, level=mine.level, history=before
            ):
                out.add(("R10.3", line.pk))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trainings=st.lists(training, min_size=1, max_size=14))
def test_the_sql_finds_what_the_engine_finds(world, audit, trainings):
    AuditRun.objects.all().delete()
    ClaimLine.objects.all().delete()
    Claim.objects.all().delete()
    Person.objects.all().delete()
    world.persons.clear()
    persons = [world.person() for _ in range(3)]
    base = date(2021, 1, 1)
    for t in trainings:
        start = base + timedelta(days=t["start"])
        end = start + timedelta(days=t["days"])
        wft = t["kind"] == "work_for_training"
        months = months_between(start, end)[::2] if wft and t["months"] else ()
        if months:  # a 以工代训 line's dates span its months, first day to last
            start, end = months[0], month_end(months[-1])
        claim = world.claim(
            t["kind"], district=world.wanzhou if t["wanzhou"] else world.yuzhong, status=t["status"]
        )
        line = world.line(
            claim,
            persons[t["person"]],
            start,
            end,
            occupation=None if wft else t["occupation"],
            level=None if wft else t["level"],
            decision=t["decision"],
        )
        LineMonth.objects.bulk_create(
            LineMonth(line=line, person=line.person, employer=claim.employer, month=m) for m in months
        )
    lines = list(ClaimLine.objects.select_related("claim__district").order_by("pk"))
    run = audit()
    assert run.status == "finished"
    # The engine's rules only: A6 (what is booked twice) has no engine function to compare with.
    engine_rules = run.findings.filter(rule__in=("R10.1", "R10.2", "R10.3", "R3.4"))
    assert set(engine_rules.values_list("rule", "line_id")) == expected(lines)
