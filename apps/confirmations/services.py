"""The trainee's word: ask each trainee on a submitted claim (`confirmations_request_for_claim`,
a claim-submitted hook), send the one-time link and code (`confirmation_deliver`, by the task
`confirmations.deliver` after the submission commits), take the answer (`confirmation_answer`:
a dispute writes A8 findings), and send again (`confirmation_resend`, an officer).

A request's secrets are made when its message is: the token (the link) and the code are drawn
in the worker, their SHA-256 digests stored, and the message sent; the secrets exist nowhere
else. Sending again draws new ones (the old link then answers nothing).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.audits.models import AuditFinding, AuditRun, FindingStatus, Scope
from apps.audits.services import witness_run_record
from apps.claims.models import Claim, ClaimStatus
from apps.core.errors import ApplicationError
from apps.core.masking import mask_name, mask_phone
from apps.core.messaging import DeliveryFailed, send_text
from apps.core.services import state_change_build, state_change_record, state_changes_save
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.trainees.models import Person

from .models import ANSWERABLE, ConfirmationRequest, ConfirmationStatus
from .permissions import confirmation_policy
from .selectors import digest, person_lines, person_sessions

if TYPE_CHECKING:
    from apps.accounts.models import User

RULE = "A8"
# The code's letters: no 0/O, 1/I/L (read aloud or typed from a text message).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Sending is tried this many times (each try a new link), then the request is left failed for an
# officer to send again.
MAX_ATTEMPTS = 3
REASON_MAX = 500
# The claims whose trainees are not asked (or may no longer answer): nothing will be paid.
CLOSED = (ClaimStatus.DRAFT, ClaimStatus.REJECTED)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# Asking ------------------------------------------------------------------------------------------


def _standing(claim: Claim) -> dict[int, ConfirmationRequest]:
    rows = (
        ConfirmationRequest.objects.select_for_update()
        .filter(claim=claim)
        .exclude(status=ConfirmationStatus.SUPERSEDED)
    )
    return {row.person_id: row for row in rows}


def _ask(
    claim: Claim, persons: Iterable[Person], actor: User | None, superseding: Iterable[ConfirmationRequest]
) -> list[ConfirmationRequest]:
    """Supersede `superseding`, create a request for each person, log both, and queue the sending
    once the transaction commits."""
    log = []
    for old in superseding:
        old.status = ConfirmationStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        log.append(
            state_change_build(
                obj=old,
                actor=actor,
                from_state=old.status_shown,
                to_state=ConfirmationStatus.SUPERSEDED,
                reason="重新发送，原链接和确认码作废",
            )
        )
    new = ConfirmationRequest.objects.bulk_create(
        ConfirmationRequest(
            claim=claim,
            person=person,
            requested_by=actor,
            status=ConfirmationStatus.QUEUED if person.phone.strip() else ConfirmationStatus.NO_PHONE,
            phone_masked=mask_phone(person.phone),
        )
        for person in persons
    )
    for row in new:
        log.append(
            state_change_build(
                obj=row,
                actor=actor,
                from_state="",
                to_state=row.status,
                reason=f"申领 #{claim.pk} 请学员确认"
                if row.status == ConfirmationStatus.QUEUED
                else "学员无手机号码，无法发送",
                changes={"claim": claim.pk, "person": row.person_id},
            )
        )
    state_changes_save(log)
    queued = [row.pk for row in new if row.status == ConfirmationStatus.QUEUED]
    if queued:
        transaction.on_commit(lambda: _queue(queued))
    return new


def _queue(request_ids: list[int], countdown: int = 0) -> None:
    from .tasks import deliver  # the task calls back into this module

    deliver.apply_async(args=(request_ids,), countdown=countdown)


def confirmations_request_for_claim(claim: Any) -> list[ConfirmationRequest]:
    """On a claim's submission (apps.claims.extensions): ask each trainee on it who has no request
    standing that still counts. An answer stands (a resubmitted claim is not asked again); a link
    still valid stays; a request that could not be sent or expired is replaced by a new one."""
    standing = _standing(claim)
    person_ids = set(claim.lines.values_list("person_id", flat=True))
    stale = [
        row
        for person_id, row in standing.items()
        if person_id in person_ids
        and (row.status in (ConfirmationStatus.FAILED, ConfirmationStatus.NO_PHONE) or row.expired)
    ]
    asking = (person_ids - set(standing)) | {row.person_id for row in stale}
    persons = Person.objects.filter(pk__in=asking).order_by("pk")
    return _ask(claim, persons, None, stale)


@transaction.atomic
def confirmation_resend(*, actor: User, claim: Claim, person_id: int) -> ConfirmationRequest:
    """An officer sends a trainee's request again (a new link and code; the old ones answer
    nothing): after a failed sending, an expiry, a changed phone number. An answer is final."""
    confirmation_policy.check(actor, "resend", claim)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status in CLOSED:
        raise ApplicationError(f"申领状态为“{claim.get_status_display()}”，无需学员确认", field="claim")
    if not claim.lines.filter(person_id=person_id).exists():
        raise ApplicationError("该学员不在本申领中", field="person")
    old = _standing(claim).get(person_id)
    if old is not None and old.status not in (*ANSWERABLE, ConfirmationStatus.NO_PHONE):
        raise ApplicationError(f"学员已答复（{old.get_status_display()}），不能重新发送", field="person")
    person = Person.objects.get(pk=person_id)
    (new,) = _ask(claim, [person], actor, [old] if old is not None else [])
    return new


# Sending -----------------------------------------------------------------------------------------


def _message(request: ConfirmationRequest, token: str, code: str) -> str:
    claim = request.claim
    filer = claim.institution or claim.employer
    base = settings.PORTAL_BASE_URL
    link = base + reverse("confirmations:link", args=[token])
    until = timezone.localtime(request.expires_at).date().isoformat() if request.expires_at else ""
    return (
        f"【培训补贴】{mask_name(request.person.name)}您好，{filer}为您申领了{claim.get_kind_display()}，"
        f"请于 {until} 前核对您的培训记录并确认：{link} ；或打开 {base}{reverse('confirmations:code')} "
        f"输入确认码 {code[:4]}-{code[4:]}。如您未参加所列培训，请选择“有异议”。"
    )


def _sendable(request_id: int) -> ConfirmationRequest | None:
    return (
        ConfirmationRequest.objects.select_for_update(of=("self",))
        .select_related("claim__institution", "claim__employer", "person")
        .filter(pk=request_id, status__in=(ConfirmationStatus.QUEUED, ConfirmationStatus.FAILED))
        .exclude(claim__status__in=CLOSED)
        .first()
    )


def confirmation_deliver(request_id: int) -> bool | None:
    """Draw the request's link and code, store their digests, send the message. True when sent,
    False when the backend refused (the request is then failed, with why), None when there was
    nothing to send (answered, superseded, its claim closed)."""
    with transaction.atomic():
        request = _sendable(request_id)
        if request is None:
            return None
        token, code = secrets.token_urlsafe(24), _new_code()
        request.token_digest, request.code_digest = digest(token), digest(code)
        request.attempts += 1
        request.phone_masked = mask_phone(request.person.phone)
        request.expires_at = timezone.now() + timedelta(days=settings.CONFIRMATION_VALID_DAYS)
        request.save(
            update_fields=[
                "token_digest",
                "code_digest",
                "attempts",
                "phone_masked",
                "expires_at",
                "updated_at",
            ]
        )
        phone, text, before = request.person.phone.strip(), _message(request, token, code), request.status
    try:
        send_text(phone, text)
    except DeliveryFailed as exc:
        error, after = str(exc)[:200], ConfirmationStatus.FAILED
    else:
        error, after = "", ConfirmationStatus.SENT
    with transaction.atomic():
        request = ConfirmationRequest.objects.select_for_update().get(pk=request_id)
        if request.status not in (ConfirmationStatus.QUEUED, ConfirmationStatus.FAILED):
            return None  # answered or superseded meanwhile: leave it as it is
        request.status, request.error = after, error
        if after == ConfirmationStatus.SENT:
            request.sent_at = timezone.now()
        request.save(update_fields=["status", "error", "sent_at", "updated_at"])
        state_change_record(
            obj=request,
            actor=None,
            from_state=before,
            to_state=after,
            reason=error or f"已发送至 {request.phone_masked}",
            changes={"attempt": request.attempts},
        )
    return after == ConfirmationStatus.SENT


def confirmations_deliver(request_ids: list[int]) -> list[int]:
    """Send each request; the ones refused that have tries left are queued again, a minute later
    per try made (returns their ids)."""
    again = []
    for request_id in request_ids:
        if confirmation_deliver(request_id) is False:
            again.append(request_id)
    again = list(
        ConfirmationRequest.objects.filter(
            pk__in=again, status=ConfirmationStatus.FAILED, attempts__lt=MAX_ATTEMPTS
        ).values_list("pk", flat=True)
    )
    if again:
        _queue(again, countdown=60)
    return again


# Answering ---------------------------------------------------------------------------------------


def _findings(
    request: ConfirmationRequest, absent: list[int], reason: str
) -> tuple[AuditRun, list[AuditFinding]]:
    claim, now = request.claim, timezone.now()
    shown = {s.pk: s for s in person_sessions(request)}
    labels = [f"{shown[pk].date.isoformat()} {shown[pk].start_time.strftime('%H:%M')}" for pk in absent]
    findings = [
        AuditFinding(
            rule=RULE,
            subject=f"line:{line.pk}",
            line=line,
            claim=claim,
            person_id=request.person_id,
            district_id=claim.district_id,
            institution_id=claim.institution_id,
            status=FindingStatus.CONFIRMED,
            resolution_reason=f"学员确认 #{request.pk} 中学员本人的陈述",
            resolved_at=now,
            current=True,
            details={
                "confirmation": request.pk,
                "claim": claim.pk,
                "sessions": labels,
                "session_ids": absent,
                "reason": reason,
            },
        )
        for line in person_lines(request)
    ]
    run = witness_run_record(
        scope=Scope.CONFIRMATION,
        district_id=claim.district_id,
        claim=claim,
        key=f"confirmation:{request.pk}",
        actor=None,
        findings=findings,
        reason=f"学员确认 #{request.pk}：学员有异议，稽核疑点 {len(findings)} 条 (A8)",
    )
    return run, findings


@transaction.atomic
def confirmation_answer(
    *, request: ConfirmationRequest, confirmed: bool, absent_sessions: Iterable[int] = (), reason: str = ""
) -> ConfirmationRequest:
    """The trainee's answer, once: confirmed, or disputed with the sessions they did not attend
    (of those shown) and why. A dispute writes a confirmed A8 finding on each of their lines of the
    claim and tells the district's officers."""
    request = (
        ConfirmationRequest.objects.select_for_update(of=("self",))
        .select_related("claim", "person")
        .get(pk=request.pk)
    )
    if request.status in (ConfirmationStatus.CONFIRMED, ConfirmationStatus.DISPUTED):
        raise ApplicationError(
            f"您已于 {timezone.localtime(request.answered_at):%Y-%m-%d %H:%M} 答复，不能更改"
        )
    if not request.answerable:
        raise ApplicationError("该链接已失效（已过期或已重新发送），请使用最新收到的短信")
    if request.claim.status in CLOSED:
        raise ApplicationError("该申领已驳回，无需确认")
    reason = reason.strip()
    absent = sorted(set(absent_sessions))
    before = request.status
    request.answered_at = timezone.now()
    if confirmed:
        if absent:
            raise ApplicationError("确认属实时不能勾选未参加的课次", field="absent_sessions")
        request.status = ConfirmationStatus.CONFIRMED
    else:
        errors = []
        if not reason:
            errors.append(("reason", "请说明异议理由，如未参加哪些培训、实际情况如何"))
        elif len(reason) > REASON_MAX:
            errors.append(("reason", f"异议理由不能超过 {REASON_MAX} 字（现 {len(reason)} 字）"))
        shown = {s.pk for s in person_sessions(request)}
        if not set(absent) <= shown:
            errors.append(("absent_sessions", "勾选的课次须是页面列出的课次"))
        if errors:
            raise ApplicationError("；".join(message for _, message in errors), field=errors[0][0])
        request.status = ConfirmationStatus.DISPUTED
        request.absent_sessions, request.reason = absent, reason
        request.run, _ = _findings(request, absent, reason)
    request.save()
    state_change_record(
        obj=request,
        actor=None,
        from_state=before,
        to_state=request.status,
        reason="学员本人确认属实" if confirmed else f"学员本人提出异议：{reason}",
        changes={"absent_sessions": absent} if not confirmed else None,
    )
    if not confirmed:
        claim = request.claim
        notify(
            recipients=district_officers(district_id=claim.district_id),
            kind="confirmation_disputed",
            title=f"申领 #{claim.pk}：学员 {request.person.name} 有异议",
            body=f"学员称：{reason}。其明细已记为稽核疑点 (A8)，核实并排除前不能审核通过。",
            link=reverse("claims:detail", args=[claim.pk]) + "#confirmations",
        )
    return request
