"""Writes of notices. `notify` is called by the other apps' services inside the transaction of
the decision it reports, so a notice exists exactly when the decision does; the e-mail copies
are queued after commit (a rolled-back decision sends nothing). This app imports none of the
apps that call it: they pass the recipients, the words and the link."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.core.tasks import QueueUnavailable, publish

from .models import Notice
from .selectors import notice_get, notice_inbox

if TYPE_CHECKING:
    from apps.accounts.models import User


def _max_length(name: str) -> int:
    length = getattr(Notice._meta.get_field(name), "max_length", None)
    assert isinstance(length, int), f"Notice.{name} is a text column with a maximum length"
    return length


logger = logging.getLogger(__name__)
TITLE_MAX = _max_length("title")
LINK_MAX = _max_length("link")


def _portal_path(link: str) -> str:
    """Only a path inside the portal may be a notice's link (opening a notice follows it)."""
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        raise ValueError(f"notice link must be a portal path: {link[:40]!r}")
    return link


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    exclude: User | None = None,
) -> list[Notice]:
    """One notice per active recipient (each user once; `exclude`, the actor, is left out: they
    know what they did). Those with an e-mail address get it by mail once the transaction commits."""
    link = _portal_path(link)
    title = title.strip()
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    users: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk != getattr(exclude, "pk", None):
            users.setdefault(user.pk, user)
    if not users:
        return []
    now = timezone.now()
    notices = Notice.objects.bulk_create(
        Notice(recipient=user, kind=kind, title=title, body=body.strip(), link=link, created_at=now)
        for user in users.values()
    )
    to_mail = [notice.pk for notice in notices if notice.recipient.email]
    if to_mail:
        transaction.on_commit(lambda: _queue_emails(to_mail))
    return notices


def _queue_emails(notice_ids: list[int]) -> None:
    """After the decision committed: its e-mails go to the queue. A queue that is down does not undo
    the decision nor fail the page: the notices stay in the inbox, their e-mails unsent (logged)."""
    from .tasks import send_notice_emails

    try:
        publish(send_notice_emails, notice_ids)
    except QueueUnavailable:
        logger.warning(
            "notices %s..%s: e-mails not queued (queue unavailable)", notice_ids[0], notice_ids[-1]
        )


def notice_mark_read(*, notice_id: int, user: User) -> Notice:
    """Mark one of the user's notices read (again: no change); another's answers 404."""
    notice = notice_get(notice_id=notice_id, user=user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


@transaction.atomic
def notices_mark_read(*, notice_ids: Iterable[int], user: User) -> int:
    """Mark the listed notices of the user read, all or none: one that is not theirs (or does not
    exist) answers 404 and marks nothing. Returns how many were unread."""
    wanted = set(notice_ids)
    mine = notice_inbox(user=user).filter(pk__in=wanted)
    if mine.count() != len(wanted):
        raise Http404("消息不存在")
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def notices_mark_all_read(*, user: User) -> int:
    """Mark every unread notice of the user read; returns how many."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
