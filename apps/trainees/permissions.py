"""Who may see and act on rosters (enrolments) and the persons on them.

A roster is read by everyone who may read its class (classes.permissions.class_policy): the
class's own operators, the officers of its district, engaged third-party reviewers, the
municipal admin, the auditor, and the filers of the employer whose training centre runs it.
Only the class's own operators enrol and withdraw. ID numbers and phones are always shown
masked; the class's operators, the officers of its district and the municipal admin may reveal
one person's in full by an explicit, logged action (PersonalDataView). Everyone else: masked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import Role
from apps.classes.models import ClassStatus, TrainingClass
from apps.classes.permissions import class_policy, is_class_operator, is_class_reviewer
from apps.core.permissions import PermissionPolicy, is_active_user

from .models import Enrolment, ImportJob, Person

if TYPE_CHECKING:
    from apps.accounts.models import User

# A roster changes while the class is approved or running; completed and closed rosters are final.
ROSTER_OPEN = (ClassStatus.APPROVED, ClassStatus.RUNNING)


def may_enrol(user: User, training_class: TrainingClass) -> bool:
    """Enrol, upload a roster, download its template, withdraw: the class's own operators."""
    return is_active_user(user) and is_class_operator(user, training_class)


def may_reveal_for_class(user: User, training_class: TrainingClass) -> bool:
    """Whether `user` may reveal the personal data of the people on this class's roster."""
    return is_active_user(user) and (
        is_class_operator(user, training_class) or is_class_reviewer(user, training_class)
    )


def _revealable_classes(user: User) -> Q | None:
    """A filter on TrainingClass for the classes whose trainees `user` may reveal; None: none."""
    if not is_active_user(user):
        return None
    if user.role == Role.MUNICIPAL_ADMIN:
        return Q()
    if user.role == Role.DISTRICT_OFFICER:
        return Q(district_id=user.district_id)
    if user.role == Role.INSTITUTION_OPERATOR:
        return Q(institution__members=user)
    return None


class EnrolmentPolicy(PermissionPolicy[Enrolment]):
    """Actions: view; withdraw (the class's operators); reveal (see the module docstring)."""

    model = Enrolment

    def visible(self, user: User) -> QuerySet[Enrolment]:
        return Enrolment.objects.filter(training_class__in=class_policy.visible(user))

    def can(self, user: User, action: str, obj: Enrolment | None = None) -> bool:
        if obj is None or not is_active_user(user):
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "withdraw":
            return may_enrol(user, obj.training_class)
        if action == "reveal":
            return may_reveal_for_class(user, obj.training_class)
        return False


# Other places a person appears, registered by the apps to the right (apps.claims: the workers and
# apprentices of an enterprise's claims are on no roster). Each gives, for a user, a filter on
# Person for the persons it lets the user see, and one for those it lets the user reveal.
PersonScope = Callable[[Any], "Q | None"]
extra_visible: list[PersonScope] = []
extra_revealable: list[PersonScope] = []


def register_person_scope(*, visible: PersonScope, revealable: PersonScope) -> None:
    extra_visible.append(visible)
    extra_revealable.append(revealable)


def _with_extra(condition: Q | None, extra: list[PersonScope], user: User) -> Q | None:
    for scope in extra:
        more = scope(user)
        if more is not None:
            condition = more if condition is None else condition | more
    return condition


class PersonPolicy(PermissionPolicy[Person]):
    """A person is visible to whoever may read a class the person is (or was) enrolled in, or
    another place an app registered (a claim). Actions: view; reveal (when one of those classes, or
    places, lets the user reveal)."""

    model = Person

    def visible(self, user: User) -> QuerySet[Person]:
        in_scope = Enrolment.objects.filter(
            person=OuterRef("pk"), training_class__in=class_policy.visible(user)
        )
        condition = _with_extra(Q(Exists(in_scope)), extra_visible, user)
        return Person.objects.filter(condition)

    def revealable(self, user: User) -> QuerySet[Person]:
        """The persons whose full ID number and phone `user` may reveal (`reveal`), as a queryset:
        other apps' lists mark the people on them with it in the same query."""
        scope = _revealable_classes(user)
        condition = None
        if scope is not None:
            in_scope = Enrolment.objects.filter(
                person=OuterRef("pk"), training_class__in=TrainingClass.objects.filter(scope)
            )
            condition = Q(Exists(in_scope))
        condition = _with_extra(condition, extra_revealable, user) if is_active_user(user) else None
        return Person.objects.filter(condition) if condition is not None else Person.objects.none()

    def can(self, user: User, action: str, obj: Person | None = None) -> bool:
        if obj is None or not is_active_user(user):
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "reveal":
            return self.revealable(user).filter(pk=obj.pk).exists()
        return False


enrolment_policy = EnrolmentPolicy()
person_policy = PersonPolicy()


class ImportJobPolicy(PermissionPolicy[ImportJob]):
    """Actions: view (the job's page, its progress and its row errors): the one who uploaded the
    file, and the officers of the class's district. Nobody else, the file's own institution's
    other operators included: the errors name trainees."""

    model = ImportJob

    def visible(self, user: User) -> QuerySet[ImportJob]:
        if not is_active_user(user):
            return ImportJob.objects.none()
        mine = Q(requested_by=user)
        if user.role == Role.DISTRICT_OFFICER:
            mine |= Q(training_class__district_id=user.district_id)
        return ImportJob.objects.filter(mine)

    def can(self, user: User, action: str, obj: ImportJob | None = None) -> bool:
        if action != "view" or obj is None or not is_active_user(user):
            return False
        return self.visible(user).filter(pk=obj.pk).exists()


import_job_policy = ImportJobPolicy()
