"""Who is told of what happens to a claim: the claimant's users or the district's officers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from apps.accounts.models import User
from apps.notices.selectors import district_officers
from apps.notices.services import notify

from ..models import (
    Claim,
)


def claimant_users(claim: Claim) -> QuerySet[User]:
    """Who is told of a decision on the claim: the active members of the institution or the
    employer that filed it."""
    if claim.institution_id:
        return User.objects.filter(institutions=claim.institution_id, is_active=True)
    if claim.employer_id:
        return User.objects.filter(employers=claim.employer_id, is_active=True)
    return User.objects.none()


def claim_notify(
    *, claim: Claim, actor: User, kind: str, what: str, body: str = "", officers: bool = False
) -> None:
    """Tell the claimant (or, with `officers`, the claim's district officers) what happened to the
    claim, in the transaction of the decision; the link opens the claim."""
    notify(
        recipients=district_officers(district_id=claim.district_id) if officers else claimant_users(claim),
        kind=kind,
        title=f"{claim.get_kind_display()}申领 #{claim.pk}：{what}",
        body=body,
        link=reverse("claims:detail", args=[claim.pk]),
        exclude=actor,
    )
