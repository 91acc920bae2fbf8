"""Public notices (公示) of approved claims, their lines as the public sees them, and the objections
(异议) anyone may file before the money is paid."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, money_digits


class PublicNotice(TimeStampedModel):
    """A district's notice of approved claims, public from `published_on` to `ends_on` (the last
    of `working_days` working days counted from the day after)."""

    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="public_notices", verbose_name=_("区县")
    )
    title = models.CharField(_("标题"), max_length=120)
    published_on = models.DateField(_("公示日期"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    ends_on = models.DateField(_("公示截止日期"))
    # False when a day of the period fell in a year whose holiday arrangement was not yet known
    # (counted Monday to Friday; the pages say so).
    calendar_known = models.BooleanField(_("按法定节假日安排计算"), default=True)
    line_count = models.PositiveIntegerField(_("明细数"), default=0)
    amount = models.DecimalField(_("公示金额"), **money_digits(14), default=0)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )

    class Meta:
        verbose_name = _("补贴公示")
        verbose_name_plural = _("补贴公示")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["district", "published_on"], name="public_notice_district_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("published_on")), name="notice_ends_after"
            )
        ]

    def __str__(self) -> str:
        return self.title


class NoticeLine(models.Model):
    """A published claim line as the notice shows it, written when published (masked personal
    data only; the public never reads the claim line itself). A line is published once."""

    notice = models.ForeignKey(
        PublicNotice, on_delete=models.PROTECT, related_name="lines", verbose_name=_("公示")
    )
    claim_line = models.OneToOneField(
        "claims.ClaimLine", on_delete=models.PROTECT, related_name="notice_line", verbose_name=_("申领明细")
    )
    claimant = models.CharField(_("培训机构或企业"), max_length=200)
    class_name = models.CharField(_("班级"), max_length=128, blank=True)
    occupation = models.CharField(_("职业（工种）"), max_length=128, blank=True)
    masked_name = models.CharField(_("姓名"), max_length=64)
    masked_id_number = models.CharField(_("身份证号码"), max_length=18)
    amount = models.DecimalField(_("补贴金额"), **money_digits(12))

    class Meta:
        verbose_name = _("公示明细")
        verbose_name_plural = _("公示明细")
        ordering = ["notice_id", "id"]

    def __str__(self) -> str:
        return f"{self.notice} #{self.pk}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("成立")
    REJECTED = "rejected", _("不成立")


class Objection(TimeStampedModel):
    """An objection (异议) to a notice, or to one of its lines, filed by anyone; answered by an
    officer of the district with a written reason. An open one holds the payment of its line (or,
    naming none, of every line of the notice); an upheld one holds it for good."""

    notice = models.ForeignKey(
        PublicNotice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )
    line = models.ForeignKey(
        NoticeLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("公示明细"),
    )
    number = models.CharField(_("受理编号"), max_length=24, unique=True)
    name = models.CharField(_("异议人姓名"), max_length=64)
    contact = models.CharField(_("联系电话或电子邮箱"), max_length=254)
    text = models.TextField(_("异议内容"), max_length=2000)
    status = models.CharField(
        _("状态"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.TextField(_("处理理由"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    answered_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["notice", "status"], name="objection_notice_status")]

    def __str__(self) -> str:
        return self.number
