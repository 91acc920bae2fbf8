"""Permission policies (after Wagtail's): one object per model answers both
"which objects may this user see?" and "may this user do X to this object?".

Views, the API, the admin and tasks all ask the policy; templates only mirror it.
An object outside the user's scope is reported as missing (404), never as forbidden,
so ids cannot be probed; a visible object the user may not act on is 403.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    from apps.accounts.models import User

    #: The signed-in user a page or an API acts for, as `signed_in` returns it. Views and APIs
    #: name the type through core: they import no app's models (pyproject.toml's contracts).
    Actor: TypeAlias = User

M = TypeVar("M", bound=models.Model)


def signed_in(request: HttpRequest | Request) -> User:
    """The user of a page behind ``login_required`` or of an API behind ``IsAuthenticated``.

    The decorator or the permission class has already turned an anonymous visitor away; this says
    so to the type checker, and answers 403 should a view ever lose its guard.
    """
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("请先登录")
    return user


def is_active_user(user: User) -> bool:
    """A signed-in, active account: every policy's first question."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class PermissionPolicy(ABC, Generic[M]):
    model: type[M]

    @abstractmethod
    def visible(self, user: User) -> QuerySet[M]:
        """Every object of the model this user may see."""

    @abstractmethod
    def can(self, user: User, action: str, obj: M | None = None) -> bool:
        """Whether the user may perform `action` (on `obj`, or in general when None)."""

    def get_visible(self, user: User, queryset: QuerySet[M] | None = None, **lookup: Any) -> M:
        base = self.visible(user)
        if queryset is not None:
            base = base & queryset
        try:
            return base.get(**lookup)
        except ObjectDoesNotExist as exc:
            raise Http404(f"{self.model._meta.verbose_name} 不存在") from exc

    def get_for_action(self, user: User, action: str, **lookup: Any) -> M:
        obj = self.get_visible(user, **lookup)
        self.check(user, action, obj)
        return obj

    def check(self, user: User, action: str, obj: M | None = None) -> None:
        if not self.can(user, action, obj):
            raise PermissionDenied("您无权执行此操作")
