"""Policy what-if (issue 19, part 1): a scenario's changes replayed over a year's claim lines with
the rules engine, in a Celery task, never writing real data; totals before and after (by kind,
occupation, level, claimant, district), the lines that change with both explanations, the budget
against the allocation, an Excel export; the same scenario gives the same figures again."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from apps.claims.models import ClaimLine
from apps.core.errors import ApplicationError
from apps.rules import parse_scenario, quote
from apps.scenarios import engine, services
from apps.scenarios.models import Scenario, ScenarioLine
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db
PLUS_100 = [{"field": "rate", "op": "add", "value": "10"}]


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def draft(actor, changes, district_code="500103", capture=None):
    with capture(execute=True):
        scenario = services.scenario_create(
            actor=actor,
            name="补贴标准提高 100 元",
            district=district(district_code),
            year=2026,
            changes=changes,
        )
    return Scenario.objects.get(pk=scenario.pk)


def test_the_replay_equals_the_sum_of_the_lines_quoted_again(
    reviewed, officer, allocation, django_capture_on_commit_callbacks
):
    amounts = {line.pk: line.amount for line in ClaimLine.objects.all()}
    scenario = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    assert scenario.status == "finished" and scenario.lines_total == scenario.lines_done == len(amounts)
    again = {
        line.pk: quote(parse_scenario(engine.apply(line.inputs, PLUS_100))).amount
        for line in ClaimLine.objects.all()
    }
    assert scenario.before_total == sum(amounts.values())
    assert scenario.after_total == sum(again.values())
    changed = {row.line_id: (row.before, row.after) for row in ScenarioLine.objects.filter(scenario=scenario)}
    assert changed == {pk: (amounts[pk], again[pk]) for pk in amounts if again[pk] != amounts[pk]}
    assert scenario.lines_changed == len(changed) >= 1
    # Nothing real changed.
    assert {line.pk: line.amount for line in ClaimLine.objects.all()} == amounts
    # Grouped, and against the allocation.
    occupations = [row[0] for row in scenario.results["occupation"]]
    assert occupations == [reviewed.training_class.occupation.code]  # grouped by the code
    (kind,) = scenario.results["kind"]
    assert kind[0] == "培训机构结业补贴" and Decimal(kind[2]) == scenario.after_total
    (budget,) = scenario.results["budget"]
    assert budget["district"] == "渝中区" and Decimal(budget["allocation"]) == allocation.effective_amount
    # And against each share of the allocation (R8.2): class lines are paid from the training share.
    shares = {row["share"]: row for row in budget["shares"]}
    assert list(shares) == ["培训补贴", "以工代训", "生活费补贴"]
    assert sum(Decimal(row["allocation"]) for row in shares.values()) == allocation.effective_amount
    assert Decimal(shares["培训补贴"]["after"]) == scenario.after_total
    assert Decimal(shares["生活费补贴"]["after"]) == 0
    # The same scenario gives the same figures again.
    twin = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    assert (twin.before_total, twin.after_total, twin.results) == (
        scenario.before_total,
        scenario.after_total,
        scenario.results,
    )


def _form() -> dict:
    """The draft form as the officer fills it: 渝中区, 2026, 日补贴标准 +10."""
    return {
        "name": "标准 +100",
        "district": district("500103").pk,
        "year": "2026",
        "field_1": "rate",
        "op_1": "add",
        "value_1": "10",
    }


def test_a_change_no_line_holds_changes_nothing(reviewed, officer, django_capture_on_commit_callbacks):
    scenario = draft(
        officer,
        [{"field": "daily_amount", "op": "add", "value": "20"}],
        capture=django_capture_on_commit_callbacks,
    )
    assert scenario.lines_changed == 0 and scenario.after_total == scenario.before_total
    # Lines no change reaches are summed by the database, not read one by one: the same totals,
    # group by group, as when every line is read and quoted.
    quoted = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    assert scenario.lines_done == quoted.lines_done == ClaimLine.objects.count()
    assert scenario.before_total == quoted.before_total
    for group in ("kind", "occupation", "level", "claimant", "district"):
        assert sorted((key, before) for key, before, _ in scenario.results[group]) == sorted(
            (key, before) for key, before, _ in quoted.results[group]
        ), group


def test_the_draft_is_checked(officer, admin_user):
    with pytest.raises(ApplicationError, match="请至少填写一项参数变化"):
        services.scenario_create(actor=officer, name="x", district=district("500103"), year=2026, changes=[])
    with pytest.raises(ApplicationError, match="不是数值"):
        services.scenario_create(
            actor=officer,
            name="x",
            district=district("500103"),
            year=2026,
            changes=[{"field": "rate", "op": "add", "value": "abc"}],
        )
    with pytest.raises(Exception, match="只能推演本区县"):
        services.scenario_create(
            actor=officer, name="x", district=district("500101"), year=2026, changes=PLUS_100
        )
    with pytest.raises(Exception, match="只能推演本区县"):
        services.scenario_create(actor=officer, name="x", district=None, year=2026, changes=PLUS_100)


def test_only_lines_a_change_touches_are_quoted_again():
    assert engine.touches({"rate": "150.00"}, [{"field": "rate", "op": "add", "value": "1"}])
    assert not engine.touches({"months": ["2021-04"]}, [{"field": "rate", "op": "add", "value": "1"}])
    assert engine.occupation_of({"occupation": {"code": "6-18-01-01"}}) == "6-18-01-01"
    assert engine.occupation_of({}) == "—"


def test_percent_and_set_round_half_up():
    inputs = {"standard": "1500.00", "rate": "33.33"}
    assert engine.apply(inputs, [{"field": "rate", "op": "percent", "value": "10"}])["rate"] == "36.66"
    assert engine.apply(inputs, [{"field": "standard", "op": "set", "value": "2000"}])["standard"] == "2000"
    assert engine.apply(inputs, [{"field": "daily_amount", "op": "add", "value": "20"}]) == inputs


def test_the_pages_and_who_sees_them(
    reviewed, officer, admin_user, operator, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scenarios:list"), _form())
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "scenarios:detail", args=[scenario.pk]
    )
    scenario.refresh_from_db()
    assert scenario.status == "finished", (scenario.status, scenario.error)
    html = client.get(reverse("scenarios:detail", args=[scenario.pk])).content.decode()
    assert "支出变化" in html, re.sub(r"\s+", " ", html)[-3000:]
    assert "金额变化的明细" in html
    assert "职业培训日补贴标准（元/人·天） 增加 10" in html, re.findall(r"参数变化</dt><dd>[^<]*", html)
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("scenarios:export", args=[scenario.pk])).content)
    )
    assert (
        book.sheetnames == ["汇总", "金额变化的明细"]
        and book["金额变化的明细"].max_row == scenario.lines_changed + 1
    )
    other = UserFactory(officer=True, district=district("500101"))
    for user, listing, page, form in (
        (admin_user, 200, 200, True),
        (UserFactory(auditor=True), 200, 200, False),
        (other, 200, 404, True),
        (operator, 403, 404, False),
    ):
        client.force_login(user)
        response = client.get(reverse("scenarios:list"))
        assert response.status_code == listing
        if listing == 200:
            assert ('name="field_1"' in response.content.decode()) == form
        assert client.get(reverse("scenarios:detail", args=[scenario.pk])).status_code == page
    assert Client().get(reverse("scenarios:list")).status_code == 302


def test_living_allowance_20_yuan_a_day_higher(
    completed_class, operator, officer, django_capture_on_commit_callbacks
):
    """The issue's example: L + 20 元/天 over a class's living allowance claim (L = 100): 张全勤
    54 offline hours → 120 × 54 ÷ 6 = 1,080 (was 900), 李部分 45 → 900 (was 750)."""
    from apps.claims.models import ClaimStatus
    from apps.claims.services.class_claims import claim_create_living_allowance
    from apps.claims.services.lifecycle import claim_transition
    from apps.trainees.models import PersonGroup

    PersonGroup.objects.create(person=completed_class.trainees["full"], group="poverty_alleviated")
    PersonGroup.objects.create(person=completed_class.trainees["partial"], group="registered_unemployed")
    claim = claim_create_living_allowance(actor=operator, training_class=completed_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    scenario = draft(
        officer,
        [{"field": "daily_amount", "op": "add", "value": "20"}],
        capture=django_capture_on_commit_callbacks,
    )
    assert (scenario.before_total, scenario.after_total) == (Decimal("1650.00"), Decimal("1980.00"))
    rows = {r.line.person.name: (r.before, r.after) for r in ScenarioLine.objects.filter(scenario=scenario)}
    assert rows == {
        "张全勤": (Decimal("900.00"), Decimal("1080.00")),
        "李部分": (Decimal("750.00"), Decimal("900.00")),
    }
    # Both explanations, quoted again from the line's inputs when shown.
    from apps.scenarios.selectors import explain_rows

    row = ScenarioLine.objects.select_related("line").get(scenario=scenario, line__person__name="张全勤")
    explain_rows(scenario, [row])
    assert row.steps_before[-1]["arithmetic"] == "100.00 × 54 ÷ 6 = 900.00"
    assert row.steps_after[-1]["arithmetic"] == "120.00 × 54 ÷ 6 = 1080.00"
    assert not row.stale


# Fanned out over workers, honest when the queue is down -------------------------------------------


def test_chunks_give_the_same_figures_as_one(reviewed, officer, settings, django_capture_on_commit_callbacks):
    """Cut into one chunk per line, the replay sums to what one chunk gives, line for line."""
    whole = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    settings.SCENARIO_CHUNK_LINES = 1
    cut = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    assert cut.chunks.count() == cut.lines_total == ClaimLine.objects.count() >= 2
    assert whole.chunks.count() == 1
    assert (cut.status, cut.lines_done, cut.lines_changed) == (
        "finished",
        whole.lines_done,
        whole.lines_changed,
    )
    assert (cut.before_total, cut.after_total, cut.results) == (
        whole.before_total,
        whole.after_total,
        whole.results,
    )
    assert sorted(cut.lines.values_list("line_id", "before", "after")) == sorted(
        whole.lines.values_list("line_id", "before", "after")
    )


def test_a_chunk_delivered_again_is_left_done(reviewed, officer, django_capture_on_commit_callbacks):
    scenario = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    (chunk,) = scenario.chunks.all()
    services.scenario_chunk_run(chunk.pk)
    services.scenario_plan(scenario.pk)
    again = Scenario.objects.get(pk=scenario.pk)
    assert (again.lines_done, again.lines_changed, again.after_total) == (
        scenario.lines_done,
        scenario.lines_changed,
        scenario.after_total,
    )
    assert again.lines.count() == scenario.lines_changed


def _down(*args):
    import kombu.exceptions

    raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_queue_down_fails_the_draft_at_once_and_says_so(reviewed, officer, monkeypatch):
    """Issue 17's honest failure: nothing stays queued; the page says the queue is down."""
    from apps.scenarios import tasks

    monkeypatch.setattr(tasks.replay, "delay", _down)
    client = Client()
    client.force_login(officer)
    # The send follows the draft's commit, inside the request.
    response = client.post(reverse("scenarios:list"), _form())
    assert response.status_code == 200 and "任务队列暂不可用，请稍后再试" in response.content.decode()
    scenario = Scenario.objects.get()
    assert (scenario.status, scenario.error) == ("failed", "任务队列暂不可用，请稍后再试")


