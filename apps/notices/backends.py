"""The session's user is loaded with their unread notice count and their district in the same
query, so the 消息 badge and the district every page's header names cost no query of their own (a
correlated COUNT over the partial index notice_unread; a join on the district's key).
Authentication itself is Django's ModelBackend unchanged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Notice


def unread_subquery() -> Coalesce:
    unread = (
        Notice.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


class UnreadCountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = (
                user_model._default_manager.select_related("district")
                .annotate(unread_notice_count=unread_subquery())
                .get(pk=user_id)
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
