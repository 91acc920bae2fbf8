from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import ClassStatus
from .selectors import class_queue_summary, class_status_counts


def class_queue_panel(user: Any) -> dict[str, Any]:
    summary = class_queue_summary(user=user)
    oldest = summary["oldest"]
    return {
        "title": "待审核开班申请",
        "count": summary["count"],
        "oldest_days": (timezone.now() - oldest).days if oldest else None,
    }


def institution_classes_panel(user: Any) -> dict[str, Any]:
    counts = class_status_counts(user=user)
    return {
        "title": "本机构开班申请",
        "counts": [(status.label, status.value, counts.get(status.value, 0)) for status in ClassStatus],
        "returned": counts.get(ClassStatus.RETURNED, 0),
    }
