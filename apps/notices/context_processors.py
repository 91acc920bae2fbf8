from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import notice_unread_count


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the header's 消息 link. The session's user carries it from the query
    that loaded them (apps.notices.backends); otherwise one COUNT, made only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = getattr(user, "unread_notice_count", None)
    if count is not None:
        return {"unread_notices": count}
    return {"unread_notices": SimpleLazyObject(lambda: notice_unread_count(user=user))}
