"""Enrolment (报名) in an approved or running class, one person at a time or a whole roster,
and withdrawal.

Both ways in go through the same plan: lock the class, read the people's registry rows and
their other enrolments (one query each, whatever the roster's size), check every entry, and
save all of it in the caller's transaction or nothing. The checks, each with its rule ID:

- R11.1 the ID number (while cleaning the input, services.persons), R11.2 age ≥ 16 at the
  class's start (E);
- the same person in another class whose dates overlap (E, naming that class);
- R10.1 the per-year limit: a warning (W) stored on the enrolment, for the reviewer of the claim;
- R10.2 the same occupation and level already subsidised (E), R10.3 a lower level after a
  higher one (W): other enrolments count unless their result is 不合格 or 缺考 (no subsidy paid);
- R4.2 for 企业职工培训 classes: the trainee's relation to the enterprise (E).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.catalog.engine import district_settings_for
from apps.classes.models import TrainingClass, TrainingType
from apps.core.bulk import insert_rows
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.core.services import state_change_record
from apps.core.tabular import RowError, TableErrors
from apps.rules import (
    check_lower_level_after_higher,
    check_minimum_age,
    check_per_year_limit,
    check_same_level_once,
    per_year_limit_on,
    trainings_in_year,
)
from apps.rules.enterprise import TRAINEE_RELATIONS, check_enterprise_trainee
from apps.rules.limits import overlaps
from apps.rules.results import Finding

from ..models import Enrolment, EnrolmentStatus, Outcome, Person
from ..permissions import ROSTER_OPEN, may_enrol
from ..services.persons import (
    PersonInput,
    name_mismatch,
    person_input,
    person_input_or_errors,
    persons_existing,
    persons_save,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

# Plain strings: they go into raw INSERTs (insert_rows) as well as ORM filters.
ENROLLED = EnrolmentStatus.ENROLLED.value
WITHDRAWN = EnrolmentStatus.WITHDRAWN.value
# The form fields of an enrolment and their roster column headers (the names in error messages).
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "手机号码",
    "household_region": "户籍所在地",
    "groups": "人员类别",
    "relation": "与企业关系",
}
RELATION_BY_LABEL = {label: key for key, label in TRAINEE_RELATIONS.items()}
# Results after which no subsidy is paid (R2.6): such an enrolment is no obstacle under R10.2/R10.3.
NOT_SUBSIDISED = frozenset({Outcome.FAILED, Outcome.ABSENT})


@dataclass(frozen=True)
class EnrolmentInput:
    """One person to enrol: the cleaned registration, the relation to the enterprise (a key of
    TRAINEE_RELATIONS, or the text given when it is none) and the roster row (0: not a roster)."""

    person: PersonInput
    relation: str = ""
    row: int = 0


@dataclass(frozen=True)
class Problem:
    """Why an entry cannot be enrolled: the field at fault, a Chinese message, the rule ID."""

    field: str
    message: str
    rule: str | None = None


@dataclass(frozen=True)
class PastTraining:
    """One of the person's other enrolments, as the rules engine's TrainingRecord."""

    kind: str
    start: date
    end: date
    occupation_code: str | None
    level: int | None
    class_name: str
    institution_name: str
    outcome: str | None
    months: tuple[date, ...] = ()  # an enrolment is no 以工代训: it has no months of its own


@dataclass
class ParsedRoster:
    """A roster file read by imports.roster.parse_roster: the rows that passed the format checks,
    and the errors of those that did not."""

    entries: list[EnrolmentInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    filename: str = ""
    # Rows with a format error whose name and ID number are valid: checked against the registry
    # and the class as well (age, overlaps, relation), never saved, so that every error of the
    # file is reported in one pass.
    checked_only: list[EnrolmentInput] = field(default_factory=list)


@dataclass(frozen=True)
class RosterImportResult:
    enrolled: int
    persons_created: int
    persons_reused: int
    with_warnings: int
    # Rows of persons already enrolled in the class, with the same name: kept as they are.
    already_enrolled: int = 0


@dataclass
class _Plan:
    training_class: TrainingClass
    entries: list[EnrolmentInput]
    existing: dict[str, Person]
    own: dict[str, int]  # ID number → pk of a withdrawn enrolment in this class, re-activated
    warnings: dict[str, list[dict[str, str]]]
    kept: int = 0  # entries already enrolled in this class, left as they are (a roster re-upload)


def relation_key(value: str) -> str:
    """A relation given by key (employee) or label (与本企业建立劳动关系的职工); other text is
    returned as given, for R4.2 to refuse by name."""
    text = (value or "").strip()
    return RELATION_BY_LABEL.get(text, text)


def enrolment_input_or_errors(
    *,
    id_number: str,
    name: str,
    phone: str = "",
    household_region: str = "",
    groups: Iterable[str] | str = (),
    relation: str = "",
    row: int = 0,
    on: date | None = None,
) -> tuple[EnrolmentInput | None, list[ApplicationError]]:
    """Clean one entry: the input, or every field's error. The relation is checked against the
    class later (R4.2 applies to enterprise classes only)."""
    person, errors = person_input_or_errors(
        id_number=id_number, name=name, phone=phone, household_region=household_region, groups=groups, on=on
    )
    if person is None:
        return None, errors
    return EnrolmentInput(person=person, relation=relation_key(relation), row=row), []


def _lock_open_class(training_class: TrainingClass, actor: User) -> TrainingClass:
    """The class row locked for the rest of the transaction, after checking who acts and when.
    `of=("self",)`: lock the class only, not the joined institution, district and occupation."""
    locked = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("institution", "district", "occupation")
        .get(pk=training_class.pk)
    )
    if not may_enrol(actor, locked):
        raise ApplicationError("只有本班所属培训机构的经办人可以登记或退出学员")
    if locked.status not in ROSTER_OPEN:
        raise ApplicationError(
            f"班级状态为“{locked.get_status_display()}”，花名册只能在开班申请审核通过后、结业前登记或变更",
            field="status",
        )
    return locked


def _history(
    training_class: TrainingClass, existing: dict[str, Person]
) -> tuple[dict[str, list[PastTraining]], dict[str, tuple[int, str]]]:
    """In one query: each registered person's enrolments in other classes (not withdrawn), and
    their enrolment in this class if any (pk, status). A person not yet registered has none."""
    if not existing:
        return {}, {}
    rows = (
        Enrolment.objects.filter(person_id__in=[person.pk for person in existing.values()])
        .filter(Q(status=ENROLLED) | Q(training_class=training_class))
        .values_list(
            "pk",
            "status",
            "person__id_number",
            "training_class_id",
            "training_class__name",
            "training_class__institution__name",
            "training_class__start_date",
            "training_class__end_date",
            "training_class__training_type",
            "training_class__occupation__code",
            "training_class__level",
            "result__outcome",
        )
    )
    history: dict[str, list[PastTraining]] = {}
    own: dict[str, tuple[int, str]] = {}
    for pk, status, number, class_id, name, institution, start, end, kind, code, level, outcome in rows:
        if class_id == training_class.pk:
            own[number] = (pk, status)
            continue
        history.setdefault(number, []).append(
            PastTraining(
                kind="enterprise" if kind == TrainingType.ENTERPRISE_STAFF else "class",
                start=start,
                end=end,
                occupation_code=code,
                level=level,
                class_name=name,
                institution_name=institution,
                outcome=outcome,
            )
        )
    return history, own


def relation_problems(training_class: TrainingClass, relation: str) -> list[Problem]:
    if training_class.training_type == TrainingType.ENTERPRISE_STAFF:
        if not relation:
            return [Problem("relation", "企业职工培训班须填写学员与企业的关系 (R4.2)", "R4.2")]
        finding = check_enterprise_trainee(relation)
        return [Problem("relation", finding.message, finding.rule)] if finding else []
    if relation:
        return [Problem("relation", "只有企业职工培训班填写与企业关系，本班请留空")]
    return []


def _warning(finding: Finding) -> dict[str, str]:
    # R10.1 is an error on a claim line; at enrolment it is a warning for the reviewer.
    return {"rule": finding.rule, "severity": "W", "message": finding.message}


def _check(
    training_class: TrainingClass,
    entry: EnrolmentInput,
    person: Person | None,
    history: list[PastTraining],
    own: tuple[int, str] | None,
    limit: int,
) -> tuple[list[Problem], list[dict[str, str]]]:
    problems: list[Problem] = []
    warnings: list[dict[str, str]] = []
    tc = training_class
    if person is not None:
        message = name_mismatch(person, entry.person.name)
        if message:
            problems.append(Problem("name", message))
    if own is not None and own[1] == ENROLLED:
        problems.append(Problem("id_number", "该学员已在本班花名册中"))
    too_young = check_minimum_age(entry.person.identity.birth, tc.start_date)
    if too_young:
        problems.append(Problem("id_number", too_young.message, too_young.rule))
    problems.extend(relation_problems(tc, entry.relation))
    for past in history:
        if overlaps(tc.start_date, tc.end_date, past):
            problems.append(
                Problem(
                    "id_number",
                    f"该学员已在「{past.class_name}」（{past.institution_name}，"
                    f"{past.start.isoformat()} 至 {past.end.isoformat()}）参训，与本班培训日期重叠，"
                    "同一时间只能参加一个补贴性培训班",
                )
            )
    subsidised = [past for past in history if past.outcome not in NOT_SUBSIDISED]
    code = tc.occupation.code
    same = check_same_level_once(occupation_code=code, level=tc.level, history=subsidised)
    if same:
        problems.append(Problem("id_number", same.message, same.rule))
    lower = check_lower_level_after_higher(occupation_code=code, level=tc.level, history=subsidised)
    if lower:
        warnings.append(_warning(lower))
    year = tc.end_date.year
    over = check_per_year_limit(year=year, earlier=trainings_in_year(history, year), limit=limit)
    if over:
        warnings.append(_warning(over))
    return problems, warnings


def _duplicates(entries: list[EnrolmentInput]) -> list[tuple[EnrolmentInput, Problem]]:
    """The same ID number twice in one roster: the later row names the earlier one."""
    first: dict[str, EnrolmentInput] = {}
    found = []
    for entry in entries:
        earlier = first.setdefault(entry.person.id_number, entry)
        if earlier is entry:
            continue
        if earlier.person.name != entry.person.name:
            message = (
                f"与第 {earlier.row} 行身份证号码相同，但姓名「{entry.person.name}」"
                f"与第 {earlier.row} 行的「{earlier.person.name}」不一致"
            )
            found.append((entry, Problem("name", message)))
        else:
            found.append((entry, Problem("id_number", f"与第 {earlier.row} 行重复")))
    return found


def _plan(
    training_class: TrainingClass, entries: list[EnrolmentInput], *, keep_enrolled: bool = False
) -> tuple[_Plan, list[tuple[EnrolmentInput, Problem]]]:
    """Check every entry. With `keep_enrolled` (a roster uploaded again with rows added), a
    person already enrolled in the class under the same name is kept as is rather than refused;
    under another name it is still an error."""
    problems = _duplicates(entries)
    numbers = list({e.person.id_number for e in entries})
    existing = persons_existing(numbers)
    history, own = _history(training_class, existing)
    end = training_class.end_date
    limit = per_year_limit_on(end, district_settings_for(district=training_class.district, on=end))
    warnings: dict[str, list[dict[str, str]]] = {}
    kept: set[str] = set()
    for entry in entries:
        number = entry.person.id_number
        if number in warnings or number in kept:  # a duplicate row, reported above
            continue
        if keep_enrolled and own.get(number, (0, ""))[1] == ENROLLED:
            kept.add(number)
            message = name_mismatch(existing[number], entry.person.name)
            found = [Problem("name", message)] if message else []
            found += relation_problems(training_class, entry.relation)
            problems.extend((entry, problem) for problem in found)
            continue
        found, warnings[number] = _check(
            training_class, entry, existing.get(number), history.get(number, []), own.get(number), limit
        )
        problems.extend((entry, problem) for problem in found)
    withdrawn = {number: pk for number, (pk, status) in own.items() if status == WITHDRAWN}
    fresh = [entry for entry in entries if entry.person.id_number not in kept]
    kept_existing = {number: person for number, person in existing.items() if number not in kept}
    return _Plan(training_class, fresh, kept_existing, withdrawn, warnings, kept=len(kept)), problems


class NewEnrolment(NamedTuple):
    """An enrolment as inserted: its columns in order, the class and person as pks."""

    training_class: int
    person: int
    relation: str
    status: str
    warnings: list[dict[str, str]]


class LoggedChange(NamedTuple):
    """A StateChange row as inserted: its columns in order, the content type and actor as pks."""

    content_type: int
    object_id: str
    actor: int
    from_state: str
    to_state: str
    reason: str
    changes: dict[str, Any]


def _save(plan: _Plan, *, actor: User, reason: str) -> None:
    """Register or complete the persons, create (or re-activate) their enrolments and log each
    one's move to enrolled: a handful of multi-row INSERTs, whatever the roster's size."""
    tc = plan.training_class
    ids = persons_save(entries=[e.person for e in plan.entries], existing=plan.existing)
    relations = {
        e.person.id_number: e.relation if tc.training_type == TrainingType.ENTERPRISE_STAFF else ""
        for e in plan.entries
    }
    now = timezone.now()
    fresh = [number for number in relations if number not in plan.own]
    returned = insert_rows(
        Enrolment,
        NewEnrolment._fields,
        [NewEnrolment(tc.pk, ids[n], relations[n], ENROLLED, plan.warnings[n]) for n in fresh],
        returning=("id",),
    )
    created = (
        returned
        if returned is not None  # else the database cannot return them
        else list(
            Enrolment.objects.filter(training_class=tc, person_id__in=[ids[n] for n in fresh]).values_list(
                "pk"
            )
        )
    )
    Enrolment.objects.bulk_update(
        [
            Enrolment(
                pk=pk, status=ENROLLED, relation=relations[n], warnings=plan.warnings[n], updated_at=now
            )
            for n, pk in plan.own.items()
        ],
        ["status", "relation", "warnings", "updated_at"],
    )
    content_type = ContentType.objects.get_for_model(Enrolment).pk
    logs = [(pk, "") for (pk,) in created]
    logs += [(pk, WITHDRAWN) for pk in plan.own.values()]
    insert_rows(
        StateChange,
        LoggedChange._fields,
        [LoggedChange(content_type, str(pk), actor.pk, old, ENROLLED, reason, {}) for pk, old in logs],
    )


@transaction.atomic
def enrolment_create(
    *,
    training_class: TrainingClass,
    actor: User,
    id_number: str,
    name: str,
    phone: str = "",
    household_region: str = "",
    groups: Iterable[str] | str = (),
    relation: str = "",
) -> Enrolment:
    """Enrol one person (registering them if new). Raises ApplicationError with the first
    problem's message, rule and field, and every problem in `extra["errors"]`. A person who
    withdrew from this class earlier is enrolled again on the same row."""
    person = person_input(
        id_number=id_number, name=name, phone=phone, household_region=household_region, groups=groups
    )
    entry = EnrolmentInput(person=person, relation=relation_key(relation))
    training_class = _lock_open_class(training_class, actor)
    plan, problems = _plan(training_class, [entry])
    if problems:
        first = problems[0][1]
        raise ApplicationError(
            first.message,
            rule=first.rule,
            field=first.field,
            extra={"errors": [{"field": p.field, "rule": p.rule, "message": p.message} for _, p in problems]},
        )
    _save(plan, actor=actor, reason="登记学员")
    return Enrolment.objects.select_related("person").get(
        training_class=training_class, person__id_number=entry.person.id_number
    )


@transaction.atomic
def roster_import(*, training_class: TrainingClass, actor: User, roster: ParsedRoster) -> RosterImportResult:
    """Enrol a parsed roster: every row valid, or TableErrors listing every error by row and
    field with nothing saved. The class row stays locked until the transaction ends."""
    training_class = _lock_open_class(training_class, actor)
    entries = sorted(roster.entries + roster.checked_only, key=lambda entry: entry.row)
    plan, problems = _plan(training_class, entries, keep_enrolled=True)
    errors = list(roster.errors) + [
        RowError(entry.row, FIELD_LABELS[problem.field], problem.message) for entry, problem in problems
    ]
    if errors:
        raise TableErrors(sorted(errors, key=lambda e: e.row))
    _save(plan, actor=actor, reason=f"导入花名册 {roster.filename}".strip())
    return RosterImportResult(
        enrolled=len(plan.entries),
        persons_created=len(plan.entries) - len(plan.existing),
        persons_reused=len(plan.existing),
        with_warnings=sum(1 for warnings in plan.warnings.values() if warnings),
        already_enrolled=plan.kept,
    )


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor: User, reason: str) -> Enrolment:
    """Take a person off the roster before the class is completed, with a reason (logged)."""
    _lock_open_class(enrolment.training_class, actor)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).select_related("person").get(pk=enrolment.pk)
    )
    if enrolment.status != ENROLLED:
        raise ApplicationError("该学员已退出本班", field="status")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写退出原因", field="reason")
    enrolment.status = WITHDRAWN
    enrolment.save(update_fields=["status", "updated_at"])
    state_change_record(obj=enrolment, actor=actor, from_state=ENROLLED, to_state=WITHDRAWN, reason=reason)
    return enrolment
