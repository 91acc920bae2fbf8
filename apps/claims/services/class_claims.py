"""The claims of a completed class, made by its institution: the completion claim (one line per
enrolled trainee) and the living allowance (R8.1); their lines follow the class."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.accounts.models import Role
from apps.classes.engine import planned_hours
from apps.classes.models import ClassStatus, TrainingClass, TrainingType
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.rules.hours import class_hours_from_minutes
from apps.trainees.models import EnrolmentStatus, Outcome, TargetGroup

from ..engine import (
    district_inputs,
    facts_for,
)
from ..models import (
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    Share,
)
from .data_lock import class_snapshot
from .lines import line_new, lines_save, material_kinds_on_file

if TYPE_CHECKING:
    from apps.accounts.models import User

S = ClaimStatus


def _attended(training_class: TrainingClass) -> dict[int, dict[str, int]]:
    """Class-hours attended per enrolment, offline and online (R2.1: minutes // 45 per session)."""
    from apps.trainees.models import Attendance

    hours: dict[int, dict[str, int]] = defaultdict(lambda: {"offline": 0, "online": 0})
    rows = Attendance.objects.filter(enrolment__training_class=training_class).values_list(
        "enrolment_id", "minutes", "mode", "session__date"
    )
    for enrolment_id, minutes, mode, day in rows:
        key = "offline" if mode == "offline" else "online"
        hours[enrolment_id][key] += class_hours_from_minutes([minutes], on=day)
    return hours


def _class_inputs(claim: Claim, training_class: TrainingClass) -> list[tuple[Any, dict[str, Any]]]:
    enrolments = list(
        training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED)
        .select_related("person", "result")
        .order_by("pk")
    )
    attended = _attended(training_class)
    sessions = list(training_class.sessions.all())
    approved_on = training_class.approved_on
    assert approved_on is not None, "a class is claimed for once approved"
    planned = planned_hours(sessions, on=approved_on)
    enterprise = training_class.training_type == TrainingType.ENTERPRISE_STAFF
    locked = district_inputs(
        kind="enterprise" if enterprise else "class",
        district=training_class.district,
        on=approved_on,
        end=training_class.end_date,
    )
    materials = material_kinds_on_file(claim) if claim.pk else []
    occupation = training_class.occupation
    out = []
    for enrolment in enrolments:
        result = getattr(enrolment, "result", None)
        inputs: dict[str, Any] = {
            "kind": "enterprise" if enterprise else "class",
            "approved_on": approved_on.isoformat(),
            "start": training_class.start_date.isoformat(),
            "end": training_class.end_date.isoformat(),
            "occupation": {
                "code": occupation.code,
                "category": occupation.major_category,
                "new": occupation.is_new,
            },
            "level": training_class.level,
            "standard": str(training_class.standard),
            "rate": str(training_class.rate),
            "planned_hours": training_class.class_hours,
            "planned_online": planned.online,
            "online_rate": str(training_class.online_rate),
            "attended": attended.get(enrolment.pk, {"offline": 0, "online": 0}),
            "passed": result is not None and result.outcome == Outcome.PASSED,
            **locked,
            "id_number": enrolment.person.id_number,
        }
        if enterprise:
            employer = training_class.institution.employer
            inputs["classified"] = bool(employer and employer.is_classified)
            inputs["materials"] = materials
        out.append((enrolment, inputs))
    return out


@transaction.atomic
def claim_create_for_class(*, actor: User, training_class: TrainingClass) -> Claim:
    """The completion claim of a completed class: one line per enrolled trainee, quoted from the
    class's approval snapshot (R9.2), their attendance and their result."""
    return _create_class_claim(actor=actor, training_class=training_class, kind=ClaimKind.CLASS_COMPLETION)


def _rebuild_class_lines(claim: Claim, training_class: TrainingClass) -> None:
    claim.lines.all().delete()
    rows = _class_inputs(claim, training_class)
    facts = facts_for([e.person_id for e, _ in rows], exclude_claim_id=claim.pk, booked_only=False)
    lines = [
        line_new(
            claim,
            facts,
            person=enrolment.person,
            inputs=inputs,
            enrolment=enrolment,
            start=training_class.start_date,
            end=training_class.end_date,
        )
        for enrolment, inputs in rows
    ]
    lines_save(claim, lines)


# The groups whose trainees receive the living allowance (R8.1: "the groups the district names").
# The catalogue has no district setting for them yet, so every district names these.
LIVING_ALLOWANCE_GROUPS = (
    TargetGroup.POVERTY_ALLEVIATED,
    TargetGroup.REGISTERED_UNEMPLOYED,
    TargetGroup.RURAL_MIGRANT,
    TargetGroup.GRADUATE,
    TargetGroup.DISABLED,
)


