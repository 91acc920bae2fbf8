"""The data lock of the claims made for a completed class: the class as approved, stored on the
claim, and what no longer matches it."""

from __future__ import annotations

from typing import Any

from apps.classes.models import ClassStatus, TrainingClass
from apps.trainees.models import EnrolmentStatus

from ..models import (
    Claim,
    ClaimKind,
)

# The kinds claimed for a completed class, whose lines follow the class (class_claims.CLASS_CLAIMS).
CLASS_KINDS = (ClaimKind.CLASS_COMPLETION, ClaimKind.LIVING_ALLOWANCE)


def class_snapshot(training_class: TrainingClass) -> dict[str, Any]:
    enrolments = training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).order_by("pk")
    return {
        "occupation": training_class.occupation.code,
        "level": training_class.level,
        "standard": str(training_class.standard),
        "rate": str(training_class.rate),
        "class_hours": training_class.class_hours,
        "online_rate": str(training_class.online_rate),
        "start": training_class.start_date.isoformat(),
        "end": training_class.end_date.isoformat(),
        "approved_on": training_class.approved_on.isoformat() if training_class.approved_on else None,
        "trainees": list(enrolments.values_list("person_id", flat=True)),
    }


SNAPSHOT_LABELS = {
    "occupation": "职业（工种）",
    "level": "等级",
    "standard": "补贴标准 S",
    "rate": "日补贴标准 r",
    "class_hours": "课时 H",
    "online_rate": "线上日补贴标准",
    "start": "开班日期",
    "end": "结业日期",
    "approved_on": "审核通过日期",
    "trainees": "学员名单",
}


def claim_data_lock(claim: Claim) -> list[str]:
    """What no longer matches the approved class the claim was made for (data lock): each
    difference in words. Empty when the claim still matches."""
    if claim.kind not in CLASS_KINDS or claim.training_class_id is None:
        return []
    training_class = TrainingClass.objects.select_related("occupation").get(pk=claim.training_class_id)
    now = class_snapshot(training_class)
    differences = []
    if training_class.status not in (ClassStatus.COMPLETED, ClassStatus.CLOSED):
        differences.append(f"班级状态为“{training_class.get_status_display()}”，不是已结业")
    for key, label in SNAPSHOT_LABELS.items():
        before, after = claim.class_snapshot.get(key), now.get(key)
        if before != after:
            if key == "trainees":
                # A snapshot without its trainees (a claim made before they were recorded) has none.
                before, after = set(before or ()), set(after or ())
                added, removed = after - before, before - after
                differences.append(f"{label}已变化：新增 {len(added)} 人，减少 {len(removed)} 人")
            else:
                differences.append(f"{label}由 {before} 变为 {after}")
    return differences
