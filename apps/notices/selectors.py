"""Reads of notices. A user sees their own notices only: anyone else's answers 404, as a missing
one does."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import Role, User

from .models import Notice


def notice_inbox(*, user: User) -> QuerySet[Notice]:
    """The user's notices, newest first (the page marks the unread ones)."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-id")


def notice_unread_count(*, user: User) -> int:
    """How many of the user's notices are unread: one COUNT over the partial index notice_unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_get(*, notice_id: int, user: User) -> Notice:
    try:
        return notice_inbox(user=user).get(pk=notice_id)
    except Notice.DoesNotExist as exc:
        raise Http404("消息不存在") from exc


def district_officers(*, district_id: int | None) -> QuerySet[User]:
    """The active officers of a district: who is told of work arriving there."""
    if district_id is None:
        return User.objects.none()
    return User.objects.filter(role=Role.DISTRICT_OFFICER, district_id=district_id, is_active=True)
