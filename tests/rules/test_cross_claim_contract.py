"""The contract fields that let a claim line be quoted against the person's other claims and
re-quoted later to the same figure (issue 13): 以工代训 months as sets, what was booked before for
the same training (``paid_before``), the apprenticeship's advance and settlement, the living
allowance as a kind, the R10.1 limit locked on the line, who the trainee is to the enterprise,
and R5.3's open list of reasons."""

from datetime import date
from decimal import Decimal

import pytest

from apps.rules import DistrictSettings, ScenarioError, parse_scenario, per_year_limit_on, result_to_dict
from tests.rules.builders import apprenticeship, enterprise, rules_of, run, w3, work_for_training

D = Decimal


def wft_history(*months: str, start: str | None = None, end: str | None = None) -> dict:
    first = min(months)
    last = max(months)
    year, month = map(int, last.split("-"))
    last_day = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)
    return {
        "kind": "work_for_training",
        "start": start or f"{first}-01",
        "end": end or f"{year:04d}-{month:02d}-{last_day}",
        "months": list(months),
    }


# 以工代训 months are sets (R3.4, R3.5) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "paid"),
    [
        pytest.param(
            [wft_history("2021-04", "2021-10")], ["2021-07"], id="R3.5 July between April and October is free"
        ),
        pytest.param(
            [wft_history("2021-04", "2021-07", "2021-10")],
            [],
            id="R3.5 July claimed before is not paid again",
        ),
        pytest.param(
            [{"kind": "work_for_training", "start": "2021-04-01", "end": "2021-10-31"}],
            [],
            id="R3.5 an entry without months covers every month of its dates",
        ),
    ],
)
def test_r3_5_months_already_claimed_are_the_months_of_the_line(history, paid):
    result = run(work_for_training(months=["2021-07"], history=history))
    assert result.paid_months == tuple(date.fromisoformat(f"{m}-01") for m in paid)
    assert result.amount == D("500.00") * len(paid)
    assert result_to_dict(result)["paid_months"] == paid


@pytest.mark.parametrize(
    ("start", "end", "overlap"),
    [
        pytest.param(
            "2021-07-05", "2021-07-30", False, id="R3.4 a July class between 以工代训 April and October"
        ),
        pytest.param("2021-09-20", "2021-10-02", True, id="R3.4 a class reaching into October"),
        pytest.param("2021-03-20", "2021-04-01", True, id="R3.4 a class reaching into April"),
    ],
)
def test_r3_4_a_class_overlaps_only_the_months_of_the_work_for_training_line(start, end, overlap):
    result = run(w3(start=start, end=end, history=[wft_history("2021-04", "2021-10")]))
    assert (("R3.4", "E") in rules_of(result)) is overlap
    assert result.amount == (D("0.00") if overlap else D("996.67"))


def test_r3_4_months_keep_the_other_training_out_of_the_gap_for_the_worker_too():
    history = [{"kind": "class", "start": "2021-07-05", "end": "2021-07-30"}]
    result = run(work_for_training(months=["2021-04", "2021-07", "2021-10"], history=history))
    assert [m.month for m in result.paid_months] == [4, 10]
    assert ("R3.4", "E") in rules_of(result)


def test_a_blocked_work_for_training_line_pays_no_month():
    result = run(work_for_training(id_number="110101199001011234"))  # wrong check digit: R11.1
    assert result.amount == D("0.00") and result.paid_months == ()


def test_other_kinds_give_no_paid_months():
    assert "paid_months" not in result_to_dict(run(w3()))


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        pytest.param(
            {"kind": "class", "start": "2021-04-01", "end": "2021-04-30", "months": ["2021-04"]},
            "history[0].months",
            id="months on a class entry",
        ),
        pytest.param(
            wft_history("2021-04", start="2021-05-01", end="2021-05-31"),
            "history[0].months",
            id="a month outside the entry's dates",
        ),
        pytest.param(
            {"kind": "work_for_training", "start": "2021-04-01", "end": "2021-04-30", "months": ["2021-4"]},
            "history[0].months[0]",
            id="a month written wrongly",
        ),
    ],
)
def test_history_months_are_checked(entry, field):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(w3(history=[entry]))
    assert error.value.field == field


# What was booked before for the same training -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "paid_before", "amount", "rule"),
    [
        pytest.param(
            apprenticeship(early_end="bankruptcy", actual_months=15),
            "4000.00",
            "1000.00",
            "R5.5",
            id="R5.5 early end after a 4000 advance pays 1000",
        ),
        pytest.param(apprenticeship(), "4000.00", "4000.00", "R5.5", id="R5.5 completion after the advance"),
        pytest.param(w3(), "996.67", "0.00", "R10.2", id="R10.2 a class already booked pays nothing more"),
        pytest.param(w3(), "500.00", "496.67", "R10.2", id="R10.2 only the rest of a partly booked class"),
        pytest.param(
            {
                "kind": "living_allowance",
                "approved_on": "2021-04-01",
                "start": "2021-04-06",
                "end": "2021-04-30",
                "attended": {"offline": 12},
            },
            "100.00",
            "100.00",
            "R8.1",
            id="R8.1 the living allowance less what was booked",
        ),
    ],
)
def test_paid_before_is_deducted_with_its_step(data, paid_before, amount, rule):
    result = run({**data, "paid_before": paid_before})
    assert result.amount == D(amount)
    assert result.steps[-1].rule == rule and result.steps[-1].amount == D(amount)
    assert paid_before in result.steps[-1].arithmetic
    assert not result.findings


