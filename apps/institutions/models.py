from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.rules import RuleViolation, check_uscc


def validate_uscc(value: str) -> None:
    """R11.3: a unified social credit code of GB 32100-2015 with a correct check character."""
    try:
        check_uscc(value)
    except RuleViolation as exc:
        raise ValidationError(f"{exc.finding.message} (R11.3)", code="uscc") from exc


class InstitutionKind(models.TextChoices):
    MUNICIPAL_PRIVATE_SCHOOL = "municipal_private_school", _("市级民办职业培训学校")
    DISTRICT_PRIVATE_SCHOOL = "district_private_school", _("区县级民办职业培训学校")
    TECHNICAL_COLLEGE = "technical_college", _("技工院校")
    VOCATIONAL_COLLEGE = "vocational_college", _("高职院校")
    ENTERPRISE_CENTRE = "enterprise_centre", _("企业职工培训中心")
    OTHER = "other", _("其他培训机构")


class InstitutionStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    RECOGNISED = "recognised", _("已认定")
    FILED = "filed", _("已备案")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("已撤销")


class Institution(TimeStampedModel):
    """A training institution. Its lifecycle (recognition by the district, filing of
    enterprise centres with the municipal bureau, R4.1) is written to the state-change log."""

    name = models.CharField(_("机构名称"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    kind = models.CharField(_("机构类型"), max_length=32, choices=InstitutionKind.choices)
    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="institutions", verbose_name=_("所在区县")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=InstitutionStatus.choices, default=InstitutionStatus.APPLIED
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="institutions", verbose_name=_("经办人")
    )

    class Meta:
        verbose_name = _("培训机构")
        verbose_name_plural = _("培训机构")
        ordering = ["district__sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Employer(TimeStampedModel):
    """An enterprise (or individual business, private non-enterprise unit, R4.2) that files
    direct claims."""

    name = models.CharField(_("单位名称"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="employers", verbose_name=_("所在区县")
    )
    is_classified = models.BooleanField(_("涉密企业"), default=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("上级集团"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="employers", verbose_name=_("申报人")
    )

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        ordering = ["district__sort_order", "name"]

    def __str__(self) -> str:
        return self.name
