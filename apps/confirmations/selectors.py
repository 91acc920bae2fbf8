"""Reading the trainees' confirmations: a request by its link or code, what its page shows the
trainee (their sessions and the subsidy claimed for them), and a claim's confirmations with how
many it needs before approval."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count

from apps.catalog.engine import confirmation_share_on
from apps.claims.models import Claim, ClaimLine, LineMonth
from apps.core import dates
from apps.trainees.models import Attendance

from .models import ConfirmationRequest, ConfirmationStatus

RELATED = ("claim__institution", "claim__employer", "claim__training_class", "person")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def code_normal(code: str) -> str:
    """A code as typed (any case, spaces or dashes) in the form its digest is taken of."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def request_by_token(token: str) -> ConfirmationRequest | None:
    """The request a link's token opens (any status: the page says what it is), or None."""
    if not token or len(token) > 64:
        return None
    return ConfirmationRequest.objects.select_related(*RELATED).filter(token_digest=digest(token)).first()


def request_by_code(code: str, id_tail: str) -> ConfirmationRequest | None:
    """The request a code opens, when the last four characters of the trainee's ID number match."""
    normal = code_normal(code)
    if not normal or len(normal) > 16:
        return None
    request = ConfirmationRequest.objects.select_related(*RELATED).filter(code_digest=digest(normal)).first()
    if request is None or request.person.id_number[-4:].upper() != id_tail.strip().upper():
        return None
    return request


def request_get(pk: int) -> ConfirmationRequest | None:
    return ConfirmationRequest.objects.select_related(*RELATED).filter(pk=pk).first()


@dataclass(frozen=True)
class SessionRow:
    pk: int
    date: date
    start_time: time
    end_time: time
    class_name: str
    mode: str
    minutes: int
    signed_in_at: datetime | None


@dataclass(frozen=True)
class LineRow:
    pk: int
    kind: str
    period: str
    amount: Decimal
    months: list[str]


def person_lines(request: ConfirmationRequest) -> list[ClaimLine]:
    return list(
        ClaimLine.objects.filter(claim_id=request.claim_id, person_id=request.person_id).order_by("pk")
    )


def person_sessions(request: ConfirmationRequest) -> list[SessionRow]:
    """The sessions the trainee is recorded as attending for the claim's lines (their sign-ins in
    the lines' classes), in time order."""
    enrolments = ClaimLine.objects.filter(
        claim_id=request.claim_id, person_id=request.person_id, enrolment__isnull=False
    ).values("enrolment_id")
    rows = (
        Attendance.objects.filter(enrolment_id__in=enrolments)
        .select_related("session__training_class")
        .order_by("session__date", "session__start_time", "session_id")
    )
    return [
        SessionRow(
            pk=a.session_id,
            date=a.session.date,
            start_time=a.session.start_time,
            end_time=a.session.end_time,
            class_name=a.session.training_class.name,
            mode=a.get_mode_display(),
            minutes=a.minutes,
            signed_in_at=a.signed_in_at,
        )
        for a in rows
    ]


def line_rows(request: ConfirmationRequest) -> list[LineRow]:
    """The subsidy claimed for the trainee: each of their lines with its kind, period, amount and,
    for 以工代训, the months."""
    lines = person_lines(request)
    months: dict[int, list[str]] = {}
    for line_id, month in (
        LineMonth.objects.filter(line__in=lines).order_by("month").values_list("line_id", "month")
    ):
        months.setdefault(line_id, []).append(f"{month:%Y-%m}")
    kind = request.claim.get_kind_display()
    return [
        LineRow(
            pk=line.pk,
            kind=f"{kind}（{line.get_share_display()}）",
            period=(f"{line.start.isoformat()} 至 {line.end.isoformat()}" if line.start and line.end else ""),
            amount=line.amount,
            months=months.get(line.pk, []),
        )
        for line in lines
    ]


@dataclass(frozen=True)
class Progress:
    persons: int
    confirmed: int
    disputed: int
    share: Decimal
    required: int

    @property
    def short(self) -> int:
        return max(self.required - self.confirmed, 0)


def claim_persons(claim_id: int) -> set[int]:
    """The trainees on the claim now (a returned claim may have lost or gained lines)."""
    return set(ClaimLine.objects.filter(claim_id=claim_id).values_list("person_id", flat=True))


def claim_progress(
    *,
    claim_id: int,
    district_id: int,
    on: date | None = None,
    persons: set[int] | None = None,
    requests: list[ConfirmationRequest] | None = None,
) -> Progress:
    """How many of the claim's trainees confirmed it or disputed it, and how many must confirm
    before any of its lines is approved (the district's share in force on `on`, today by default,
    times the trainees, rounded up). `persons` and the standing `requests`, when the caller has
    read them, are not read again."""
    persons = claim_persons(claim_id) if persons is None else persons
    if requests is None:
        answers = dict(
            ConfirmationRequest.objects.filter(
                claim_id=claim_id,
                person_id__in=persons,
                status__in=(ConfirmationStatus.CONFIRMED, ConfirmationStatus.DISPUTED),
            )
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
    else:
        answers = dict(Counter(r.status for r in requests if r.person_id in persons))
    share = confirmation_share_on(district=district_id, on=on or dates.today())
    return Progress(
        persons=len(persons),
        confirmed=answers.get(ConfirmationStatus.CONFIRMED, 0),
        disputed=answers.get(ConfirmationStatus.DISPUTED, 0),
        share=share,
        required=math.ceil(share * len(persons)),
    )


def claim_confirmations(claim: Claim | Any) -> list[ConfirmationRequest]:
    """The claim's standing requests (superseded ones left out), by trainee."""
    return list(
        ConfirmationRequest.objects.filter(claim_id=claim.pk)
        .exclude(status=ConfirmationStatus.SUPERSEDED)
        .select_related("person")
        .order_by("person__name", "person_id")
    )
