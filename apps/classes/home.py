from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .models import ClassStatus
from .selectors import (
    class_queue_summary,
    class_status_counts,
    classes_awaiting_recommendation,
    returned_with_reasons,
)

if TYPE_CHECKING:
    from apps.accounts.models import User


def class_queue_panel(user: User) -> dict[str, Any]:
    summary = class_queue_summary(user=user)
    oldest = summary["oldest"]
    return {
        "title": "待审核开班申请",
        "count": summary["count"],
        "oldest_days": (timezone.now() - oldest).days if oldest else None,
    }


def institution_classes_panel(user: User) -> dict[str, Any]:
    counts = class_status_counts(user=user)
    return {
        "title": "本机构开班申请",
        "counts": [(status.label, status.value, counts.get(status.value, 0)) for status in ClassStatus],
        "returned": counts.get(ClassStatus.RETURNED, 0),
        # The latest returns, each with why, so the reason is read on the home page (issue 14).
        "returned_items": returned_with_reasons(user=user) if counts.get(ClassStatus.RETURNED) else [],
    }


def reviewer_classes_panel(user: User) -> dict[str, Any]:
    """A third party's class applications awaiting its pre-review (R7.1)."""
    awaiting = classes_awaiting_recommendation(user=user)
    return {
        "title": "待提出审核意见的开班申请",
        "count": awaiting.count(),
        "items": list(awaiting.select_related("institution").order_by("submitted_at", "pk")[:10]),
    }
