"""R10 Per-person limits, and the overlap of R3.4: the rules that look at a person's other trainings.

These come from the national rules the notice relies on; the notice itself speaks of the
"每年3次" limit in clause 三. They work from a person's history of subsidised trainings — pending
and approved lines, not refused ones — given as plain records, so a single quote and a batch audit
over the whole population call the same functions. Anything with the attributes of
:class:`TrainingRecord` will do: the :class:`HistoryEntry` of a quote, or a row of the claims table.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal, Protocol

from apps.rules.district import DistrictSettings
from apps.rules.parameters import POLICY_EFFECTIVE_DATE, parameter
from apps.rules.rates import level_name
from apps.rules.results import Finding

Kind = Literal["class", "enterprise", "work_for_training", "apprenticeship"]
KINDS: Final[tuple[Kind, ...]] = ("class", "enterprise", "work_for_training", "apprenticeship")
KIND_LABELS: Final[dict[str, str]] = {
    "class": "培训班",
    "enterprise": "企业职工培训",
    "work_for_training": "以工代训",
    "apprenticeship": "企业新型学徒制",
}
WORK_FOR_TRAINING: Final = "work_for_training"


class TrainingRecord(Protocol):
    """One subsidised training of a person, as the cross-person rules need to see it."""

    @property
    def kind(self) -> str: ...

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...

    @property
    def occupation_code(self) -> str | None: ...

    @property
    def level(self) -> int | None: ...

    @property
    def months(self) -> tuple[date, ...]: ...


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One of the person's other subsidised trainings, as given in a quote's ``history``.

    For 以工代训 ``months`` are the months of the line (as first days), exactly: a claim of April and
    October covers those two months, not the summer between them. The dates then span them (first
    day of the first month to the last day of the last); the occupation and level are usually
    empty. Without ``months`` a 以工代训 entry covers every month its dates touch.
    """

    kind: Kind
    start: date
    end: date
    occupation_code: str | None = None
    level: int | None = None
    months: tuple[date, ...] = ()


def describe(record: TrainingRecord) -> str:
    """A training in words for messages: ``以工代训 2021-10-01 至 2021-12-31``."""
    what = KIND_LABELS.get(record.kind, record.kind)
    if record.occupation_code is not None:
        what = f"{what} {record.occupation_code} {level_name(record.level)}"
    return f"{what}（{record.start.isoformat()} 至 {record.end.isoformat()}）"


def per_year_limit_on(on: date, settings: DistrictSettings) -> int:
    """R10.1: the per-year limit in force on ``on``: the notice's 3, or a value the district entered.

    A value the district entered (``per_year_limit_from``, ``(effective_from, limit)`` pairs) takes
    the place of the notice's from its own date, whatever that date, even one on or before
    2021-03-01: the latest of the district's pairs not after ``on`` wins. Where the district
    entered none yet, the notice's value applies; before 2021-03-01 that is the notice's first
    value, as the notice speaks of the limit as one already in force.
    """
    entered = [(day, value) for day, value in settings.per_year_limit_from if day <= on]
    if entered:
        return max(entered, key=lambda pair: pair[0])[1]
    notice = parameter("per_year_limit").values
    in_force = [value for day, value in notice if day <= max(on, POLICY_EFFECTIVE_DATE)]
    value = (in_force or [notice[0][1]])[-1]
    assert isinstance(value, int | Decimal), "the per-year limit is a count"
    return int(value)


def counts_towards_limit(record: TrainingRecord) -> bool:
    """R3.3 and R10.1: every subsidised training counts towards the per-year limit except 以工代训."""
    return record.kind != WORK_FOR_TRAINING


def trainings_in_year(history: Iterable[TrainingRecord], year: int) -> int:
    """R10.1: how many of these trainings count in ``year``, the calendar year of each one's end date."""
    return sum(1 for record in history if counts_towards_limit(record) and record.end.year == year)


