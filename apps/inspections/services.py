"""Process supervision: draw a district's week, assign each drawn session to an inspector, record
a visit, and turn what the visit found into audit findings (A7, docs/audit-rules.md).

A visit finds absence when fewer people were present than signed in for the session, or when a
trainee the inspector saw absent is recorded as signed in. The findings go into an audit run of
scope "inspection" (one per visit, finished at once): one on the class (subject `class:<id>`) and
one on each claim line of each such trainee in that class. They are written confirmed, the
inspector's record being the evidence, so each blocks its line's approval (apps.audits' review
guard) until a district officer opens it again and dismisses it with a reason. A trainee who has
no claim line yet gets the finding on the line of the claim that names them, when that claim is
submitted (`inspection_findings_attach`, registered with apps.claims.extensions): no line can be
decided before its claim is submitted.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.audits.models import AuditFinding, AuditRun, FindingStatus, RunStatus, Scope
from apps.catalog.engine import inspection_rate_on
from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine, ClaimStatus, MaterialKind
from apps.claims.validators import check_upload
from apps.classes.models import ClassSession, ClassStatus, SessionMode, TrainingClass
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.core.uploads import stored_unless_failed
from apps.institutions.models import Institution
from apps.institutions.services import institution_users
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules import RULES_VERSION
from apps.trainees.models import Attendance, Enrolment

from . import engine
from .models import Inspection, InspectionDraw, InspectionPhoto, InspectionStatus, RosterCheck
from .permissions import inspection_policy, inspectors_for

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from apps.accounts.models import User

RULE = "A7"
# The classes whose sessions may be drawn: approved and not yet over.
RUNNING_CLASSES = (ClassStatus.APPROVED, ClassStatus.RUNNING)
# Photos only: what a claim material of kind "other" may be, less the documents.
PHOTO_TYPES = ("image/jpeg", "image/png")


def week_of(day: date) -> date:
    """The Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def next_week(today: date) -> date:
    return week_of(today) + timedelta(days=7)


# The draw ----------------------------------------------------------------------------------------


def _strata(institution_ids: set[int], week_start: date) -> dict[int, str]:
    """Each institution's risk stratum on the week (engine.WEIGHTS)."""
    confirmed = set(
        AuditFinding.objects.filter(current=True, status=FindingStatus.CONFIRMED)
        .filter(Q(institution_id__in=institution_ids) | Q(claim__institution_id__in=institution_ids))
        .values_list("institution_id", "claim__institution_id")
        .distinct()
        .iterator()
    )
    with_findings = {i for pair in confirmed for i in pair if i in institution_ids}
    returned = set(
        TrainingClass.objects.filter(
            institution_id__in=institution_ids, status__in=[ClassStatus.RETURNED, ClassStatus.REJECTED]
        ).values_list("institution_id", flat=True)
    )
    returned |= set(
        Claim.objects.filter(
            institution_id__in=institution_ids, status__in=[ClaimStatus.RETURNED, ClaimStatus.REJECTED]
        ).values_list("institution_id", flat=True)
    )
    year_before = timezone.make_aware(datetime.combine(week_start - timedelta(days=365), datetime.min.time()))
    new = set(
        Institution.objects.filter(pk__in=institution_ids, created_at__gt=year_before).values_list(
            "pk", flat=True
        )
    )
    return {
        i: engine.stratum_of(findings=i in with_findings, returned=i in returned, new=i in new)
        for i in institution_ids
    }


def _candidates(district: District, week_start: date) -> list[tuple[ClassSession, str]]:
    sessions = list(
        ClassSession.objects.filter(
            training_class__district=district,
            training_class__status__in=RUNNING_CLASSES,
            date__gte=week_start,
            date__lte=week_start + timedelta(days=6),
        )
        .exclude(mode=SessionMode.RECORDED)
        .select_related("training_class")
        .order_by("pk")
    )
    strata = _strata({s.training_class.institution_id for s in sessions}, week_start)
    return [(s, strata[s.training_class.institution_id]) for s in sessions]


@dataclass(frozen=True)
class DrawResult:
    draw: InspectionDraw
    inspections: list[Inspection]


