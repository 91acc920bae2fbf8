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
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F, Func, Max, Min, Q, Sum, TextField
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.catalog.engine import settings_table
from apps.catalog.models import District, Occupation, RateRow, SettingKey
from apps.catalog.permissions import may_edit_district
from apps.catalog.selectors import in_force_on
from apps.catalog.services import district_setting_set, rate_row_save
from apps.claims.models import Claim, ClaimKind, ClaimLine, ClaimStatus, Share
from apps.core.bulk import insert_rows
from apps.core.errors import ApplicationError
from apps.core.permissions import is_active_user
from apps.core.services import state_change_record
from apps.core.tasks import (
    QUEUE_UNAVAILABLE,
    id_ranges,
    publish_each_on_commit,
    publish_on_commit,
    sweep_jobs,
)
from apps.ledger.models import Allocation
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules import RULES_VERSION, ScenarioError

from . import engine
from .models import AdoptionStatus, Scenario, ScenarioAdoption, ScenarioChunk, ScenarioLine, ScenarioStatus
from .permissions import scenario_policy

# The claims replayed: submitted and after (a rejected claim pays nothing; a draft is not filed).
REPLAYED = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PAID)
# Lines read from the database at a time within a chunk.
BATCH = 2000
GROUPS = ("kind", "occupation", "level", "claimant", "district", "share")
STUCK_MESSAGE = "推演任务丢失：重新投递后仍未完成，请重新提交推演"


def _clean(changes: list[dict[str, str]]) -> list[dict[str, str]]:
    """The changes as stored, every problem named by its row in one pass."""
    out, problems = [], []
    for n, change in enumerate(changes, start=1):
        field, op, value = change.get("field", ""), change.get("op", ""), str(change.get("value", "")).strip()
        occupation = str(change.get("occupation") or "").strip()
        level, start = str(change.get("level") or ""), str(change.get("from") or "").strip()
        if not field and not value:
            continue
        if field not in engine.FIELDS:
            problems.append(f"第 {n} 项：请选择要改变的参数")
        if op not in engine.OPS:
            problems.append(f"第 {n} 项：请选择改为、增加或增加百分比")
        if (occupation or level) and field in engine.FIELDS and field not in engine.RATE_ROW_FIELDS:
            problems.append(f"第 {n} 项：只有补贴标准 S 和日补贴标准可按职业（工种）、等级限定")
        if occupation and not Occupation.objects.filter(code=occupation).exists():
            problems.append(f"第 {n} 项：职业（工种）编码“{occupation}”不在职业目录中")
        if level and level not in engine.LEVELS:
            problems.append(f"第 {n} 项：等级须为 1 至 5 级")
        if start:
            try:
                start = date.fromisoformat(start).isoformat()
            except ValueError:
                problems.append(f"第 {n} 项：“{start}”不是日期（YYYY-MM-DD）")
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
        if field in engine.INTEGER_FIELDS and op != "percent" and number != number.to_integral_value():
            problems.append(f"第 {n} 项：{engine.FIELDS[field]}须为整数")
        narrowed = {"occupation": occupation, "level": level, "from": start}
        out.append(
            {"field": field, "op": op, "value": str(number)} | {k: v for k, v in narrowed.items() if v}
        )
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
            for lo, hi in id_ranges(bounds["lo"], bounds["hi"], bounds["n"], settings.SCENARIO_CHUNK_LINES)
        )
        scenario.lines_total = bounds["n"]
        scenario.lines_done = scenario.lines_changed = 0
        scenario.rules_version = RULES_VERSION
        scenario.started_at = timezone.now()
        chunk_ids = list(scenario.chunks.order_by("pk").values_list("pk", flat=True))
        _move(scenario, ScenarioStatus.RUNNING, f"推演 {bounds['n']} 条明细，分 {len(chunk_ids)} 段")
        scenario.save()
        if chunk_ids:
            _send_chunks(scenario, chunk_ids)
        else:
            _finish(scenario)


def _send_chunks(scenario: Scenario, chunk_ids: list[int]) -> None:
    """Once this commits, send the chunks; a broker that is down fails the scenario."""
    from .tasks import replay_chunk

    scenario_id = scenario.pk
    publish_each_on_commit(
        replay_chunk,
        ((chunk_id,) for chunk_id in chunk_ids),
        on_failure=lambda: scenario_fail(scenario_id=scenario_id, error=QUEUE_UNAVAILABLE),
    )


