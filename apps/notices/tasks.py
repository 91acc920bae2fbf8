"""E-mail copies of notices, queued after the decision commits. Thin and by id: a notice is
claimed (emailed_at set) before it is sent, so a redelivered task sends nothing twice. A mail
server that refuses is logged with the notice's id only (no address, no name) and does not
undo the decision; the notice stays in the inbox."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notice

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【培训补贴】"


def _message(notice: Notice) -> str:
    lines = [notice.body] if notice.body else []
    if notice.link:
        lines.append(f"查看详情：{settings.PORTAL_BASE_URL}{notice.link}")
    lines.append("此邮件由重庆市职业技能提升行动培训补贴管理平台自动发送，请登录平台“消息”查看全部消息。")
    return "\n\n".join(lines)


@shared_task(name="notices.send_emails", acks_late=True)
def send_notice_emails(notice_ids: list[int]) -> int:
    """Send each notice to its recipient's address; returns how many were sent."""
    sent = 0
    for notice in Notice.objects.filter(pk__in=notice_ids).select_related("recipient").order_by("pk"):
        address = notice.recipient.email
        if not address:
            continue
        claimed = Notice.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            send_mail(
                subject=SUBJECT_PREFIX + notice.title,
                message=_message(notice),
                from_email=None,
                recipient_list=[address],
                fail_silently=False,
            )
        except Exception as exc:  # any mail failure is logged, never raised
            Notice.objects.filter(pk=notice.pk).update(emailed_at=None)
            logger.warning("notice %s: e-mail not sent (%s)", notice.pk, type(exc).__name__)
        else:
            sent += 1
    return sent