@transaction.atomic
def inspection_draw(
    *, district: District, week_start: date, actor: User | None, seed: int | None = None
) -> DrawResult:
    """Draw a district's week (Monday `week_start`): a weighted sample of its sessions, at the
    district's rate, each assigned to an inspector in turn. Once a week: a second draw is refused.
    `actor` None is the weekly beat task."""
    if actor is not None and not inspection_policy.may_draw(actor, district):
        raise ApplicationError("您无权抽取该区县的过程监管检查：区县经办人员只能抽取本区县", field="district")
    if week_start.weekday() != 0:
        raise ApplicationError("抽查周须从周一开始", field="week_start")
    District.objects.select_for_update().get(pk=district.pk)
    if InspectionDraw.objects.filter(district=district, week_start=week_start).exists():
        raise ApplicationError(
            f"{district.name} {week_start.isoformat()} 这一周已经抽取过", field="week_start"
        )
    seed = secrets.randbits(48) if seed is None else seed
    rate = inspection_rate_on(district=district, on=week_start)
    candidates = _candidates(district, week_start)
    drawn_ids = engine.draw(
        [engine.Candidate(s.pk, stratum) for s, stratum in candidates],
        rate=rate,
        district=district.code,
        week_start=week_start,
        seed=seed,
    )
    draw = InspectionDraw.objects.create(
        district=district,
        week_start=week_start,
        seed=seed,
        rate=rate,
        sessions_total=len(candidates),
        drawn_by=actor,
        inputs={
            "district": district.code,
            "week_start": week_start.isoformat(),
            "seed": seed,
            "rate": str(rate),
            "weights": engine.WEIGHTS,
            "candidates": [[s.pk, stratum] for s, stratum in candidates],
            "drawn": drawn_ids,
        },
    )
    by_id = {s.pk: (s, stratum) for s, stratum in candidates}
    inspectors = list(inspectors_for(district))
    inspections = []
    for n, session_id in enumerate(drawn_ids):
        session, stratum = by_id[session_id]
        inspections.append(
            Inspection.objects.create(
                draw=draw,
                session=session,
                training_class=session.training_class,
                district=district,
                stratum=stratum,
                inspector=inspectors[n % len(inspectors)] if inspectors else None,
            )
        )
    state_change_record(
        obj=draw,
        actor=actor,
        from_state="",
        to_state="drawn",
        reason=(
            f"抽取 {district.name} {week_start.isoformat()} 一周课次 {len(candidates)} 个中的 "
            f"{len(drawn_ids)} 个（比例 {rate}，种子 {seed}）"
        ),
        changes={**draw.inputs, "inspections": [i.pk for i in inspections]},
    )
    for inspection in inspections:
        if inspection.inspector is not None:
            notify(
                recipients=[inspection.inspector],
                kind="inspection_assigned",
                title=f"过程监管检查 #{inspection.pk}：{inspection.session} {inspection.training_class.name}",
                body="请按时到场检查并记录在场人数、花名册核对情况和照片。",
                link=reverse("inspections:detail", args=[inspection.pk]),
                exclude=actor,
            )
    return DrawResult(draw, inspections)


def inspection_draw_weekly(*, today: date | None = None) -> list[InspectionDraw]:
    """The beat task's draw of next week in every district not drawn yet (each in its own
    transaction; a district whose draw fails is logged by the task and left for its officer)."""
    week = next_week(today or timezone.localdate())
    drawn = set(InspectionDraw.objects.filter(week_start=week).values_list("district_id", flat=True))
    out = []
    for district in District.objects.exclude(pk__in=drawn).order_by("pk"):
        out.append(inspection_draw(district=district, week_start=week, actor=None).draw)
    return out


def redraw(inputs: dict[str, Any]) -> list[int]:
    """The sessions a stored draw's inputs give (what the draw page offers to check)."""
    return engine.draw(
        [engine.Candidate(session, stratum) for session, stratum in inputs["candidates"]],
        rate=Decimal(inputs["rate"]),
        district=inputs["district"],
        week_start=date.fromisoformat(inputs["week_start"]),
        seed=int(inputs["seed"]),
    )


# The visit ---------------------------------------------------------------------------------------


def _signed_in(session: ClassSession) -> set[int]:
    """The enrolments with a sign-in (an attendance row) for the session."""
    return set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))


def _finding(
    run: AuditRun, inspection: Inspection, actor: User | None, now: datetime, **values: Any
) -> AuditFinding:
    return AuditFinding(
        run=run,
        rule=RULE,
        district_id=inspection.district_id,
        institution_id=inspection.training_class.institution_id,
        status=FindingStatus.CONFIRMED,
        resolution_reason=f"过程监管检查 #{inspection.pk} 的现场记录",
        resolved_by=actor,
        resolved_at=now,
        current=True,
        **values,
    )


def _details(inspection: Inspection, **more: Any) -> dict[str, Any]:
    session = inspection.session
    return {
        "inspection": inspection.pk,
        "session": session.pk,
        "class": inspection.training_class_id,
        "date": session.date.isoformat(),
        "time": session.start_time.strftime("%H:%M"),
        **more,
    }


def _line_findings(
    run: AuditRun, inspection: Inspection, lines: Iterable[ClaimLine], actor: User | None, now: datetime
) -> list[AuditFinding]:
    findings = [
        _finding(
            run,
            inspection,
            actor,
            now,
            subject=f"line:{line.pk}",
            line=line,
            claim_id=line.claim_id,
            person_id=line.person_id,
            details=_details(inspection, kind="person", enrolment=line.enrolment_id),
        )
        for line in lines
    ]
    return AuditFinding.objects.bulk_create(findings)