def _totals() -> dict[str, dict[str, list[Decimal]]]:
    """Before and after, per key, for each group (a chunk's, then the scenario's)."""
    return {group: defaultdict(lambda: [Decimal(0), Decimal(0)]) for group in GROUPS}


class _Shared(Func):
    """A line's inputs without the trainee's own fields (engine.OWN_FIELDS), as JSON text: the
    trainees of a class share it, so the replay reads it once (engine.Replayer)."""

    # Fixed names, written into the SQL.
    template = "json_remove(%(expressions)s, {})".format(
        ", ".join(f"'$.{name}'" for name in engine.OWN_FIELDS)
    )
    postgresql = "((%(expressions)s){})::text".format("".join(f" - '{name}'" for name in engine.OWN_FIELDS))
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=self.postgresql, **extra)


class _Own(Func):
    """One of the trainee's own fields of a line's inputs as JSON text; NULL where it is absent."""

    output_field = TextField()

    def __init__(self, expression: str, *, name: str) -> None:
        assert name in engine.OWN_FIELDS  # a fixed name, written into the SQL
        super().__init__(expression)
        self.name = name

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=f"(%(expressions)s) -> '$.{self.name}'", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template=f"((%(expressions)s) -> '{self.name}')::text", **extra
        )


def _touched(scenario: Scenario) -> Q:
    """The lines holding a field a change is on: the only ones that may be quoted again."""
    q = Q(pk__in=[])
    for field in sorted({change["field"] for change in scenario.changes}):
        q |= Q(inputs__has_key=field)
    return q


