"""Permission policies (after Wagtail's): one object per model answers both
"which objects may this user see?" and "may this user do X to this object?".

Views, the API, the admin and tasks all ask the policy; templates only mirror it.
An object outside the user's scope is reported as missing (404), never as forbidden,
so ids cannot be probed; a visible object the user may not act on is 403.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

M = TypeVar("M", bound=models.Model)


def is_active_user(user: Any) -> bool:
    """A signed-in, active account: every policy's first question."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class PermissionPolicy(ABC, Generic[M]):
    model: type[M]

    @abstractmethod
    def visible(self, user: Any) -> QuerySet[M]:
        """Every object of the model this user may see."""

    @abstractmethod
    def can(self, user: Any, action: str, obj: M | None = None) -> bool:
        """Whether the user may perform `action` (on `obj`, or in general when None)."""

    def get_visible(self, user: Any, queryset: QuerySet[M] | None = None, **lookup: Any) -> M:
        base = self.visible(user)
        if queryset is not None:
            base = base & queryset
        try:
            return base.get(**lookup)
        except self.model.DoesNotExist as exc:
            raise Http404(f"{self.model._meta.verbose_name} 不存在") from exc

    def get_for_action(self, user: Any, action: str, **lookup: Any) -> M:
        obj = self.get_visible(user, **lookup)
        self.check(user, action, obj)
        return obj

    def check(self, user: Any, action: str, obj: M | None = None) -> None:
        if not self.can(user, action, obj):
            raise PermissionDenied("您无权执行此操作")