def _claimed_lines(enrolment_ids: Iterable[int]) -> list[ClaimLine]:
    """The claim lines of these enrolments in claims that stand (a rejected claim pays nothing)."""
    return list(
        ClaimLine.objects.filter(enrolment_id__in=list(enrolment_ids))
        .exclude(claim__status=ClaimStatus.REJECTED)
        .order_by("pk")
    )


@transaction.atomic
def inspection_record(
    *,
    inspection: Inspection,
    actor: User,
    visited_at: datetime,
    head_count: int,
    present: Iterable[int],
    absent: Iterable[int],
    remarks: str = "",
) -> Inspection:
    """The inspector's record of the visit: when, how many were present, who on the roster was
    seen present and who absent (enrolment ids; those not checked left out), remarks. Writes the
    A7 findings the visit shows (module docstring) and tells the institution and the officers."""
    inspection = (
        Inspection.objects.select_for_update()
        .select_related("session", "training_class")
        .get(pk=inspection.pk)
    )
    inspection_policy.check(actor, "record", inspection)
    present, absent = set(present), set(absent)
    if present & absent:
        raise ApplicationError("同一学员不能既在场又缺席", field="absent", rule=RULE)
    roster = set(
        Enrolment.objects.filter(training_class_id=inspection.training_class_id).values_list("pk", flat=True)
    )
    if not (present | absent) <= roster:
        raise ApplicationError("核对的学员须是本班花名册上的学员", field="present", rule=RULE)
    if head_count < 0:
        raise ApplicationError("在场人数不能为负数", field="head_count", rule=RULE)
    if head_count < len(present):
        raise ApplicationError(
            f"在场人数 {head_count} 少于核对为在场的学员 {len(present)} 人", field="head_count", rule=RULE
        )
    if visited_at > timezone.now() + timedelta(minutes=5):
        raise ApplicationError("检查时间不能晚于现在", field="visited_at", rule=RULE)
    signed = _signed_in(inspection.session)
    RosterCheck.objects.bulk_create(
        RosterCheck(inspection=inspection, enrolment_id=e, present=e in present, signed_in=e in signed)
        for e in sorted(present | absent)
    )
    absent_signed = sorted(absent & signed)
    inspection.status = InspectionStatus.VISITED
    inspection.visited_at = visited_at
    inspection.head_count = head_count
    inspection.signed_in = len(signed)
    inspection.remarks = remarks.strip()
    findings: list[AuditFinding] = []
    if head_count < len(signed) or absent_signed:
        now = timezone.now()
        run = AuditRun.objects.create(
            scope=Scope.INSPECTION,
            district_id=inspection.district_id,
            scope_key=f"inspection:{inspection.pk}",
            status=RunStatus.FINISHED,
            rules_version=RULES_VERSION,
            started_by=actor,
            started_at=now,
            finished_at=now,
        )
        findings = AuditFinding.objects.bulk_create(
            [
                _finding(
                    run,
                    inspection,
                    actor,
                    now,
                    subject=f"class:{inspection.training_class_id}",
                    details=_details(
                        inspection,
                        kind="class",
                        head_count=head_count,
                        signed_in=len(signed),
                        absent_signed_in=len(absent_signed),
                    ),
                )
            ]
        )
        findings += _line_findings(run, inspection, _claimed_lines(absent_signed), actor, now)
        run.findings_count = run.appeared_count = len(findings)
        run.save(update_fields=["findings_count", "appeared_count"])
        inspection.run = run
        state_change_record(
            obj=run,
            actor=actor,
            from_state="",
            to_state=RunStatus.FINISHED,
            reason=f"过程监管检查 #{inspection.pk} 发现缺勤：稽核疑点 {len(findings)} 条 (A7)",
            changes={"findings": [f.pk for f in findings]},
        )
    inspection.save()
    state_change_record(
        obj=inspection,
        actor=actor,
        from_state=InspectionStatus.ASSIGNED,
        to_state=InspectionStatus.VISITED,
        reason=inspection.remarks,
        changes={
            "visited_at": visited_at.isoformat(),
            "head_count": head_count,
            "signed_in": len(signed),
            "present": sorted(present),
            "absent": sorted(absent),
            "absent_signed_in": absent_signed,
            "findings": [f.pk for f in findings],
        },
    )
    if findings:
        title = (
            f"过程监管检查 #{inspection.pk}：{inspection.session} {inspection.training_class.name}发现缺勤"
        )
        body = f"现场在场 {head_count} 人，签到 {len(signed)} 人；稽核疑点 {len(findings)} 条 (A7)。"
        notify(
            recipients=list(institution_users(inspection.training_class.institution))
            + list(district_officers(district_id=inspection.district_id)),
            kind="inspection_findings",
            title=title,
            body=body,
            link=reverse("inspections:detail", args=[inspection.pk]),
            exclude=actor,
        )
    return inspection