def _replay_lines(scenario: Scenario, lo: int, hi: int) -> dict[str, Any]:
    """Replay the lines in scope with ids lo..hi, writing the lines whose amount changes; returns
    the chunk's counts and totals. The lines holding a changed field are read in batches of
    BATCH, the fields needed only (no model instances), their inputs as the text the trainees of
    a class share and each one's own fields, and quoted where a change reaches them (the shared
    inputs read once, engine.Replayer); the others, whose amount cannot change, are only summed,
    by the database, per claim, occupation and level. A claim's kind, claimant and district are
    read once per claim. The lines that change are kept with their amounts before and after,
    their explanations quoted again when shown."""
    kinds = {value: str(label) for value, label in ClaimKind.choices}
    totals = _totals()
    out: dict[str, Any] = {
        "lines": 0,
        "changed": 0,
        "unquotable": 0,
        "before": Decimal(0),
        "after": Decimal(0),
    }
    claims: dict[int, tuple[str, str, str]] = {}

    # Before and after per claim, occupation, level and share of the special account (R8.2) the
    # lines are paid from: a claim's lines mostly share them, so a line is one sum here, spread to
    # the totals' groups once at the end.
    sums: dict[tuple[int, str, Any, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])

    def count(
        claim_id: int, occupation: str, level: Any, share: str, before: Decimal, after: Decimal
    ) -> None:
        row = sums[claim_id, occupation, level, share]
        row[0] += before
        row[1] += after

    in_chunk = _lines(scenario).filter(pk__gte=lo, pk__lte=hi)
    touched = _touched(scenario)
    replayer = engine.Replayer(scenario.changes)
    changed: list[tuple[int, int, Decimal, Decimal]] = []
    last = lo - 1
    while True:
        batch = list(
            in_chunk.filter(touched, pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk",
                "amount",
                "claim_id",
                "share",
                _Shared("inputs"),
                *(_Own("inputs", name=name) for name in engine.OWN_FIELDS),
            )[:BATCH]
        )
        if not batch:
            break
        _claims_into(claims, {row[2] for row in batch}, kinds)
        for pk, amount, claim_id, share, text, id_number, history in batch:
            shared, after = replayer.shared(text), amount
            if shared.touched:
                try:
                    after = replayer.after(shared, id_number, history)
                except ScenarioError:
                    # Inputs the engine no longer reads (a line filed before they were stored
                    # whole): counted, kept at its amount, never guessed.
                    out["unquotable"] += 1
                else:
                    if after != amount:
                        changed.append((scenario.pk, pk, amount, after))
            count(claim_id, shared.occupation, shared.level, share, amount, after)
        out["lines"] += len(batch)
        last = batch[-1][0]
    # Plain rows, not model instances, in one write (COPY on PostgreSQL): a city-wide replay
    # writes hundreds of thousands.
    insert_rows(ScenarioLine, ("scenario", "line", "before", "after"), changed)
    out["changed"] = len(changed)
    untouched = list(
        in_chunk.exclude(touched)
        .values_list("claim_id", KT("inputs__occupation__code"), KT("inputs__level"), "share")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    _claims_into(claims, {row[0] for row in untouched}, kinds)
    for claim_id, occupation, level, share, summed, n in untouched:
        amount = Decimal(summed).quantize(CENT)  # SQLite's sum drops the cents' zeros
        count(claim_id, occupation or "—", level, share, amount, amount)
        out["lines"] += n
    for (claim_id, occupation, level, share), (before, after) in sums.items():
        kind, claimant, district = claims[claim_id]
        keys = (
            kind,
            occupation,
            "—" if level is None else str(level),
            claimant,
            district,
            f"{district}\t{share}",
        )
        for group, key in zip(GROUPS, keys, strict=True):
            row = totals[group][key]
            row[0] += before
            row[1] += after
        out["before"] += before
        out["after"] += after
    out["totals"] = {
        group: {key: [str(b), str(a)] for key, (b, a) in values.items()} for group, values in totals.items()
    }
    return out


def _claims_into(known: dict[int, tuple[str, str, str]], ids: set[int], kinds: dict[str, str]) -> None:
    """The kind, claimant and district of the claims not yet known (a claim has many lines)."""
    wanted = ids - known.keys()
    if not wanted:
        return
    rows = Claim.objects.filter(pk__in=wanted).values_list(
        "pk", "kind", "institution__name", "employer__name", "district__name"
    )
    for pk, kind, institution, employer, district in rows:
        known[pk] = (kinds.get(kind, kind), institution or employer or "—", district)


def scenario_chunk_run(chunk_id: int) -> None:
    """Replay one chunk and mark it done, in one transaction under the chunk's row lock (a chunk
    done is left; the lines of a chunk rolled back are written afresh); then finish the scenario
    if that was its last chunk."""
    try:
        with transaction.atomic():
            chunk = (
                ScenarioChunk.objects.select_for_update(of=("self",))
                .select_related("scenario")
                .get(pk=chunk_id)
            )
            scenario = chunk.scenario
            if chunk.done_at is not None or scenario.status != ScenarioStatus.RUNNING:
                return
            done = _replay_lines(scenario, chunk.lo, chunk.hi)
            chunk.lines, chunk.changed, chunk.unquotable = done["lines"], done["changed"], done["unquotable"]
            chunk.before_total, chunk.after_total = done["before"], done["after"]
            chunk.totals = done["totals"]
            chunk.done_at = timezone.now()
            chunk.save()
            Scenario.objects.filter(pk=scenario.pk).update(
                lines_done=F("lines_done") + chunk.lines, lines_changed=F("lines_changed") + chunk.changed
            )
    except (OperationalError, InterfaceError):
        raise  # the database's: the task tries again (tasks.RETRY); its last failure fails the scenario
    except Exception as exc:
        # Anything else would break again: the scenario fails now, its chunk rolled back.
        scenario_chunk_fail(chunk_id=chunk_id, error=f"推演失败：{type(exc).__name__}")
        raise
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if (
            scenario.status == ScenarioStatus.RUNNING
            and not scenario.chunks.filter(done_at__isnull=True).exists()
        ):
            _finish(scenario)


def _finish(scenario: Scenario) -> None:
    """Sum the chunks' totals; the budget against each allocation of the year in scope and each
    of its shares (培训补贴, 以工代训, 生活费补贴; R8.2)."""
    totals = _totals()
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
        name = allocation.district.name
        before, after = totals["district"].get(name, [Decimal(0), Decimal(0)])
        shares = []
        for share, label in Share.choices:
            b, a = totals["share"].get(f"{name}\t{share}", [Decimal(0), Decimal(0)])
            limit = allocation.share_amount(share)
            shares.append(
                {
                    "share": str(label),
                    "allocation": str(limit),
                    "before": str(b),
                    "after": str(a),
                    "over": str(max(a - limit, Decimal(0))),
                }
            )
        budget.append(
            {
                "district": name,
                "allocation": str(allocation.effective_amount),
                "before": str(before),
                "after": str(after),
                "over": str(max(after - allocation.effective_amount, Decimal(0))),
                "shares": shares,
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


# Adoption: the scenario's changes as dated parameter changes, for review -----------------------

# What a change of the scenario becomes when adopted: a district setting, or the rate-table rows.
SETTING_OF: dict[str, str] = {
    "daily_amount": SettingKey.LIVING_ALLOWANCE_DAILY,
    "monthly_amount": SettingKey.WFT_MONTHLY_AMOUNT,
    "annual_amount": SettingKey.APPRENTICESHIP_ANNUAL_AMOUNT,
    "enterprise_uplift": SettingKey.ENTERPRISE_UPLIFT,
    "max_months": SettingKey.WFT_MAX_MONTHS,
    "per_year_limit": SettingKey.PER_YEAR_LIMIT,
}
RATE_ROW_FIELDS = ("standard", "rate")


CENT = Decimal("0.01")


def _number(value: Decimal) -> str:
    return str(value.quantize(CENT) if value == value.quantize(CENT) else value.normalize())


def adoption_items(scenario: Scenario, effective_from: date) -> list[dict[str, Any]]:
    """What adopting the scenario from `effective_from` would change, district by district: each
    setting with the value in force that day and the value under the changes (the same arithmetic
    as the replay, apps.scenarios.engine.apply), and each rate-table row in force that day with
    its S and r before and after. Values that would not change are left out."""
    districts = (
        [scenario.district]
        if scenario.district is not None
        else list(District.objects.order_by("sort_order", "code"))
    )
    # The adoption has its own effective date: a change's date narrows the replay only.
    changes = [{k: v for k, v in change.items() if k != "from"} for change in scenario.changes]
    fields = {change["field"] for change in changes}
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for district in districts:
        if fields & set(SETTING_OF):
            table = {row["key"]: row for row in settings_table(district=district, on=effective_from)}
            for field, key in SETTING_OF.items():
                if field not in fields:
                    continue
                before = Decimal(table[key]["value"])
                after = Decimal(engine.apply({field: str(before)}, changes)[field])
                if after != before:
                    items.append(
                        {
                            "district_id": district.pk,
                            "district": district.name,
                            "kind": "setting",
                            "key": str(key),
                            "label": str(table[key]["label"]),
                            "before": str(int(before)) if field in engine.INTEGER_FIELDS else _number(before),
                            "after": str(int(after)) if field in engine.INTEGER_FIELDS else _number(after),
                        }
                    )
        if fields & set(RATE_ROW_FIELDS):
            rows = list(
                RateRow.objects.filter(in_force_on(effective_from), district=district)
                .select_related("occupation")
                .order_by("occupation__code", "major_category", "level", "pk")
            )
            problems += _uncovered(district, rows, changes)
            for row in rows:
                was = {"standard": row.standard, "rate": row.rate}
                target = {
                    "occupation": {"code": row.occupation.code} if row.occupation else None,
                    "level": row.level,
                }
                applied = engine.apply({k: str(v) for k, v in was.items()} | target, changes)
                now = {k: Decimal(applied[k]) for k in RATE_ROW_FIELDS}
                if now != was:
                    items.append(
                        {
                            "district_id": district.pk,
                            "district": district.name,
                            "kind": "rate_row",
                            "row_id": row.pk,
                            "label": f"补贴标准表：{row.occupation or row.get_major_category_display()} "
                            f"{row.level_label}",
                            "before": {k: _number(v) for k, v in was.items()},
                            "after": {k: _number(v) for k, v in now.items()},
                        }
                    )
    if problems:
        raise ApplicationError("；".join(problems), field="effective_from")
    return items


def _uncovered(district: District, rows: list[RateRow], changes: list[dict[str, str]]) -> list[str]:
    """A change narrowed to an occupation whose classes take a whole major category's row has no
    row of its own to change: said, never spread over the category."""
    problems = []
    for change in changes:
        code, level = change.get("occupation"), change.get("level")
        if change["field"] not in engine.RATE_ROW_FIELDS or not code:
            continue
        own = [
            row
            for row in rows
            if row.occupation is not None
            and row.occupation.code == code
            and (not level or str(row.level) == level)
        ]
        if not own:
            which = f"职业（工种）{code}{engine.LEVELS.get(level or '', '')}"
            problems.append(
                f"{district.name}：{which}没有在用的单独补贴标准行（按大类标准执行），"
                "请先在补贴标准表中为其新增标准行"
            )
    return problems


def item_text(item: Mapping[str, Any], side: str) -> str:
    """An item's value before or after, as the pages and the log write it."""
    value = item[side]
    if item["kind"] == "setting":
        return str(value)
    return f"S {value['standard']} 元，r {value['rate']} 元/天"


def _apply(items: list[dict[str, Any]], *, actor: User, effective_from: date, note: str) -> list[str]:
    """Make the items' changes through the catalogue's own services (their checks, their log),
    each in a savepoint; returns every problem, named by district and item, in one pass."""
    problems = []
    districts = District.objects.in_bulk({item["district_id"] for item in items})
    for n, item in enumerate(items, start=1):
        district = districts[item["district_id"]]
        try:
            with transaction.atomic():
                if item["kind"] == "setting":
                    district_setting_set(
                        actor=actor,
                        district=district,
                        key=item["key"],
                        value=Decimal(item["after"]),
                        effective_from=effective_from,
                        note=note[:200],
                    )
                else:
                    _rate_row_version(
                        item, actor=actor, district=district, effective_from=effective_from, note=note
                    )
        except ApplicationError as exc:
            problems.append(f"第 {n} 项（{item['district']} {item['label']}）：{exc.message}")
    return problems


def _rate_row_version(
    item: Mapping[str, Any], *, actor: User, district: District, effective_from: date, note: str
) -> None:
    """A new version of the rate-table row from `effective_from` with the item's S and r (R1.5
    derives H again; a new occupation keeps its H). The row in force ends the day before; a row
    starting that very day is changed in place."""
    row = RateRow.objects.select_related("occupation").filter(pk=item["row_id"], district=district).first()
    if row is None:
        raise ApplicationError("该标准行已不存在")
    after = {k: Decimal(v) for k, v in item["after"].items()}
    common: dict[str, Any] = {
        "actor": actor,
        "district": district,
        "occupation": row.occupation,
        "major_category": row.major_category,
        "level": row.level,
        "standard": after["standard"],
        "rate": after["rate"],
        "class_hours": row.class_hours if row.for_new_occupation else None,
        "online_rate": row.online_rate,
        "reason": note,
    }
    if row.effective_from == effective_from:
        rate_row_save(**common, effective_from=effective_from, effective_to=row.effective_to, row=row)
        return
    end = row.effective_to
    if end is not None:  # a closed row is ended early by hand; an open one is closed by the service
        rate_row_save(
            **(common | {"standard": row.standard, "rate": row.rate}),
            effective_from=row.effective_from,
            effective_to=effective_from - timedelta(days=1),
            row=row,
        )
    rate_row_save(**common, effective_from=effective_from, effective_to=end)


class _DryRun(Exception):
    pass


def adoption_propose(
    *, actor: User, scenario: Scenario, effective_from: date, reason: str
) -> ScenarioAdoption:
    """Turn a finished scenario into dated parameter changes, pending review: each change checked
    as it would be applied (all problems in one pass), nothing applied; the reviewers are told."""
    scenario_policy.check(actor, "create", scenario.district)
    reason = reason.strip()
    if scenario.status != ScenarioStatus.FINISHED:
        raise ApplicationError("推演完成后才能采纳", field="effective_from")
    if effective_from <= timezone.localdate():
        raise ApplicationError("生效日期须晚于今天：已发生的业务不按新参数重算", field="effective_from")
    if not reason:
        raise ApplicationError("请填写采纳理由", field="reason")
    if scenario.adoptions.filter(status=AdoptionStatus.PENDING).exists():
        raise ApplicationError("该推演已有待审核的采纳方案", field="effective_from")
    items = adoption_items(scenario, effective_from)
    if not items:
        raise ApplicationError(
            f"按 {effective_from} 在用的参数，该推演的变化不改变任何设置或补贴标准", field="effective_from"
        )
    try:
        with transaction.atomic():
            problems = _apply(items, actor=actor, effective_from=effective_from, note=reason)
            raise _DryRun
    except _DryRun:
        pass
    if problems:
        raise ApplicationError("；".join(problems), field="effective_from")
    with transaction.atomic():
        adoption = ScenarioAdoption.objects.create(
            scenario=scenario, effective_from=effective_from, items=items, reason=reason, proposed_by=actor
        )
        state_change_record(
            obj=scenario,
            actor=actor,
            from_state=scenario.status,
            to_state="adoption_proposed",
            reason=f"采纳方案 #{adoption.pk}：自 {effective_from} 起 {len(items)} 项参数变化；{reason}",
            changes={"adoption": adoption.pk, "effective_from": str(effective_from)},
        )
        notify(
            recipients=_reviewers(items),
            kind="scenario_adoption",
            title=f"待审核：测算推演 #{scenario.pk}“{scenario.name}”的采纳方案（自 {effective_from} 起生效）",
            body=reason,
            link=reverse("scenarios:detail", args=[scenario.pk]),
            exclude=actor,
        )
    return adoption


def _reviewers(items: list[dict[str, Any]]) -> list[User]:
    district_ids = sorted({item["district_id"] for item in items})
    admins = User.objects.filter(role=Role.MUNICIPAL_ADMIN, is_active=True)
    if len(district_ids) == 1:
        return [*district_officers(district_id=district_ids[0]), *admins]
    return list(admins)


def may_decide(user: User, adoption: ScenarioAdoption) -> bool:
    """Another officer than its proposer who may edit every district it changes: an officer of
    the district for a district's scenario, a municipal admin for any."""
    if not is_active_user(user) or user.pk == adoption.proposed_by_id:
        return False
    districts = District.objects.in_bulk({item["district_id"] for item in adoption.items})
    return all(may_edit_district(user, district) for district in districts.values())


def adoption_decide(
    *, actor: User, adoption: ScenarioAdoption, approve: bool, reason: str
) -> ScenarioAdoption:
    """Approve (the changes are made, dated, through the catalogue's services, each logged) or
    return a pending adoption, with a reason; its proposer is told."""
    reason = reason.strip()
    with transaction.atomic():
        adoption = ScenarioAdoption.objects.select_for_update().select_related("scenario").get(pk=adoption.pk)
        if adoption.status != AdoptionStatus.PENDING:
            raise ApplicationError("该采纳方案已审核")
        if actor.pk == adoption.proposed_by_id:
            raise PermissionDenied("采纳方案须由提出人以外的人员审核")
        if not may_decide(actor, adoption):
            raise PermissionDenied("只有所涉区县的经办人员或市级管理员可以审核该采纳方案")
        if not reason:
            raise ApplicationError("请填写审核意见", field="reason")
        if approve:
            if adoption.effective_from <= timezone.localdate():
                raise ApplicationError("生效日期已过，请退回后按新的生效日期重新采纳", field="reason")
            note = f"采纳测算推演 #{adoption.scenario_id}（方案 #{adoption.pk}）：{adoption.reason}"
            problems = _apply(adoption.items, actor=actor, effective_from=adoption.effective_from, note=note)
            if problems:
                raise ApplicationError("；".join(problems), field="reason")
        adoption.status = AdoptionStatus.APPROVED if approve else AdoptionStatus.REJECTED
        adoption.decided_by, adoption.decided_at, adoption.decision_reason = actor, timezone.now(), reason
        adoption.save()
        scenario = adoption.scenario
        state_change_record(
            obj=scenario,
            actor=actor,
            from_state="adoption_proposed",
            to_state="adoption_approved" if approve else "adoption_rejected",
            reason=f"采纳方案 #{adoption.pk}：{reason}",
            changes={"adoption": adoption.pk},
        )
        verdict = f"已审核通过，自 {adoption.effective_from} 起生效" if approve else "已退回"
        notify(
            recipients=[adoption.proposed_by],
            kind="scenario_adoption",
            title=f"测算推演 #{scenario.pk}“{scenario.name}”的采纳方案{verdict}",
            body=reason,
            link=reverse("scenarios:detail", args=[scenario.pk]),
            exclude=actor,
        )
    return adoption