def _living_lines(claim: Claim, training_class: TrainingClass) -> list[ClaimLine]:
    """One line per enrolled trainee of an eligible group, quoted by the engine (R8.1): L × offline
    class-hours / 6, the class-hours capped at the class's H, at the L in force on the approval
    date (R9.2). The line has no dates: the allowance is not a training of its own and never
    counts in the person's history (R10.1, R3.4)."""
    on = training_class.approved_on
    assert on is not None, "a class is claimed for once approved"
    attended = _attended(training_class)
    enrolments = list(
        training_class.enrolments.filter(
            status=EnrolmentStatus.ENROLLED, person__groups__group__in=LIVING_ALLOWANCE_GROUPS
        )
        .select_related("person")
        .prefetch_related("person__groups")
        .distinct()
        .order_by("pk")
    )
    facts = facts_for([e.person_id for e in enrolments], exclude_claim_id=claim.pk, booked_only=False)
    locked = district_inputs(kind="living_allowance", district=training_class.district, on=on)
    labels = dict(TargetGroup.choices)
    lines = []
    for enrolment in enrolments:
        person = enrolment.person
        groups = sorted(g.group for g in person.groups.all() if g.group in LIVING_ALLOWANCE_GROUPS)
        inputs = {
            "kind": "living_allowance",
            "approved_on": on.isoformat(),
            "start": training_class.start_date.isoformat(),
            "end": training_class.end_date.isoformat(),
            "attended": {"offline": attended.get(enrolment.pk, {"offline": 0})["offline"], "online": 0},
            "planned_hours": training_class.class_hours or None,
            **locked,
            "groups": [str(labels[g]) for g in groups],
            "id_number": person.id_number,
        }
        lines.append(
            line_new(
                claim, facts, person=person, inputs=inputs, share=Share.LIVING_ALLOWANCE, enrolment=enrolment
            )
        )
    return lines


def _rebuild_living_lines(claim: Claim, training_class: TrainingClass) -> None:
    claim.lines.all().delete()
    lines = _living_lines(claim, training_class)
    if not lines:
        labels = "、".join(str(TargetGroup(g).label) for g in LIVING_ALLOWANCE_GROUPS)
        raise ApplicationError(f"本班没有属于生活费补贴对象（{labels}）的在册学员", field="training_class")
    lines_save(claim, lines)


@transaction.atomic
def claim_create_living_allowance(*, actor: User, training_class: TrainingClass) -> Claim:
    """生活费补贴（含交通费）of a completed class (R8.1), paid from the district's living-allowance
    share: one line per enrolled trainee of the groups the district names."""
    return _create_class_claim(actor=actor, training_class=training_class, kind=ClaimKind.LIVING_ALLOWANCE)


# The kinds claimed for a completed class, whose lines follow the class (data lock): what the
# messages call them, and how their lines are built from the class.
CLASS_CLAIMS: dict[str, tuple[str, Callable[[Claim, TrainingClass], None]]] = {
    ClaimKind.CLASS_COMPLETION: ("补贴", _rebuild_class_lines),
    ClaimKind.LIVING_ALLOWANCE: ("生活费补贴", _rebuild_living_lines),
}


def _create_class_claim(*, actor: User, training_class: TrainingClass, kind: str) -> Claim:
    """A claim of `kind` for a completed class of the actor's institution, once per class and
    kind (a rejected claim may be made again); call inside a transaction."""
    what, rebuild = CLASS_CLAIMS[kind]
    training_class = (
        TrainingClass.objects.select_for_update()
        .select_related("institution", "occupation")
        .get(pk=training_class.pk)
    )
    if (
        actor.role != Role.INSTITUTION_OPERATOR
        or not training_class.institution.members.filter(pk=actor.pk).exists()
    ):
        raise ApplicationError(f"只有本机构的经办人可以申领该班级的{what}")
    if training_class.status != ClassStatus.COMPLETED:
        raise ApplicationError(f"班级状态为“{training_class.get_status_display()}”，结业后才能申领{what}")
    if Claim.objects.filter(training_class=training_class, kind=kind).exclude(status=S.REJECTED).exists():
        raise ApplicationError(f"该班级已有{what}申领，不能重复申领")
    claim = Claim.objects.create(
        kind=kind,
        district_id=training_class.district_id,
        year=training_class.end_date.year,
        institution=training_class.institution,
        training_class=training_class,
        class_snapshot=class_snapshot(training_class),
    )
    rebuild(claim, training_class)
    state_change_record(obj=claim, actor=actor, from_state="", to_state=S.DRAFT, reason=f"创建{what}申领")
    return claim
