from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from apps.accounts.models import Role
from apps.catalog.permissions import in_visible_districts
from apps.core.permissions import PermissionPolicy, is_active_user
from apps.institutions.models import ContractScope
from apps.institutions.permissions import contract_districts

from .models import ClassStatus, TrainingClass

if TYPE_CHECKING:
    from apps.accounts.models import User

OPERATOR_ACTIONS = {"change", "submit", "start", "complete"}
REVIEWER_ACTIONS = {"approve", "return", "reject", "close"}
# Roles that inspect and never apply: they see an application only once it has been submitted.
UNSUBMITTED_HIDDEN_FROM = frozenset({Role.THIRD_PARTY_REVIEWER, Role.AUDITOR})
# The permission action behind each move of the lifecycle, by the status it moves to.
ACTIONS: dict[str, str] = {
    ClassStatus.SUBMITTED: "submit",
    ClassStatus.APPROVED: "approve",
    ClassStatus.RETURNED: "return",
    ClassStatus.REJECTED: "reject",
    ClassStatus.RUNNING: "start",
    ClassStatus.COMPLETED: "complete",
    ClassStatus.CLOSED: "close",
}


def is_class_operator(user: User, training_class: TrainingClass) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.INSTITUTION_OPERATOR
        and training_class.institution.members.filter(pk=user.pk).exists()
    )


def is_engaged_class_reviewer(user: User, training_class: TrainingClass) -> bool:
    """A third-party agency with a contract in force for institution review (机构审核) in the
    class's district: recommends, never decides (R7.1)."""
    return bool(
        is_active_user(user)
        and user.role == Role.THIRD_PARTY_REVIEWER
        and contract_districts(user, ContractScope.INSTITUTION_REVIEW)
        .filter(pk=training_class.district_id)
        .exists()
    )


def is_class_reviewer(user: User, training_class: TrainingClass) -> bool:
    """Final decisions on a class: the officers of its district and the municipal admin."""
    if not is_active_user(user):
        return False
    if user.role == Role.MUNICIPAL_ADMIN:
        return True
    return user.role == Role.DISTRICT_OFFICER and user.district_id == training_class.district_id


class TrainingClassPolicy(PermissionPolicy):
    model = TrainingClass

    def visible(self, user: User) -> QuerySet[TrainingClass]:
        if not is_active_user(user):
            return TrainingClass.objects.none()
        if user.role == Role.INSTITUTION_OPERATOR:
            return TrainingClass.objects.filter(institution__members=user)
        if user.role == Role.ENTERPRISE_FILER:
            return TrainingClass.objects.filter(institution__employer__members=user)
        classes = in_visible_districts(TrainingClass.objects.all(), user)
        if user.role in UNSUBMITTED_HIDDEN_FROM:
            # A draft application is the institution's own work until it is submitted (issue 14).
            classes = classes.exclude(status=ClassStatus.DRAFT)
        return classes

    def can(self, user: User, action: str, obj: TrainingClass | None = None) -> bool:
        if action == "view":
            return obj is None or self.visible(user).filter(pk=obj.pk).exists()
        if action == "add":
            return getattr(user, "is_authenticated", False) and user.role == Role.INSTITUTION_OPERATOR
        if obj is None:
            return False
        if action in OPERATOR_ACTIONS:
            return is_class_operator(user, obj)
        if action in REVIEWER_ACTIONS:
            return is_class_reviewer(user, obj)
        if action == "recommend":
            return is_engaged_class_reviewer(user, obj)
        return False


class_policy = TrainingClassPolicy()
