"""Reading rosters and the registry, scoped by the user (404 outside their scope).

For the attendance, results and claims code: `enrolments_active(training_class=…)` is the
roster that counts (withdrawn people left out); `roster_by_id_number(training_class=…)` maps ID
numbers to those enrolments in one query, for imports keyed by ID number; `enrolment_get(…)`
fetches one enrolment the user may see; `roster_is_open` says whether the roster may still
change and `roster_is_complete` whether it holds anyone to take attendance or results for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from apps.classes.models import TrainingClass
from apps.classes.selectors import class_get
from apps.core.masking import mask_id_number, mask_phone
from apps.rules.enterprise import TRAINEE_RELATIONS

from ..models import Enrolment, EnrolmentStatus, Person, TargetGroup
from ..permissions import ROSTER_OPEN, enrolment_policy, person_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

# The last 4–6 characters of an ID number, as shown masked. Never the whole number: a search is a
# GET, and the whole number would end up in URLs and access logs.
GROUP_LABELS = dict(TargetGroup.choices)


def roster_class_get(*, class_id: int, user: User) -> TrainingClass:
    """The class whose roster the user asks for: any class the user may read."""
    return class_get(class_id=class_id, user=user)


def roster_is_open(training_class: TrainingClass) -> bool:
    """Enrolment and withdrawal are possible: the class is approved or running."""
    return training_class.status in ROSTER_OPEN


def enrolments_active(*, training_class: TrainingClass) -> QuerySet[Enrolment]:
    """The people on the class's roster now (withdrawn ones left out), with their person row."""
    return (
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .select_related("person")
        .order_by("pk")
    )


def roster_is_complete(*, training_class: TrainingClass) -> bool:
    """The class has a roster to take attendance and results for: at least one person enrolled."""
    return enrolments_active(training_class=training_class).exists()


def roster_by_id_number(*, training_class: TrainingClass) -> dict[str, Enrolment]:
    """The active roster by ID number, in one query."""
    return {e.person.id_number: e for e in enrolments_active(training_class=training_class)}


def enrolment_get(*, enrolment_id: int, user: User) -> Enrolment:
    return enrolment_policy.get_visible(
        user,
        Enrolment.objects.select_related(
            "person", "training_class__institution", "training_class__district", "training_class__occupation"
        ),
        pk=enrolment_id,
    )


def roster_list(*, training_class: TrainingClass) -> QuerySet[Enrolment]:
    """The class's enrolments with their person and groups; `filters.RosterFilter` narrows the list."""
    return (
        Enrolment.objects.filter(training_class=training_class)
        .select_related("person")
        .prefetch_related("person__groups")
    )


def roster_counts(*, training_class: TrainingClass) -> dict[str, int]:
    """How many enrolled, withdrawn and enrolled with warnings: one query."""
    enrolled = Q(status=EnrolmentStatus.ENROLLED)
    return Enrolment.objects.filter(training_class=training_class).aggregate(
        enrolled=Count("pk", filter=enrolled),
        withdrawn=Count("pk", filter=Q(status=EnrolmentStatus.WITHDRAWN)),
        with_warnings=Count("pk", filter=enrolled & ~Q(warnings=[])),
    )


def person_get(*, person_id: int, user: User) -> Person:
    return person_policy.get_visible(user, pk=person_id)


def person_enrolments(*, person: Person, user: User) -> QuerySet[Enrolment]:
    """The person's enrolments in classes the user may read, latest class first."""
    return (
        enrolment_policy.visible(user)
        .filter(person=person)
        .select_related("training_class__institution", "training_class__occupation")
        .order_by("-training_class__start_date", "-pk")
    )


@dataclass(frozen=True)
class PersonShown:
    """A person's personal data as one user may see it: masked unless revealed."""

    person: Person
    revealed: bool

    @property
    def id_number(self) -> str:
        return self.person.id_number if self.revealed else mask_id_number(self.person.id_number)

    @property
    def phone(self) -> str:
        if not self.person.phone:
            return ""
        return self.person.phone if self.revealed else mask_phone(self.person.phone)

    @property
    def birth(self) -> str:
        """The birth date is digits 7–14 of the ID number: only its year unless revealed."""
        return self.person.birth_date.isoformat() if self.revealed else f"{self.person.birth_date.year} 年"


def group_labels(person: Person) -> list[str]:
    """The person's target groups in words (uses a prefetched `groups` when there is one)."""
    return [str(GROUP_LABELS.get(g.group, g.group)) for g in person.groups.all()]


def relation_label(enrolment: Enrolment) -> str:
    return TRAINEE_RELATIONS.get(enrolment.relation, enrolment.relation)
