"""Reads of personal data by third-party reviewers (R7.1): every reveal or download of a full ID
number by an agency's staff is logged with the agency (PersonalDataView.agency); the districts
that engage the agency, the municipal admin and the auditor read the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from apps.accounts.models import Role
from apps.institutions.selectors import agencies_engaged_by

from ..models import PersonalDataView

if TYPE_CHECKING:
    from apps.accounts.models import User

READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


def third_party_reads(*, user: User) -> QuerySet[PersonalDataView]:
    """The third-party reads this user may see, newest first (narrowed by ThirdPartyReadFilter):
    those of every agency for the admin and the auditor, of the agencies that ever contracted the
    officer's district for an officer. Partial index data_view_by_agency serves it."""
    if user.role not in READERS:
        raise PermissionDenied("您无权查看第三方社会机构的个人信息查看记录")
    return (
        PersonalDataView.objects.filter(agency__isnull=False, agency__in=agencies_engaged_by(user=user))
        .select_related("agency", "viewer", "person")
        .order_by("-created_at", "-id")
    )