def test_r5_5_more_booked_than_the_entitlement_leaves_nothing_and_the_excess_to_recover():
    result = run(apprenticeship(early_end="closure", actual_months=6, paid_before="4000.00"))
    assert result.amount == D("0.00")
    assert rules_of(result) == [("R5.5", "W")]
    assert "差额 2000.00 元须追回" in result.findings[0].message
    assert result.steps[-1].arithmetic == "2000.00 − 4000.00 = -2000.00"


def test_paid_before_is_not_for_work_for_training_which_deducts_months():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(work_for_training(paid_before="500.00"))
    assert error.value.field == "paid_before"


# The apprenticeship's advance and settlement (R5.5) ---------------------------------------------


def test_r5_5_the_advance_is_half_of_the_full_amount_with_the_share_in_words():
    result = run(apprenticeship(advance=True))
    assert result.amount == D("4000.00")
    assert (result.steps[-1].rule, result.steps[-1].arithmetic) == ("R5.5", "8000.00 × 50% = 4000.00")
    assert "50%" in result.steps[-1].text


@pytest.mark.parametrize(
    ("changes", "amount"),
    [
        pytest.param(
            {"advance": True, "paid_before": "5000.00"},
            "0.00",
            id="R5.5 an advance after a 5000 settlement pays nothing",
        ),
        pytest.param(
            {"advance": True, "paid_before": "0.00"},
            "0.00",
            id="R5.5 settled: no advance whatever was booked",
        ),
        pytest.param(
            {"early_end": "bankruptcy", "actual_months": 15}, "0.00", id="R5.5 no second settlement"
        ),
    ],
)
def test_r5_5_nothing_is_paid_once_the_apprenticeship_is_settled(changes, amount):
    result = run(apprenticeship(settled=True, **changes))
    assert result.amount == D(amount)
    assert rules_of(result) == [("R5.5", "E")]  # no deduction step, no recovery to ask for


@pytest.mark.parametrize("planned_months", [24, 36], ids=["R5.5 the same plan", "R5.5 a longer plan"])
def test_r5_5_a_second_advance_is_not_paid_whatever_plan_it_states(planned_months):
    """The advance is once, at opening: a second one for a longer plan would book more than the
    apprenticeship the first was quoted for is worth."""
    result = run(apprenticeship(advance=True, paid_before="4000.00", planned_months=planned_months))
    assert result.amount == D("0.00")
    expected = [("R5.1", "W")] if planned_months > 24 else []
    assert rules_of(result) == [*expected, ("R5.5", "E")]  # no deduction, no recovery asked
    assert "开班预拨只有一次" in next(f.message for f in result.findings if f.rule == "R5.5")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(
            apprenticeship(advance=True, early_end="closure", actual_months=6),
            "advance",
            id="an advance is not an early end",
        ),
        pytest.param(w3(advance=True), "advance", id="advance is for apprenticeships"),
        pytest.param(w3(settled=True), "settled", id="settled is for apprenticeships"),
        pytest.param(w3(relation="employee"), "relation", id="relation is for enterprise trainings"),
        pytest.param(
            w3(daily_amount="100.00"), "daily_amount", id="daily_amount is for the living allowance"
        ),
        pytest.param(w3(groups=["脱贫人口"]), "groups", id="groups are for the living allowance"),
        pytest.param(
            work_for_training(per_year_limit=1), "per_year_limit", id="以工代训 has no per-year limit R3.3"
        ),
        pytest.param(w3(per_year_limit=-1), "per_year_limit", id="a negative limit"),
        pytest.param(w3(groups="脱贫人口"), "groups", id="groups are a list"),
    ],
)
def test_fields_of_one_kind_are_refused_elsewhere(data, field):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data)
    assert error.value.field == field


# R5.3: the notice's list ends with 等 -------------------------------------------------------------


def test_r5_3_an_early_end_for_another_reason_is_paid_as_for_the_named_ones_with_a_w_finding():
    result = run(apprenticeship(early_end="other", early_end_reason="学徒应征入伍", actual_months=15))
    assert result.amount == D("5000.00")
    assert rules_of(result) == [("R5.3", "W")]
    assert "学徒应征入伍" in result.findings[0].message
    assert "因其他原因（学徒应征入伍）" in result.steps[0].text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param(
            {"early_end": "other", "actual_months": 15}, "early_end_reason", id="R5.3 other needs a reason"
        ),
        pytest.param(
            {"early_end": "other", "early_end_reason": "  ", "actual_months": 15},
            "early_end_reason",
            id="R5.3 a blank reason is no reason",
        ),
        pytest.param(
            {"early_end": "closure", "early_end_reason": "x", "actual_months": 15},
            "early_end_reason",
            id="R5.3 a reason only with other",
        ),
    ],
)
def test_r5_3_the_other_reason_is_written_out(changes, field):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(apprenticeship(**changes))
    assert error.value.field == field


