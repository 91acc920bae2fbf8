"""Reads of process-supervision inspections and draws, scoped by the inspection policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from apps.audits.models import AuditFinding
from apps.trainees.models import Enrolment

from .models import Inspection, InspectionDraw, InspectionPhoto, InspectionStatus, RosterCheck
from .permissions import inspection_policy, inspectors_for

if TYPE_CHECKING:
    from apps.accounts.models import User


def _visible(user: User) -> QuerySet[Inspection]:
    return inspection_policy.visible(user).order_by("-session__date", "-id")


def inspection_list(*, user: User) -> QuerySet[Inspection]:
    """The inspections the user may see, the session's date first (`filters.InspectionFilter`)."""
    return _visible(user).select_related(
        "session", "training_class__institution", "district", "inspector", "draw"
    )


def inspection_get(*, inspection_id: int, user: User) -> Inspection:
    return inspection_policy.get_visible(
        user,
        Inspection.objects.select_related("session", "training_class__institution", "district", "inspector"),
        pk=inspection_id,
    )


def my_open_inspections(*, user: User) -> QuerySet[Inspection]:
    """The inspections assigned to the user that wait for a visit, with the session and class the
    home page's panel shows: joined alone, not the list page's seven relations, whose planning
    cost PostgreSQL more than the query."""
    return (
        _visible(user)
        .filter(inspector_id=user.pk, status=InspectionStatus.ASSIGNED)
        .select_related("session", "training_class")
    )


def draws_for(*, user: User) -> QuerySet[InspectionDraw]:
    """The draws whose inspections the user may see (a district officer's district, or all)."""
    if user.is_city_wide:
        return InspectionDraw.objects.select_related("district", "drawn_by").order_by(
            "-week_start", "district_id"
        )
    if not inspection_policy.can(user, "draw"):
        return InspectionDraw.objects.none()
    return (
        InspectionDraw.objects.filter(district_id=user.district_id or 0)
        .select_related("district", "drawn_by")
        .order_by("-week_start")
    )


def roster_for(inspection: Inspection) -> list[dict[str, Any]]:
    """The class roster with what the visit recorded of each (present, absent, not checked) and
    whether they signed in for the session. ID numbers are not shown: the name identifies on site."""
    checks = {c.enrolment_id: c for c in RosterCheck.objects.filter(inspection=inspection)}
    rows = []
    for enrolment in (
        Enrolment.objects.filter(training_class_id=inspection.training_class_id)
        .select_related("person")
        .order_by("person__name", "pk")
    ):
        check = checks.get(enrolment.pk)
        rows.append(
            {
                "enrolment": enrolment.pk,
                "name": enrolment.person.name,
                "seen": None if check is None else ("present" if check.present else "absent"),
                "signed_in": None if check is None else check.signed_in,
            }
        )
    return rows


def inspection_findings(inspection: Inspection) -> list[AuditFinding]:
    if inspection.run_id is None:
        return []
    return list(AuditFinding.objects.filter(run_id=inspection.run_id).order_by("line_id", "pk"))


def inspection_photos(inspection: Inspection) -> list[InspectionPhoto]:
    return list(InspectionPhoto.objects.filter(inspection=inspection).order_by("pk"))


def photo_get(*, photo_id: int, user: User) -> InspectionPhoto:
    photo = InspectionPhoto.objects.filter(pk=photo_id).first()
    inspection_policy.get_visible(user, pk=photo.inspection_id if photo else 0)
    assert photo is not None, "a visible inspection's photo"
    return photo


def inspectors(inspection: Inspection) -> list[User]:
    """Who may take the inspection over: its district's inspectors but the one it is with."""
    return list(inspectors_for(inspection.district).exclude(pk=inspection.inspector_id or 0))
