"""Draft a scenario (`scenario_create`, which queues its replay) and replay it
(`scenario_replay`, the task's body): every claim line of the year in scope quoted again by the
rules engine on its own inputs with the changes applied (apps.scenarios.engine). Nothing real is
written: the replay keeps its totals and the lines it changes in its own tables. The same
scenario replayed again gives the same result (the lines' inputs are stored; the engine is pure)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import District
from apps.claims.models import ClaimLine, ClaimStatus
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.ledger.models import Allocation
from apps.rules import RULES_VERSION, ScenarioError

from . import engine
from .models import Scenario, ScenarioLine, ScenarioStatus
from .permissions import scenario_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

# The claims replayed: submitted and after (a rejected claim pays nothing; a draft is not filed).
REPLAYED = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PAID)
CHUNK = 2000


def _clean(changes: list[dict[str, str]]) -> list[dict[str, str]]:
    out, problems = [], []
    for n, change in enumerate(changes, start=1):
        field, op, value = change.get("field", ""), change.get("op", ""), str(change.get("value", "")).strip()
        if not field and not value:
            continue
        if field not in engine.FIELDS:
            problems.append(f"第 {n} 项：请选择要改变的参数")
        if op not in engine.OPS:
            problems.append(f"第 {n} 项：请选择改为、增加或增加百分比")
        try:
            number = Decimal(value)
        except InvalidOperation:
            problems.append(f"第 {n} 项：“{value}”不是数值")
            continue
        if not number.is_finite() or abs(number) > 10**7:
            problems.append(f"第 {n} 项：数值超出范围")
            continue
        if op == "set" and number < 0:
            problems.append(f"第 {n} 项：改为的数值不能为负数")
        out.append({"field": field, "op": op, "value": str(number)})
    if problems:
        raise ApplicationError("；".join(problems), field="changes")
    if not out:
        raise ApplicationError("请至少填写一项参数变化", field="changes")
    return out


def scenario_create(
    *, actor: User, name: str, district: District | None, year: int, changes: list[dict[str, str]]
) -> Scenario:
    """Record a draft and queue its replay."""
    scenario_policy.check(actor, "create", district)
    name = name.strip()
    if not name:
        raise ApplicationError("请填写推演名称", field="name")
    if not 2021 <= year <= 2100:
        raise ApplicationError("资金年度须在 2021 年及以后", field="year")
    with transaction.atomic():
        scenario = Scenario.objects.create(
            name=name[:100], district=district, year=year, changes=_clean(changes), created_by=actor
        )
        state_change_record(
            obj=scenario,
            actor=actor,
            from_state="",
            to_state=ScenarioStatus.QUEUED,
            reason="；".join(engine.describe(c) for c in scenario.changes),
            changes={
                "year": year,
                "district": district.code if district else None,
                "changes": scenario.changes,
            },
        )
        transaction.on_commit(lambda: _queue(scenario.pk))
    return scenario


def _queue(scenario_id: int) -> None:
    from .tasks import replay  # the task calls back into this module

    replay.delay(scenario_id)


def _lines(scenario: Scenario) -> Any:
    lines = ClaimLine.objects.filter(claim__year=scenario.year, claim__status__in=REPLAYED)
    if scenario.district_id is not None:
        lines = lines.filter(claim__district_id=scenario.district_id)
    return lines


def _move(scenario: Scenario, to: str, reason: str = "") -> None:
    before = scenario.status
    scenario.status = to
    state_change_record(obj=scenario, actor=None, from_state=before, to_state=to, reason=reason)


def scenario_replay(scenario_id: int) -> Scenario:
    """Replay every line in scope, in chunks, saving the progress after each; totals by claim kind,
    occupation, level and institution, before and after; the budget against each allocation."""
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario_id)
        if scenario.status == ScenarioStatus.FINISHED:
            return scenario
        ScenarioLine.objects.filter(scenario=scenario).delete()
        scenario.lines_total = _lines(scenario).count()
        scenario.lines_done = scenario.lines_changed = 0
        scenario.rules_version = RULES_VERSION
        _move(scenario, ScenarioStatus.RUNNING)
        scenario.save()
    totals: dict[str, dict[str, list[Decimal]]] = {
        key: defaultdict(lambda: [Decimal(0), Decimal(0)])
        for key in ("kind", "occupation", "level", "claimant", "district")
    }
    before_total = after_total = Decimal(0)
    last = unquotable = 0
    try:
        while True:
            chunk = list(
                _lines(scenario)
                .filter(pk__gt=last)
                .select_related("claim__institution", "claim__employer", "claim__district")
                .order_by("pk")[:CHUNK]
            )
            if not chunk:
                break
            changed = []
            for line in chunk:
                before = after = line.amount
                result = None
                if engine.touches(line.inputs, scenario.changes):
                    try:
                        after, result = engine.replay(line.inputs, scenario.changes)
                    except ScenarioError:
                        # Inputs the engine no longer reads (a line filed before they were stored
                        # whole): counted, kept at its amount, never guessed.
                        unquotable += 1
                claim = line.claim
                keys = {
                    "kind": claim.get_kind_display(),
                    "occupation": engine.occupation_of(line.inputs),
                    "level": str(line.inputs.get("level") if line.inputs.get("level") is not None else "—"),
                    "claimant": str(claim.institution or claim.employer),
                    "district": claim.district.name,
                }
                for group, key in keys.items():
                    totals[group][key][0] += before
                    totals[group][key][1] += after
                before_total += before
                after_total += after
                if after != before:
                    changed.append(
                        ScenarioLine(
                            scenario=scenario,
                            line=line,
                            before=before,
                            after=after,
                            steps_before=line.steps,
                            steps_after=engine.steps_of(result),
                        )
                    )
            last = chunk[-1].pk
            with transaction.atomic():
                ScenarioLine.objects.bulk_create(changed)
                Scenario.objects.filter(pk=scenario.pk).update(
                    lines_done=scenario.lines_done + len(chunk),
                    lines_changed=scenario.lines_changed + len(changed),
                )
            scenario.lines_done += len(chunk)
            scenario.lines_changed += len(changed)
    except Exception as exc:
        with transaction.atomic():
            scenario = Scenario.objects.select_for_update().get(pk=scenario_id)
            scenario.error = f"推演失败：{type(exc).__name__}"
            _move(scenario, ScenarioStatus.FAILED, scenario.error)
            scenario.save(update_fields=["status", "error", "updated_at"])
        raise
    budget = []
    allocations = Allocation.objects.filter(year=scenario.year).select_related("district")
    if scenario.district_id is not None:
        allocations = allocations.filter(district_id=scenario.district_id)
    for allocation in allocations.order_by("district__sort_order", "district__code"):
        before, after = totals["district"].get(allocation.district.name, [Decimal(0), Decimal(0)])
        budget.append(
            {
                "district": allocation.district.name,
                "allocation": str(allocation.effective_amount),
                "before": str(before),
                "after": str(after),
                "over": str(max(after - allocation.effective_amount, Decimal(0))),
            }
        )
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario_id)
        scenario.before_total, scenario.after_total = before_total, after_total
        scenario.results = {
            group: sorted(
                ([key, str(b), str(a)] for key, (b, a) in values.items()),
                key=lambda row: (-Decimal(row[2]), row[0]),
            )
            for group, values in totals.items()
        } | {"budget": budget, "unquotable": unquotable}
        scenario.finished_at = timezone.now()
        _move(
            scenario,
            ScenarioStatus.FINISHED,
            f"推演 {scenario.lines_done} 条明细，金额变化 {scenario.lines_changed} 条，"
            f"合计 {before_total} → {after_total} 元",
        )
        scenario.save()
    return scenario
