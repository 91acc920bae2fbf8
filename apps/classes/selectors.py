from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, QuerySet

from apps.core.models import choice_label
from apps.core.selectors import latest_change_to, latest_changes_to, state_changes_for
from apps.institutions.models import ContractScope
from apps.institutions.permissions import contract_districts

from .models import ClassStatus, TrainingClass
from .permissions import class_policy

if TYPE_CHECKING:
    from apps.accounts.models import User

if TYPE_CHECKING:
    from apps.accounts.models import User


def class_list(*, user: User) -> QuerySet[TrainingClass]:
    """The classes the user may see (narrowed by `filters.ClassFilter` on a list)."""
    return class_policy.visible(user).select_related("institution", "district", "occupation")


def class_get(*, class_id: int, user: User) -> TrainingClass:
    return class_policy.get_visible(
        user,
        TrainingClass.objects.select_related("institution", "district", "occupation", "rate_row"),
        pk=class_id,
    )


def class_queue_summary(*, user: User) -> dict[str, Any]:
    """Applications waiting for a decision: how many and since when."""
    waiting = class_policy.visible(user).filter(status=ClassStatus.SUBMITTED)
    return waiting.aggregate(count=Count("pk"), oldest=Min("submitted_at"))


def class_status_counts(*, user: User) -> dict[str, int]:
    rows = class_policy.visible(user).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def change_detail(changes: dict[str, Any]) -> str:
    """An edit of the application in words: each field before → after, the sessions added,
    removed and changed (apps.classes.services.class_changes)."""
    parts = [f"{label}：{before} → {after}" for label, (before, after) in changes.get("fields", {}).items()]
    sessions = changes.get("sessions", {})
    parts += [f"新增课程 {text}" for text in sessions.get("added", [])]
    parts += [f"删除课程 {text}" for text in sessions.get("removed", [])]
    parts += [f"修改课程 {before} → {after}" for before, after in sessions.get("changed", [])]
    return "；".join(parts)


def class_history(*, training_class: TrainingClass) -> list[dict[str, Any]]:
    """The class's state-change log in words, oldest first (rendered by institutions/_history.html);
    an edit with what it changed, field by field and session by session."""
    entries = []
    for change in state_changes_for(obj=training_class).order_by("pk"):
        data = change.changes or {}
        detail = ""
        if not change.from_state:
            event = f"创建（{choice_label(ClassStatus, change.to_state)}）"
        elif "recommendation" in data:
            event = "第三方审核意见"
        elif change.from_state == change.to_state:
            event = f"修改（{choice_label(ClassStatus, change.to_state)}）"
            detail = "未修改任何内容" if data.get("unchanged") else change_detail(data)
        else:
            before, after = (
                choice_label(ClassStatus, change.from_state),
                choice_label(ClassStatus, change.to_state),
            )
            event = f"{before} → {after}"
        entries.append(
            {
                "at": change.created_at,
                "actor": change.actor,
                "event": event,
                "detail": detail,
                "reason": change.reason,
            }
        )
    return entries


def class_return_reason(*, training_class: TrainingClass) -> Any:
    """The latest 退回修改 of a returned application (who, when, why), or None."""
    if training_class.status != ClassStatus.RETURNED:
        return None
    return latest_change_to(obj=training_class, state=ClassStatus.RETURNED)


def returned_with_reasons(*, user: User, limit: int = 5) -> list[tuple[TrainingClass, Any]]:
    """The user's returned applications, newest first, each with its latest return (two queries)."""
    classes = list(
        class_policy.visible(user).filter(status=ClassStatus.RETURNED).order_by("-updated_at", "-pk")[:limit]
    )
    reasons = latest_changes_to(model=TrainingClass, ids=[c.pk for c in classes], state=ClassStatus.RETURNED)
    return [(c, reasons.get(c.pk)) for c in classes]


def classes_awaiting_recommendation(*, user: User) -> Any:
    """For a third-party reviewer: submitted applications in its districts with no advice yet."""
    return class_policy.visible(user).filter(
        status=ClassStatus.SUBMITTED,
        recommendation="",
        district__in=contract_districts(user, ContractScope.INSTITUTION_REVIEW),
    )
