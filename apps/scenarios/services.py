"""Draft a scenario (`scenario_create`, which queues its replay) and replay it: every claim line of
the year in scope quoted again by the rules engine on its own inputs with the changes applied
(apps.scenarios.engine). Nothing real is written: the replay keeps its totals and the lines it
changes in its own tables. The same scenario replayed again gives the same result (the lines'
inputs are stored; the engine is pure; chunk totals are sums, whatever order they finish in).

The replay is fanned out as the batch audit is: `scenario_plan` (the first task) cuts the lines in
scope by id into chunks of SCENARIO_CHUNK_LINES and sends one task per chunk; `scenario_chunk_run`
replays a chunk in one transaction (a worker that dies leaves nothing half-written, and its message
is delivered again); the last chunk done sums the chunks' totals and finishes the scenario. A broker
that is down fails the scenario at once with the reason; the sweeper (`scenarios_sweep`) sends a
lost plan again, or fails it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from apps.catalog.models import District
from apps.claims.models import ClaimKind, ClaimLine, ClaimStatus
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.core.tasks import (
    QUEUE_UNAVAILABLE,
    QueueUnavailable,
    publish,
    publish_on_commit,
    sweep_jobs,
)
from apps.ledger.models import Allocation
from apps.rules import RULES_VERSION, ScenarioError

from . import engine
from .models import Scenario, ScenarioChunk, ScenarioLine, ScenarioStatus
from .permissions import scenario_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

# The claims replayed: submitted and after (a rejected claim pays nothing; a draft is not filed).
REPLAYED = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PAID)
# Lines read from the database at a time within a chunk.
BATCH = 2000
GROUPS = ("kind", "occupation", "level", "claimant", "district")
STUCK_MESSAGE = "推演任务丢失：重新投递后仍未完成，请重新提交推演"


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
        _queue_on_commit(scenario.pk)
    return scenario


def _queue_on_commit(scenario_id: int) -> None:
    """Once the draft commits, send its plan; a broker that is down fails it at once (it would
    otherwise stay queued) and tells the user that the queue is down."""
    from .tasks import replay  # the task calls back into this module

    publish_on_commit(
        replay,
        scenario_id,
        on_failure=lambda: scenario_fail(scenario_id=scenario_id, error=QUEUE_UNAVAILABLE),
    )


def _lines(scenario: Scenario) -> Any:
    lines = ClaimLine.objects.filter(claim__year=scenario.year, claim__status__in=REPLAYED)
    if scenario.district_id is not None:
        lines = lines.filter(claim__district_id=scenario.district_id)
    return lines


def _move(scenario: Scenario, to: str, reason: str = "") -> None:
    before = scenario.status
    scenario.status = to
    state_change_record(obj=scenario, actor=None, from_state=before, to_state=to, reason=reason)


def ranges(lo: int, hi: int, n: int, per: int) -> list[tuple[int, int]]:
    """The ids lo..hi cut into about n / per ranges of equal width (ids are dense enough: a
    range holds about `per` of the n rows)."""
    if not n:
        return []
    pieces = -(-n // max(per, 1))
    width = -(-(hi - lo + 1) // pieces)
    return [(start, min(hi, start + width - 1)) for start in range(lo, hi + 1, width)]


def scenario_plan(scenario_id: int) -> None:
    """queued → running: count the lines in scope, cut them into chunks and send them once this
    commits. A plan delivered again for a running scenario sends the chunks not done yet (a
    duplicate finds its chunk done); a finished or failed one is left as it is."""
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario_id)
        if scenario.status == ScenarioStatus.RUNNING:
            _send_chunks(
                scenario, list(scenario.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
            )
            return
        if scenario.status != ScenarioStatus.QUEUED:
            return
        bounds = _lines(scenario).aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
        ScenarioChunk.objects.bulk_create(
            ScenarioChunk(scenario=scenario, lo=lo, hi=hi)
            for lo, hi in ranges(
                bounds["lo"] or 0, bounds["hi"] or 0, bounds["n"], settings.SCENARIO_CHUNK_LINES
            )
        )
        scenario.lines_total = bounds["n"]
        scenario.lines_done = scenario.lines_changed = 0
        scenario.rules_version = RULES_VERSION
        scenario.started_at = timezone.now()
        _move(scenario, ScenarioStatus.RUNNING, f"推演 {bounds['n']} 条明细，分 {scenario.chunks.count()} 段")
        scenario.save()
        chunk_ids = list(scenario.chunks.order_by("pk").values_list("pk", flat=True))
        if chunk_ids:
            _send_chunks(scenario, chunk_ids)
        else:
            _finish(scenario)


def _send_chunks(scenario: Scenario, chunk_ids: list[int]) -> None:
    """Once this commits, send the chunks; a broker that is down fails the scenario."""
    from .tasks import replay_chunk

    scenario_id = scenario.pk

    def send_or_fail() -> None:
        try:
            for chunk_id in chunk_ids:
                publish(replay_chunk, chunk_id)
        except QueueUnavailable:
            scenario_fail(scenario_id=scenario_id, error=QUEUE_UNAVAILABLE)
            raise

    transaction.on_commit(send_or_fail)


def _replay_lines(scenario: Scenario, lo: int, hi: int) -> dict[str, Any]:
    """Replay the lines in scope with ids lo..hi, writing the lines whose amount changes; returns
    the chunk's counts and totals. Reads in batches of BATCH, the fields it needs only (no model
    instances), the explanations of the changed lines only."""
    kinds = {value: str(label) for value, label in ClaimKind.choices}
    totals: dict[str, dict[str, list[Decimal]]] = {
        group: defaultdict(lambda: [Decimal(0), Decimal(0)]) for group in GROUPS
    }
    out: dict[str, Any] = {
        "lines": 0,
        "changed": 0,
        "unquotable": 0,
        "before": Decimal(0),
        "after": Decimal(0),
    }
    last = lo - 1
    fields = (
        "pk",
        "amount",
        "inputs",
        "claim__kind",
        "claim__institution__name",
        "claim__employer__name",
        "claim__district__name",
    )
    while True:
        batch = list(
            _lines(scenario).filter(pk__gt=last, pk__lte=hi).order_by("pk").values_list(*fields)[:BATCH]
        )
        if not batch:
            break
        changed: dict[int, tuple[Decimal, Decimal, Any]] = {}
        for pk, amount, inputs, kind, institution, employer, district in batch:
            after = amount
            if engine.touches(inputs, scenario.changes):
                try:
                    after, result = engine.replay(inputs, scenario.changes)
                except ScenarioError:
                    # Inputs the engine no longer reads (a line filed before they were stored
                    # whole): counted, kept at its amount, never guessed.
                    out["unquotable"] += 1
                else:
                    if after != amount:
                        changed[pk] = (amount, after, result)
            level = inputs.get("level")
            keys = (
                kinds.get(kind, kind),
                engine.occupation_of(inputs),
                "—" if level is None else str(level),
                institution or employer or "—",
                district,
            )
            for group, key in zip(GROUPS, keys, strict=True):
                row = totals[group][key]
                row[0] += amount
                row[1] += after
            out["before"] += amount
            out["after"] += after
        if changed:
            steps = dict(ClaimLine.objects.filter(pk__in=changed).values_list("pk", "steps"))
            ScenarioLine.objects.bulk_create(
                ScenarioLine(
                    scenario=scenario,
                    line_id=pk,
                    before=before,
                    after=after,
                    steps_before=steps[pk],
                    steps_after=engine.steps_of(result),
                )
                for pk, (before, after, result) in changed.items()
            )
        out["lines"] += len(batch)
        out["changed"] += len(changed)
        last = batch[-1][0]
    out["totals"] = {
        group: {key: [str(b), str(a)] for key, (b, a) in values.items()} for group, values in totals.items()
    }
    return out


def scenario_chunk_run(chunk_id: int) -> None:
    """Replay one chunk and mark it done, in one transaction under the chunk's row lock (a chunk
    done is left; the lines of a chunk rolled back are written afresh); then finish the scenario
    if that was its last chunk."""
    with transaction.atomic():
        chunk = (
            ScenarioChunk.objects.select_for_update(of=("self",)).select_related("scenario").get(pk=chunk_id)
        )
        scenario = chunk.scenario
        if chunk.done_at is not None or scenario.status != ScenarioStatus.RUNNING:
            return
        done = _replay_lines(scenario, chunk.lo, chunk.hi)
        chunk.lines, chunk.changed, chunk.unquotable = done["lines"], done["changed"], done["unquotable"]
        chunk.before_total, chunk.after_total, chunk.totals = done["before"], done["after"], done["totals"]
        chunk.done_at = timezone.now()
        chunk.save()
        Scenario.objects.filter(pk=scenario.pk).update(
            lines_done=F("lines_done") + chunk.lines, lines_changed=F("lines_changed") + chunk.changed
        )
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if (
            scenario.status == ScenarioStatus.RUNNING
            and not scenario.chunks.filter(done_at__isnull=True).exists()
        ):
            _finish(scenario)


def _finish(scenario: Scenario) -> None:
    """Sum the chunks' totals; the budget against each allocation of the year in scope."""
    totals: dict[str, dict[str, list[Decimal]]] = {
        group: defaultdict(lambda: [Decimal(0), Decimal(0)]) for group in GROUPS
    }
    before_total = after_total = Decimal(0)
    unquotable = 0
    for chunk in scenario.chunks.order_by("lo"):
        before_total += chunk.before_total
        after_total += chunk.after_total
        unquotable += chunk.unquotable
        for group, values in chunk.totals.items():
            for key, (b, a) in values.items():
                totals[group][key][0] += Decimal(b)
                totals[group][key][1] += Decimal(a)
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
    scenario.before_total, scenario.after_total = before_total, after_total
    scenario.results = {
        group: sorted(
            ([key, str(b), str(a)] for key, (b, a) in totals[group].items()),
            key=lambda row: (-Decimal(row[2]), row[0]),
        )
        for group in GROUPS
    } | {"budget": budget, "unquotable": unquotable}
    scenario.finished_at = timezone.now()
    _move(
        scenario,
        ScenarioStatus.FINISHED,
        f"推演 {scenario.lines_done} 条明细，金额变化 {scenario.lines_changed} 条，"
        f"合计 {before_total} → {after_total} 元",
    )
    scenario.save()