# The living allowance as a kind (R8.1) ------------------------------------------------------------


def living(**changes):
    data = {
        "kind": "living_allowance",
        "approved_on": "2021-04-01",
        "start": "2021-04-06",
        "end": "2021-04-30",
        "attended": {"offline": 50},
        "planned_hours": 46,
        "groups": ["脱贫人口", "登记失业人员"],
    }
    data.update(changes)
    return data


def test_r8_1_the_living_allowance_pays_the_offline_days_capped_at_the_planned_hours():
    result = run(living(), settings=DistrictSettings(living_allowance_per_day=D("90.00")))
    assert result.amount == D("690.00")  # 90 × 46 / 6
    assert [step.rule for step in result.steps] == ["R8.1", "R8.1"]
    assert "脱贫人口、登记失业人员" in result.steps[0].text
    assert result.steps[1].arithmetic == "90.00 × 46 ÷ 6 = 690.00"
    assert "以班级课时 46 为限" in result.steps[1].text


def test_r8_1_the_daily_amount_locked_on_the_line_wins_over_the_district_setting():
    assert run(living(daily_amount="100.00", groups=[])).amount == D("766.67")


def test_r8_1_without_a_cap_or_attendance():
    assert run(living(planned_hours=None, attended={"offline": 12})).amount == D("200.00")
    assert run(living(attended=None)).amount == D("0.00")


def test_the_living_allowance_is_not_a_training_r10_does_not_apply():
    history = [
        {
            "kind": "class",
            "start": "2021-04-06",
            "end": "2021-04-30",
            "occupation_code": "4-03-02-01",
            "level": 5,
        }
    ] * 3
    assert not run(living(history=history)).findings


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"approved_on": None}, "approved_on", id="R8.1 needs the approval date"),
        pytest.param(
            {"attended": {"offline": 12, "online": 6}}, "attended.online", id="R8.1 offline days only"
        ),
    ],
)
def test_the_living_allowance_is_checked(changes, field):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(living(**changes))
    assert error.value.field == field


def test_a_living_allowance_with_an_invalid_id_pays_nothing():
    result = run(living(id_number="110101199001011234"))
    assert result.amount == D("0.00") and ("R11.1", "E") in rules_of(result)


# Who the trainee is to the enterprise (R4.2) -------------------------------------------------------


def test_r4_2_the_relation_is_the_first_step_of_an_enterprise_quote():
    result = run(enterprise(relation="dispatched"))
    assert (result.steps[0].rule, result.steps[0].text) == (
        "R4.2",
        "学员与企业的关系：在本企业工作的劳务派遣人员",
    )
    assert result.amount == D("996.67")


def test_r4_2_a_relation_outside_clause_four_pays_nothing():
    result = run(enterprise(relation="neighbour"))
    assert result.amount == D("0.00") and ("R4.2", "E") in rules_of(result)


# The R10.1 limit (dated, the district's value over the notice's) ------------------------------------


@pytest.mark.parametrize(
    ("entered", "on", "limit"),
    [
        pytest.param((), date(2021, 6, 1), 3, id="R10.1 the notice's 3"),
        pytest.param(
            ((date(2021, 3, 1), 1),), date(2021, 6, 1), 1, id="R10.1 a district's 1 dated 2021-03-01"
        ),
        pytest.param(
            ((date(2021, 1, 1), 1),), date(2021, 6, 1), 1, id="R10.1 a district's 1 dated before the notice"
        ),
        pytest.param(((date(2021, 1, 1), 1),), date(2020, 12, 31), 3, id="R10.1 not before its own date"),
        pytest.param(
            ((date(2021, 1, 1), 2), (date(2022, 1, 1), 1)),
            date(2022, 1, 1),
            1,
            id="R10.1 the district's latest value",
        ),
        pytest.param(
            ((date(2022, 1, 1), 1), (date(2021, 1, 1), 2)),
            date(2021, 6, 1),
            2,
            id="R10.1 the district's values in any order",
        ),
    ],
)
def test_r10_1_the_district_value_in_force_replaces_the_notice(entered, on, limit):
    assert per_year_limit_on(on, DistrictSettings(per_year_limit_from=entered)) == limit


def test_r10_1_the_limit_locked_on_the_line_wins_over_the_district_setting():
    history = [{"kind": "class", "start": "2021-01-10", "end": "2021-01-30"}]
    assert ("R10.1", "E") in rules_of(run(w3(history=history, per_year_limit=1)))
    assert not run(w3(history=history)).findings