def check_per_year_limit(*, year: int, earlier: int, limit: int) -> Finding | None:
    """R10.1 (E): at most ``limit`` subsidised trainings per person per calendar year.

    ``earlier`` is the number of the person's other trainings that count in ``year`` (pending and
    approved, 以工代训 left out — clause 三: "以工代训补贴不计入劳动者每年3次培训补贴范围"). The
    training being checked is number ``earlier + 1``. W10: a fourth training in 2021 is refused.
    """
    if earlier < limit:
        return None
    return Finding(
        "R10.1",
        "E",
        f"{year} 年已有 {earlier} 次补贴性培训，本次为第 {earlier + 1} 次，"
        f"超过每人每年 {limit} 次的上限（以工代训不计入） (R10.1)",
    )


def check_same_level_once(
    *, occupation_code: str, level: int | None, history: Iterable[TrainingRecord]
) -> Finding | None:
    """R10.2 (E): the same occupation at the same level is subsidised once per person, ever.

    专项职业能力 (no level) is compared by its code alone.
    """
    for record in history:
        if record.occupation_code == occupation_code and record.level == level:
            return Finding(
                "R10.2",
                "E",
                f"已享受过同一职业（工种）同一等级的培训补贴：{describe(record)}，每人只补贴一次 (R10.2)",
            )
    return None


def check_lower_level_after_higher(
    *, occupation_code: str, level: int | None, history: Iterable[TrainingRecord]
) -> Finding | None:
    """R10.3 (W): a lower level of an occupation after a higher level of it was subsidised.

    A reviewer decides and records why (for instance a trainee changing trade within the
    occupation). Levels count down: 1 高级技师 is the highest. 专项职业能力 has no level and is
    never compared.
    """
    if level is None:
        return None
    for record in history:
        if record.occupation_code == occupation_code and record.level is not None and record.level < level:
            return Finding(
                "R10.3",
                "W",
                f"已享受过 {occupation_code} 更高等级（{level_name(record.level)}）的补贴："
                f"{describe(record)}，"
                f"本次申请较低等级（{level_name(level)}），请审核人员确认 (R10.3)",
            )
    return None


def months_between(start: date, end: date) -> tuple[date, ...]:
    """The months (as first days) that the days ``start``–``end`` touch, in order."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def months_of(record: TrainingRecord) -> tuple[date, ...]:
    """The months a 以工代训 record covers (as first days): its ``months`` when given, else every
    month its dates touch."""
    return tuple(getattr(record, "months", ())) or months_between(record.start, record.end)


def overlaps(start: date, end: date, record: TrainingRecord) -> bool:
    """Whether the days ``start``–``end`` (both included) share a day with the record's. A 以工代训
    record covers the days of its months only (R3.4): the months between two claimed months are free.
    """
    if not (record.start <= end and start <= record.end):
        return False
    if record.kind != WORK_FOR_TRAINING or not getattr(record, "months", ()):
        return True
    first = date(start.year, start.month, 1)
    return any(first <= month <= end for month in record.months)


def overlapping_work_for_training(
    *, start: date, end: date, history: Iterable[TrainingRecord]
) -> TrainingRecord | None:
    """R3.4: a 以工代训 record of the history whose months share a day with ``start``–``end``."""
    for record in history:
        if record.kind == WORK_FOR_TRAINING and overlaps(start, end, record):
            return record
    return None


def overlapping_other_training(
    *, start: date, end: date, history: Iterable[TrainingRecord]
) -> TrainingRecord | None:
    """R3.4: a training other than 以工代训 in the history that shares a day with ``start``–``end``."""
    for record in history:
        if record.kind != WORK_FOR_TRAINING and overlaps(start, end, record):
            return record
    return None


def check_no_overlap_with_work_for_training(
    *, start: date, end: date, history: Iterable[TrainingRecord]
) -> Finding | None:
    """R3.4 (E): a worker in a 以工代训 month is in no other subsidised training overlapping that month.

    Clause 三: "劳动者以工代训期间不能同时参加职业技能提升行动其他培训". The later claim line
    fails; in a quote that is the training being quoted, since its history holds the earlier lines.
    """
    record = overlapping_work_for_training(start=start, end=end, history=history)
    if record is None:
        return None
    return Finding(
        "R3.4",
        "E",
        f"培训时间 {start.isoformat()} 至 {end.isoformat()} 与{describe(record)}重叠，"
        "以工代训期间不能同时参加其他补贴性培训 (R3.4)",
    )
