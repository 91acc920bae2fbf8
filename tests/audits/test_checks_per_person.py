"""The per-person rules of the batch audit, one named case per rule and boundary: R10.1, R10.2,
R10.3 and R3.4 over every district and claim kind (run on SQLite here and on PostgreSQL under
`make test`)."""

from datetime import date

import pytest

from apps.audits.engine.catalogue import message
from apps.catalog.models import DistrictSetting
from tests.audits.conftest import COOK, LATHE, found

D = date


def test_three_trainings_in_a_year_are_allowed(world, audit):
    p = world.person()
    for month in (3, 5, 7):
        world.training(p, D(2021, month, 1), D(2021, month, 20))
    assert found(audit()) == set()


def test_the_fourth_training_of_a_year_is_refused_w10(world, audit):
    p = world.person()
    lines = [world.training(p, D(2021, m, 1), D(2021, m, 20)) for m in (3, 5, 7, 9)]
    run = audit()
    assert found(run) == {("R10.1", lines[3].pk, lines[0].pk)}
    finding = run.findings.get()
    assert finding.details == {"year": 2021, "nth": 4, "count": 4, "limit": 3}
    assert finding.claim_id == lines[3].claim_id and finding.other_claim_id == lines[0].claim_id
    assert finding.district_id == world.yuzhong.pk and finding.person_id == p.pk
    assert message("R10.1", finding.details).startswith("2021 年已有 3 次补贴性培训，本次为第 4 次")


def test_work_for_training_does_not_count_towards_the_limit_w10(world, audit):
    p = world.person()
    for month in (3, 5, 7):
        world.training(p, D(2021, month, 1), D(2021, month, 20))
    world.training(p, D(2021, 10, 1), D(2021, 12, 31), kind="work_for_training")
    assert found(audit(), "R10.1") == set()


@pytest.mark.parametrize(
    ("last_end", "flagged"),
    [
        pytest.param(D(2021, 12, 31), True, id="a training ending 2021-12-31 counts in 2021"),
        pytest.param(D(2022, 1, 1), False, id="a training ending 2022-01-01 counts in 2022"),
    ],
)
def test_the_year_is_the_calendar_year_of_the_end_date(world, audit, last_end, flagged):
    p = world.person()
    for month in (3, 5, 7):
        world.training(p, D(2021, month, 1), D(2021, month, 20))
    last = world.training(p, D(2021, 12, 20), last_end)
    assert (("R10.1", last.pk) in {(r, line) for r, line, _ in found(audit())}) is flagged


def test_trainings_count_across_districts_and_claim_kinds(world, audit):
    p = world.person()
    world.training(p, D(2021, 3, 1), D(2021, 3, 20), district=world.wanzhou)
    world.training(p, D(2021, 4, 1), D(2021, 4, 20), kind="apprenticeship", district=world.wanzhou)
    world.training(p, D(2021, 5, 1), D(2021, 5, 20))
    fourth = world.training(p, D(2021, 6, 1), D(2021, 6, 20), kind="class_completion")
    assert {(r, line) for r, line, _ in found(audit())} == {("R10.1", fourth.pk)}


def test_pending_and_approved_lines_count_refused_ones_do_not(world, audit):
    p = world.person()
    world.training(p, D(2021, 3, 1), D(2021, 3, 20), decision="approved", status="approved")
    world.training(p, D(2021, 4, 1), D(2021, 4, 20), decision="rejected")
    world.training(p, D(2021, 5, 1), D(2021, 5, 20), status="rejected")
    world.training(p, D(2021, 6, 1), D(2021, 6, 20))
    fourth = world.training(p, D(2021, 7, 1), D(2021, 7, 20))
    assert found(audit()) == set()
    fifth = world.training(p, D(2021, 8, 1), D(2021, 8, 20))
    assert {line for _, line, _ in found(audit())} == {fifth.pk}
    assert fourth.pk != fifth.pk


def test_drafts_neither_count_for_the_person_nor_get_a_finding(world, audit):
    # A draft claims nothing until it is submitted (issue 14: a stray draft blocked the next claim).
    p = world.person()
    for month in (3, 5, 7):
        world.training(p, D(2021, month, 1), D(2021, month, 20), status="draft")
    world.training(p, D(2021, 9, 1), D(2021, 9, 20))
    draft = world.training(p, D(2021, 10, 1), D(2021, 10, 20), status="draft")
    assert found(audit()) == set()
    # Filed, three trainings of one year make the fourth one over the limit (R10.1).
    for month in (3, 5):
        world.training(p, D(2021, month, 1), D(2021, month, 21))
    fourth = world.training(p, D(2021, 11, 1), D(2021, 11, 20))
    assert {line for _, line, _ in found(audit())} == {fourth.pk}
    assert draft.pk not in {line for _, line, _ in found(audit())}