def inspection_findings_attach(claim: Any) -> list[AuditFinding]:
    """On a claim's submission (apps.claims.extensions): its lines of trainees a visit saw absent
    while signed in, that have no A7 finding of that visit yet, get one (in the visit's run)."""
    absences = list(
        RosterCheck.objects.filter(
            present=False,
            signed_in=True,
            inspection__run__isnull=False,
            enrolment_id__in=claim.lines.filter(enrolment__isnull=False).values("enrolment_id"),
        ).select_related("inspection__run", "inspection__session", "inspection__training_class")
    )
    written: list[AuditFinding] = []
    for absence in absences:
        inspection = absence.inspection
        assert inspection.run is not None, "filtered on a run"
        have = AuditFinding.objects.filter(run=inspection.run, line__isnull=False).values("line_id")
        lines = claim.lines.filter(enrolment_id=absence.enrolment_id).exclude(pk__in=have).order_by("pk")
        new = _line_findings(inspection.run, inspection, lines, inspection.inspector, timezone.now())
        if new:
            state_change_record(
                obj=inspection,
                actor=None,
                from_state=inspection.status,
                to_state=inspection.status,
                reason=f"申领 #{claim.pk} 提交：写入稽核疑点 {len(new)} 条 (A7)",
                changes={"claim": claim.pk, "findings": [f.pk for f in new]},
            )
        written += new
    return written


# Photos ------------------------------------------------------------------------------------------


@transaction.atomic
def inspection_photo_upload(*, inspection: Inspection, actor: User, upload: UploadedFile) -> InspectionPhoto:
    """A photo of the visit, checked as a claim material is (type by content, size), stored under a
    random name; JPG or PNG only."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    inspection_policy.check(actor, "photo", inspection)
    checked = check_upload(
        kind=MaterialKind.OTHER, file=upload, name=upload.name or "", size=upload.size or 0
    )
    if checked.content_type not in PHOTO_TYPES:
        raise ApplicationError(
            f"上传文件：检查照片只接受 jpg、png 格式，“{checked.name}”不是照片", field="file"
        )
    photo = InspectionPhoto(
        inspection=inspection,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor,
    )
    with stored_unless_failed(photo.file, checked.storage_name, upload):
        photo.save()
        state_change_record(
            obj=inspection,
            actor=actor,
            from_state=inspection.status,
            to_state=inspection.status,
            reason=f"上传检查照片“{checked.name}”",
            changes={"photo": photo.pk, "name": checked.name, "size": checked.size},
        )
    return photo


# Reassignment ------------------------------------------------------------------------------------


@transaction.atomic
def inspection_reassign(*, inspection: Inspection, actor: User, inspector_id: int, reason: str) -> Inspection:
    """Give an inspection not yet visited to another inspector of its district (an officer, or
    staff of an agency contracted there for process supervision): the inspector is ill, the
    session moved, a conflict of interest. Both are told; the change is logged with its reason."""
    inspection = (
        Inspection.objects.select_for_update()
        .select_related("session", "training_class")
        .get(pk=inspection.pk)
    )
    inspection_policy.check(actor, "reassign", inspection)
    reason = reason.strip()
    if not reason:
        raise ApplicationError("请说明改派原因", field="reason")
    new = inspectors_for(inspection.district).filter(pk=inspector_id).first()
    if new is None:
        raise ApplicationError(
            "改派的检查人员须是该区县的经办人员或受委托开展过程监管的第三方机构人员", field="inspector"
        )
    if new.pk == inspection.inspector_id:
        raise ApplicationError("已由该检查人员负责", field="inspector")
    old = inspection.inspector
    inspection.inspector = new
    inspection.save(update_fields=["inspector", "updated_at"])
    state_change_record(
        obj=inspection,
        actor=actor,
        from_state=inspection.status,
        to_state=inspection.status,
        reason=f"改派检查人员：{old or '（未分配）'} → {new}；原因：{reason}",
        changes={"from_inspector": old.pk if old else None, "to_inspector": new.pk},
    )
    title = f"过程监管检查 #{inspection.pk}：{inspection.session} {inspection.training_class.name}"
    notify(
        recipients=[new],
        kind="inspection_assigned",
        title=title,
        body=f"改派给您：{reason}。请按时到场检查并记录。",
        link=reverse("inspections:detail", args=[inspection.pk]),
        exclude=actor,
    )
    if old is not None:
        notify(
            recipients=[old],
            kind="inspection_reassigned",
            title=f"{title} 已改派给 {new}",
            body=reason,
            link=reverse("inspections:detail", args=[inspection.pk]),
            exclude=actor,
        )
    return inspection
