"""Who may see and act on the trainees' confirmations of a claim.

Everyone who sees a claim's page sees whether each trainee confirmed it (the claimant included,
who is told to ask trainees who have not answered). What a disputing trainee wrote, and the
masked number the message went to, only the bureau's side reads: the municipal admin, the auditor,
the district's officers and third-party reviewers who see the claim; never the claimant (the
trainee's word is not handed to the institution it is about). The municipal admin and a district
officer of the claim's district send a request again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from apps.accounts.models import Role, User
from apps.core.permissions import is_active_user

READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER, Role.AUDITOR})


class ConfirmationPolicy:
    """Actions on a claim's confirmations: read (what trainees wrote), resend. The claim itself is
    already visible to the user (the claim page's own policy)."""

    def can(self, user: User, action: str, claim: Any) -> bool:
        if not is_active_user(user):
            return False
        if action == "read":
            return user.role in READERS
        if action == "resend":
            return user.role == Role.MUNICIPAL_ADMIN or (
                user.role == Role.DISTRICT_OFFICER and user.district_id == claim.district_id
            )
        return False

    def check(self, user: User, action: str, claim: Any) -> None:
        if not self.can(user, action, claim):
            raise PermissionDenied("您无权执行此操作")


confirmation_policy = ConfirmationPolicy()