def scenario_fail(*, scenario_id: int, error: str) -> None:
    """queued | running → failed, with what the user is told; the lines written so far go (a
    failed scenario shows no partial result). One already ended is left as it is."""
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().filter(pk=scenario_id).first()
        if scenario is None or scenario.status not in (ScenarioStatus.QUEUED, ScenarioStatus.RUNNING):
            return
        ScenarioLine.objects.filter(scenario=scenario).delete()
        scenario.error = error[:500]
        scenario.finished_at = timezone.now()
        _move(scenario, ScenarioStatus.FAILED, scenario.error)
        scenario.save(update_fields=["status", "error", "finished_at", "updated_at"])


def scenario_chunk_fail(*, chunk_id: int, error: str) -> None:
    """A chunk's task gave up: its scenario fails."""
    scenario_id = ScenarioChunk.objects.filter(pk=chunk_id).values_list("scenario_id", flat=True).first()
    if scenario_id is not None:
        scenario_fail(scenario_id=scenario_id, error=error)


def scenarios_sweep(*, now: Any = None) -> dict[str, list[int]]:
    """The sweeper (beat, every TASK_SWEEP_MINUTES; apps.core.tasks.sweep_jobs): a scenario whose
    plan was lost (queued) or whose chunks stopped (running past a task's hard limit) has its
    plan sent again once, which sends the chunks not done; still not finished
    TASK_STUCK_FAIL_AFTER after that, it fails and its author is told to submit it again."""
    from .tasks import replay

    return sweep_jobs(
        Scenario,
        replay,
        fail=lambda scenario_id, error: scenario_fail(scenario_id=scenario_id, error=error),
        stuck_message=STUCK_MESSAGE,
        now=now or timezone.now(),
    )
