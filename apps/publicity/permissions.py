"""Who may see and do what with public notices (公示) and their objections (异议).

A notice and its (masked) lines are public: anyone, signed in or not, reads them. A district's
officers publish its notices and answer the objections to them; the municipal admin and the
auditor read every district's objections, an officer their own district's; no one else sees an
objection (it holds the objector's name and contact). The services require the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from apps.accounts.models import Role
from apps.catalog.models import District
from apps.core.permissions import PermissionPolicy, is_active_user

from .models import Objection, PublicNotice

if TYPE_CHECKING:
    from apps.accounts.models import User

OFFICE_READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


def may_publish_in(user: Any, district: District | None) -> bool:
    """Publish the district's notices, answer their objections: its own officers."""
    return (
        is_active_user(user)
        and district is not None
        and user.role == Role.DISTRICT_OFFICER
        and user.district_id == district.pk
    )


def office_districts(user: Any) -> QuerySet[District]:
    """The districts whose notices' objections the user may read."""
    if not is_active_user(user) or user.role not in OFFICE_READERS:
        return District.objects.none()
    if user.is_city_wide:
        return District.objects.all()
    return District.objects.filter(pk=user.district_id) if user.district_id else District.objects.none()


class PublicNoticePolicy(PermissionPolicy):
    """Actions: view (anyone); office (the officers' page: readers of objections); publish (the
    district's officers; without an object, any district officer)."""

    model = PublicNotice

    def visible(self, user: Any) -> QuerySet[PublicNotice]:
        return PublicNotice.objects.all()

    def can(self, user: Any, action: str, obj: PublicNotice | None = None) -> bool:
        if action == "view":
            return True
        if not is_active_user(user):
            return False
        if action == "office":
            return user.role in OFFICE_READERS
        if action == "publish":
            if obj is None:
                return user.role == Role.DISTRICT_OFFICER and user.district_id is not None
            return may_publish_in(user, obj.district)
        return False


class ObjectionPolicy(PermissionPolicy):
    """Actions: list, view (readers of the district); answer (the district's officers)."""

    model = Objection

    def visible(self, user: User) -> QuerySet[Objection]:
        if is_active_user(user) and user.role in OFFICE_READERS and user.is_city_wide:
            return Objection.objects.all()
        return Objection.objects.filter(notice__district__in=office_districts(user))

    def can(self, user: User, action: str, obj: Objection | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in OFFICE_READERS
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "answer":
            return may_publish_in(user, obj.notice.district)
        return False


notice_policy = PublicNoticePolicy()
objection_policy = ObjectionPolicy()