def test_the_queue_down_when_the_chunks_are_sent_fails_the_scenario(
    reviewed, officer, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.scenarios import tasks

    monkeypatch.setattr(tasks.replay_chunk, "delay", _down)
    with pytest.raises(ApplicationError, match="任务队列暂不可用"):
        draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    scenario = Scenario.objects.get()
    assert (scenario.status, scenario.lines.count()) == ("failed", 0)


def test_the_sweeper_sends_a_lost_replay_again_once_then_fails_it(
    reviewed, officer, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    settings.TASK_QUEUED_RESEND_AFTER = timedelta(minutes=10)
    settings.TASK_STUCK_FAIL_AFTER = timedelta(minutes=60)
    with django_capture_on_commit_callbacks(execute=False):
        lost = services.scenario_create(
            actor=officer, name="丢失", district=district("500103"), year=2026, changes=PLUS_100
        )
    now = timezone.now()
    assert services.scenarios_sweep(now=now) == {"resent": [], "failed": []}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.scenarios_sweep(now=now + timedelta(minutes=11)) == {
            "resent": [lost.pk],
            "failed": [],
        }
    lost.refresh_from_db()
    assert lost.status == "finished" and lost.resent_at is not None
    # One that stays lost after its resend fails with words its author can act on.
    with django_capture_on_commit_callbacks(execute=False):
        stuck = services.scenario_create(
            actor=officer, name="仍丢失", district=district("500103"), year=2026, changes=PLUS_100
        )
        services.scenarios_sweep(now=now + timedelta(minutes=11))
    swept = services.scenarios_sweep(now=now + timedelta(minutes=72))
    assert swept == {"resent": [], "failed": [stuck.pk]}
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == ("failed", services.STUCK_MESSAGE)


# Narrowed and dated changes ------------------------------------------------------------------------


def test_a_change_narrowed_as_a_rate_row_reaches_only_its_lines():
    line = {"rate": "150.00", "occupation": {"code": "6-18-01-01"}, "level": 4, "approved_on": "2026-03-01"}
    plus = {"field": "rate", "op": "add", "value": "10"}
    assert engine.applies(line, plus | {"occupation": "6-18-01-01", "level": "4", "from": "2026-03-01"})
    assert not engine.applies(line, plus | {"occupation": "4-01-02-01"})
    assert not engine.applies(line, plus | {"level": "3"})
    assert not engine.applies(line, plus | {"from": "2026-03-02"})
    assert engine.applies(
        {k: v for k, v in line.items() if k != "approved_on"} | {"start": "2026-04-01"},
        plus | {"from": "2026-03-02"},
    )
    assert engine.apply(line, [plus | {"level": "3"}]) == line
    assert engine.describe(plus | {"occupation": "6-18-01-01", "level": "4", "from": "2026-03-01"}) == (
        "职业培训日补贴标准（元/人·天） 增加 10（仅职业（工种）6-18-01-01、四级、2026-03-01 起审批或开班的）"
    )


def test_narrowing_is_checked_row_by_row_in_one_pass(officer):
    with pytest.raises(ApplicationError) as caught:
        services.scenario_create(
            actor=officer,
            name="x",
            district=district("500103"),
            year=2026,
            changes=[
                {"field": "daily_amount", "op": "add", "value": "20", "level": "3"},
                {"field": "rate", "op": "add", "value": "10", "occupation": "9-99-99-99"},
                {"field": "standard", "op": "add", "value": "10", "level": "7", "from": "2026-02-30"},
            ],
        )
    message = caught.value.message
    assert "第 1 项：只有补贴标准 S 和日补贴标准可按职业（工种）、等级限定" in message
    assert "第 2 项：职业（工种）编码“9-99-99-99”不在职业目录中" in message
    assert "第 3 项：等级须为 1 至 5 级" in message and "第 3 项：“2026-02-30”不是日期" in message


def test_a_narrowed_replay_changes_only_the_lines_it_reaches(
    reviewed, officer, django_capture_on_commit_callbacks
):
    occupation = reviewed.training_class.occupation.code
    level = str(reviewed.training_class.level)
    whole = draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    same = draft(
        officer,
        [PLUS_100[0] | {"occupation": occupation, "level": level}],
        capture=django_capture_on_commit_callbacks,
    )
    other_level = "1" if level != "1" else "2"
    none = draft(officer, [PLUS_100[0] | {"level": other_level}], capture=django_capture_on_commit_callbacks)
    later = draft(officer, [PLUS_100[0] | {"from": "2026-12-31"}], capture=django_capture_on_commit_callbacks)
    assert same.after_total == whole.after_total and same.lines_changed == whole.lines_changed >= 1
    assert none.lines_changed == later.lines_changed == 0 and none.after_total == none.before_total


def test_counts_change_by_whole_numbers():
    inputs = {"max_months": 6, "per_year_limit": 3}
    assert engine.apply(inputs, [{"field": "max_months", "op": "percent", "value": "10"}])["max_months"] == 7
    assert (
        engine.apply(inputs, [{"field": "per_year_limit", "op": "add", "value": "-1"}])["per_year_limit"] == 2
    )


def test_a_count_is_changed_by_a_whole_number(officer):
    with pytest.raises(ApplicationError, match="第 1 项：以工代训最长补贴月数 M_wft须为整数"):
        services.scenario_create(
            actor=officer,
            name="x",
            district=district("500103"),
            year=2026,
            changes=[{"field": "max_months", "op": "add", "value": "1.5"}],
        )


def test_a_chunk_that_breaks_fails_its_scenario_with_nothing_half_written(
    reviewed, officer, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine.Replayer, "after", broken)
    with pytest.raises(RuntimeError):
        draft(officer, PLUS_100, capture=django_capture_on_commit_callbacks)
    scenario = Scenario.objects.get()
    assert (scenario.status, scenario.error) == ("failed", "推演失败：RuntimeError")
    assert scenario.lines.count() == 0 and scenario.chunks.filter(done_at__isnull=False).count() == 0
