"""Reads of public notices, their lines and objections, scoped by apps.publicity.permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimLine, ClaimStatus, LineDecision
from apps.core import dates

from .models import NoticeLine, Objection, ObjectionStatus, PublicNotice
from .permissions import notice_policy, objection_policy

if TYPE_CHECKING:
    from apps.accounts.models import User


def notice_list(*, district: District | None = None) -> QuerySet[PublicNotice]:
    """Every notice, newest first, with its district (the public list)."""
    qs = notice_policy.visible(None).select_related("district")
    if district is not None:
        qs = qs.filter(district=district)
    return qs.order_by("-published_on", "-id")


def notice_get(*, pk: int) -> PublicNotice:
    """A notice (public: anyone may read it), or 404."""
    return get_object_or_404(notice_list(), pk=pk)


def notice_lines(*, notice: PublicNotice) -> QuerySet[NoticeLine]:
    return NoticeLine.objects.filter(notice=notice).order_by("id")


def notice_running(notice: PublicNotice) -> bool:
    """Whether the notice's period runs today (objections are taken)."""
    return notice.published_on <= dates.today() <= notice.ends_on


def publishable_lines(*, district: District) -> QuerySet[ClaimLine]:
    """Lines of the district that may be published: approved lines of approved claims, not yet
    published nor paid."""
    return ClaimLine.objects.filter(
        claim__district=district,
        claim__status=ClaimStatus.APPROVED,
        decision=LineDecision.APPROVED,
        notice_line__isnull=True,
        payment_line__isnull=True,
    )


def publishable_claims(*, district: District) -> QuerySet[Claim]:
    """The claims with lines to publish, each with how many (the publish form's choices)."""
    waiting = publishable_lines(district=district).filter(claim=OuterRef("pk"))
    return (
        Claim.objects.filter(Exists(waiting), district=district)
        .select_related("institution", "employer")
        .annotate(
            to_publish=Count(
                "lines",
                filter=Q(
                    lines__decision=LineDecision.APPROVED,
                    lines__notice_line__isnull=True,
                    lines__payment_line__isnull=True,
                ),
            )
        )
        .order_by("pk")
    )


def objection_list(*, user: User) -> QuerySet[Objection]:
    return (
        objection_policy.visible(user)
        .select_related("notice__district", "line")
        .order_by("-created_at", "-id")
    )


def objection_counts(*, user: User) -> dict[str, Any]:
    """How many objections of the user's districts wait for an answer."""
    return {"open": objection_policy.visible(user).filter(status=ObjectionStatus.OPEN).count()}


def lines_not_yet_payable(line_ids: list[int]) -> dict[int, list[str]]:
    """Why each line may not be paid yet, by line id (docs/money.md, 公示): not published (未公示),
    its notice still running (公示期未满（至 YYYY-MM-DD）), an objection to it or to its whole
    notice not answered (有未处理的异议) or upheld (异议成立). Two queries, whatever the lines."""
    published = {
        row.claim_line_id: row
        for row in NoticeLine.objects.filter(claim_line_id__in=line_ids).select_related("notice")
    }
    held: dict[tuple[int, int | None], set[str]] = {}
    for notice_id, line_id, status in Objection.objects.filter(
        notice_id__in={row.notice_id for row in published.values()},
        status__in=[ObjectionStatus.OPEN, ObjectionStatus.UPHELD],
    ).values_list("notice_id", "line_id", "status"):
        held.setdefault((notice_id, line_id), set()).add(status)
    today = dates.today()
    out: dict[int, list[str]] = {}
    for line_id in line_ids:
        row = published.get(line_id)
        if row is None:
            out[line_id] = ["未公示"]
            continue
        reasons = []
        if row.notice.ends_on >= today:
            reasons.append(f"公示期未满（至 {row.notice.ends_on.isoformat()}）")
        statuses = held.get((row.notice_id, None), set()) | held.get((row.notice_id, row.pk), set())
        if ObjectionStatus.OPEN in statuses:
            reasons.append("有未处理的异议")
        if ObjectionStatus.UPHELD in statuses:
            reasons.append("异议成立")
        if reasons:
            out[line_id] = reasons
    return out
