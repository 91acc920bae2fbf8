from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """One message to one user: a decision that concerns their organisation (a recognition, a
    return with its reason, an approval, a payment, a recovery, a confirmed audit finding) or, for
    an officer, work that arrived in their district. Written by `apps.notices.services.notify` in
    the transaction of the decision; the recipient reads it in the 消息 inbox and, when they have
    an address, by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices", verbose_name=_("收件人")
    )
    # What happened, as a stable key (class_returned, claim_paid, …): for filters and tests.
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # A path inside the portal (never another site): the object the notice is about.
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox: a user's notices, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notice_inbox"),
            # The badge on every page: a user's unread count reads this small index only.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//")),
                name="notice_link_is_a_portal_path",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
