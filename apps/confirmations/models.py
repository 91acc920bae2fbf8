"""The trainee's word (学员确认): after a claim is submitted, each trainee on it is sent a one-time
link and code (apps.core.messaging) to a page showing the sessions they are recorded as attending
and the subsidy claimed for them, where they confirm it or dispute it. A dispute becomes audit
findings (rule A8) on their lines, held by an audit run of scope "confirmation" (apps.audits).

Only digests of the link's token and of the code are stored: the message is the one place the
secrets exist, and a request answers once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class ConfirmationStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    NO_PHONE = "no_phone", _("无手机号码")
    CONFIRMED = "confirmed", _("已确认")
    DISPUTED = "disputed", _("有异议")
    SUPERSEDED = "superseded", _("已重发作废")


# A request the trainee may still answer (its link and code work until it expires).
ANSWERABLE = (ConfirmationStatus.QUEUED, ConfirmationStatus.SENT, ConfirmationStatus.FAILED)
ANSWERED = (ConfirmationStatus.CONFIRMED, ConfirmationStatus.DISPUTED)


class ConfirmationRequest(TimeStampedModel):
    """One trainee asked to confirm what one claim says about them. Lifecycle
    `queued → sent | failed | no_phone`, then `confirmed | disputed`, or `superseded` when an
    officer sends it again; changed only by apps.confirmations.services."""

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="+", verbose_name=_("申领")
    )
    person = models.ForeignKey(
        "trainees.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("学员")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ConfirmationStatus.choices, default=ConfirmationStatus.QUEUED
    )
    # SHA-256 of the link's token and of the code (upper case, no dash); set when the message is made.
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    code_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    phone_masked = models.CharField(_("发送号码"), max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.CharField(_("发送失败原因"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # A dispute: the sessions the trainee says they did not attend (ids, of those shown), and why.
    absent_sessions = models.JSONField(_("称未参加的课次"), default=list, blank=True)
    reason = models.TextField(_("异议理由"), blank=True)
    # The audit run holding the dispute's A8 findings.
    run = models.OneToOneField(
        "audits.AuditRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
        help_text=_("为空表示申领提交时自动发送"),
    )

    class Meta:
        verbose_name = _("学员确认")
        verbose_name_plural = _("学员确认")
        ordering = ["claim_id", "person_id", "-id"]
        indexes = [models.Index(fields=["claim", "status"], name="confirmation_claim_status")]
        constraints = [
            # One request of a person per claim stands at a time; a new one supersedes it.
            models.UniqueConstraint(
                fields=["claim", "person"],
                condition=~Q(status="superseded"),
                name="confirmation_one_standing",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["confirmed", "disputed"]) | Q(answered_at__isnull=False),
                name="confirmation_answer_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"学员确认 #{self.pk}"

    @property
    def expired(self) -> bool:
        return self.status in ANSWERABLE and self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def answerable(self) -> bool:
        return self.status in ANSWERABLE and self.token_digest is not None and not self.expired

    @property
    def status_shown(self) -> str:
        return str(_("已过期")) if self.expired else self.get_status_display()