def test_a_districts_later_limit_applies_from_its_effective_date(world, audit):
    DistrictSetting.objects.create(
        district=world.yuzhong, key="per_year_limit", value=1, effective_from=D(2022, 1, 1)
    )
    p = world.person()
    for month in (3, 5):
        world.training(p, D(2021, month, 1), D(2021, month, 20))
    first_2022 = world.training(p, D(2022, 3, 1), D(2022, 3, 20))
    second_2022 = world.training(p, D(2022, 4, 1), D(2022, 4, 20))
    in_wanzhou = world.training(p, D(2022, 5, 1), D(2022, 5, 20), district=world.wanzhou)
    run = audit()
    assert found(run) == {("R10.1", second_2022.pk, first_2022.pk)}
    assert run.findings.get().details["limit"] == 1
    assert in_wanzhou.pk not in {line for _, line, _ in found(run)}  # 万州区 keeps 3


def test_the_advance_and_the_completion_of_an_apprenticeship_are_one_training(world, audit):
    p = world.person()
    advance = world.claim("apprenticeship", apprenticeship_stage="advance")
    completion = world.claim("apprenticeship", apprenticeship_stage="completion")
    for claim in (advance, completion):
        world.line(claim, p, D(2020, 3, 1), D(2021, 2, 28), occupation=LATHE, level=4)
    world.training(p, D(2021, 5, 1), D(2021, 5, 20))
    world.training(p, D(2021, 6, 1), D(2021, 6, 20))
    assert found(audit()) == set()


def test_same_occupation_and_level_is_subsidised_once(world, audit):
    p = world.person()
    first = world.training(p, D(2021, 3, 1), D(2021, 3, 20), occupation=LATHE, level=4)
    again = world.training(
        p, D(2022, 3, 1), D(2022, 3, 20), occupation=LATHE, level=4, district=world.wanzhou
    )
    world.training(p, D(2022, 5, 1), D(2022, 5, 20), occupation=COOK, level=4)
    run = audit()
    assert found(run) == {("R10.2", again.pk, first.pk)}
    text = message("R10.2", run.findings.get().details)
    assert text.startswith("已享受过同一职业（工种）同一等级的培训补贴：企业职工培训 6-18-01-01 中级工")


def test_special_ability_without_a_level_is_compared_by_its_code(world, audit):
    p = world.person()
    first = world.training(p, D(2021, 3, 1), D(2021, 3, 20), occupation=COOK, level=None)
    again = world.training(p, D(2022, 3, 1), D(2022, 3, 20), occupation=COOK, level=None)
    world.training(p, D(2022, 5, 1), D(2022, 5, 20), occupation=COOK, level=5)
    assert found(audit()) == {("R10.2", again.pk, first.pk)}


def test_a_lower_level_after_a_higher_one_is_a_warning(world, audit):
    p = world.person()
    higher = world.training(p, D(2021, 3, 1), D(2021, 3, 20), occupation=LATHE, level=3)
    lower = world.training(p, D(2021, 6, 1), D(2021, 6, 20), occupation=LATHE, level=4)
    run = audit()
    assert found(run) == {("R10.3", lower.pk, higher.pk)}
    assert "本次申请较低等级（中级工）" in message("R10.3", run.findings.get().details)


def test_a_higher_level_after_a_lower_one_is_the_normal_progression(world, audit):
    p = world.person()
    world.training(p, D(2021, 3, 1), D(2021, 3, 20), occupation=LATHE, level=5)
    world.training(p, D(2021, 6, 1), D(2021, 6, 20), occupation=LATHE, level=4)
    world.training(p, D(2021, 9, 1), D(2021, 9, 20), occupation=LATHE, level=3)
    assert found(audit()) == set()


def test_a_training_overlapping_a_work_for_training_month_fails_when_filed_later(world, audit):
    p = world.person()
    wft = world.training(p, D(2021, 10, 1), D(2021, 12, 31), kind="work_for_training")
    later = world.training(p, D(2021, 12, 20), D(2022, 1, 10), occupation=LATHE, level=4)
    run = audit()
    assert found(run) == {("R3.4", later.pk, wft.pk)}
    assert "与以工代训（2021-10-01 至 2021-12-31）重叠" in message("R3.4", run.findings.get().details)


def test_a_work_for_training_claim_filed_after_the_training_is_the_one_that_fails(world, audit):
    p = world.person()
    training = world.training(p, D(2021, 11, 1), D(2021, 11, 20), occupation=LATHE, level=4)
    wft = world.training(p, D(2021, 10, 1), D(2021, 12, 31), kind="work_for_training")
    run = audit()
    assert found(run) == {("R3.4", wft.pk, training.pk)}
    assert message("R3.4", run.findings.get().details).startswith(
        "以工代训月份 2021-10-01 至 2021-12-31 与先申报的"
    )


