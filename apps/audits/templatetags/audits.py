"""Template helpers of the audit pages: status classes and labels."""

from __future__ import annotations

from typing import Any

from django import template

from apps.core.models import choice_label

from ..models import Change, FindingStatus, RunStatus

register = template.Library()

RUN_CLASSES: dict[str, str] = {
    RunStatus.QUEUED: "status-submitted",
    RunStatus.RUNNING: "status-submitted",
    RunStatus.FINISHED: "status-approved",
    RunStatus.FAILED: "status-rejected",
}
FINDING_CLASSES: dict[str, str] = {
    FindingStatus.OPEN: "status-returned",
    FindingStatus.CONFIRMED: "status-rejected",
    FindingStatus.DISMISSED: "status-approved",
}
CHANGE_CLASSES: dict[str, str] = {
    Change.APPEARED: "status-returned",
    Change.PERSISTING: "",
    Change.CLEARED: "status-approved",
}


@register.filter
def run_status_class(status: str) -> str:
    return RUN_CLASSES.get(status, "")


@register.filter
def finding_status_class(status: str) -> str:
    return FINDING_CLASSES.get(status, "")


@register.filter
def change_class(change: str) -> str:
    return CHANGE_CLASSES.get(change, "")


@register.filter
def finding_status_label(status: str) -> str:
    return choice_label(FindingStatus, status, "—")


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key)