@pytest.mark.parametrize(
    ("end", "flagged"),
    [
        pytest.param(D(2021, 9, 30), False, id="ending the day before the first month: no overlap"),
        pytest.param(D(2021, 10, 1), True, id="ending on the first day of the first month: overlap"),
    ],
)
def test_the_overlap_boundary_with_a_work_for_training_month(world, audit, end, flagged):
    p = world.person()
    world.training(p, D(2021, 10, 1), D(2021, 12, 31), kind="work_for_training")
    later = world.training(p, D(2021, 9, 1), end)
    assert ({line for _, line, _ in found(audit(), "R3.4")} == {later.pk}) is flagged


def test_two_work_for_training_lines_are_not_an_r3_4_overlap(world, audit):
    p = world.person()
    world.training(p, D(2021, 10, 1), D(2021, 12, 31), kind="work_for_training")
    world.training(p, D(2021, 11, 1), D(2021, 11, 30), kind="work_for_training", district=world.wanzhou)
    assert found(audit()) == set()


# 以工代训 by its months (LineMonth rows): a claim of April and October is not in training over the
# summer between them.


def _work_for_training_months(world, person, *months: date, **values):
    """A 以工代训 line of `months` (first days): its dates span them, its month rows are exactly them."""
    from apps.claims.models import LineMonth
    from apps.rules.work_for_training import month_end

    line = world.training(person, months[0], month_end(months[-1]), kind="work_for_training", **values)
    LineMonth.objects.bulk_create(
        LineMonth(line=line, person=person, employer=line.claim.employer, month=m) for m in months
    )
    return line


def test_a_class_between_two_claimed_work_for_training_months_is_no_overlap(world, audit):
    p = world.person()
    _work_for_training_months(world, p, D(2021, 4, 1), D(2021, 10, 1))
    world.training(p, D(2021, 7, 1), D(2021, 7, 20), kind="class_completion", occupation=LATHE, level=4)
    assert found(audit(), "R3.4") == set()


def test_a_class_in_a_claimed_work_for_training_month_overlaps(world, audit):
    p = world.person()
    wft = _work_for_training_months(world, p, D(2021, 4, 1), D(2021, 10, 1))
    later = world.training(
        p, D(2021, 9, 1), D(2021, 10, 10), kind="class_completion", occupation=LATHE, level=4
    )
    run = audit()
    assert found(run) == {("R3.4", later.pk, wft.pk)}
    # The message names the month that clashes, not the line's whole span.
    assert "与以工代训（2021-10-01 至 2021-10-31）重叠" in message("R3.4", run.findings.get().details)


def test_a_work_for_training_line_with_two_clashing_months_is_one_finding(world, audit):
    p = world.person()
    training = world.training(p, D(2021, 3, 15), D(2021, 11, 15), occupation=LATHE, level=4)
    wft = _work_for_training_months(world, p, D(2021, 4, 1), D(2021, 5, 1), D(2021, 10, 1))
    run = audit()
    assert found(run) == {("R3.4", wft.pk, training.pk)}
    # The first month that clashes.
    assert message("R3.4", run.findings.get().details).startswith(
        "以工代训月份 2021-04-01 至 2021-04-30 与先申报的"
    )
    assert run.lines_count == 2  # a line, not its month rows


def test_a_work_for_training_line_without_month_rows_is_compared_by_its_span(world, audit):
    p = world.person()
    wft = world.training(p, D(2021, 4, 1), D(2021, 10, 31), kind="work_for_training")
    later = world.training(p, D(2021, 7, 1), D(2021, 7, 20), occupation=LATHE, level=4)
    assert found(audit()) == {("R3.4", later.pk, wft.pk)}


def test_work_for_training_months_count_nowhere_else(world, audit):
    """Three trainings in a year and a 以工代训 line of five months: R10.1 leaves 以工代训 out, and its
    month rows are not five trainings anywhere (R10.1, R10.2, R10.3); the run counts four lines."""
    p = world.person()
    world.training(p, D(2021, 1, 1), D(2021, 1, 20), occupation=LATHE, level=4)
    world.training(p, D(2021, 2, 1), D(2021, 2, 20), occupation=COOK, level=4)
    world.training(p, D(2021, 3, 1), D(2021, 3, 20))
    _work_for_training_months(world, p, *(D(2021, m, 1) for m in (6, 7, 8, 9, 10)))
    run = audit()
    assert found(run) == set()
    assert run.lines_count == 4
