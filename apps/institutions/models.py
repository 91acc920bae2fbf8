from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Level, level_label
from apps.core.models import TimeStampedModel
from apps.rules import EntityType, RuleViolation, check_uscc, uscc_entity_type


def validate_uscc(value: str) -> None:
    """R11.3: a unified social credit code of GB 32100-2015 with a correct check character."""
    try:
        check_uscc(value)
    except RuleViolation as exc:
        raise ValidationError(exc.finding.message, code="uscc") from exc


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


class HighSkillBase(models.TextChoices):
    NONE = "none", _("否")
    NATIONAL = "national", _("国家级高技能人才培训基地")
    MUNICIPAL = "municipal", _("市级高技能人才培训基地")


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
    bank_name = models.CharField(_("开户银行"), max_length=64, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=32, blank=True)
    employer = models.ForeignKey(
        "Employer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_centres",
        verbose_name=_("所属企业"),
        help_text=_("企业职工培训中心所属的企业"),
    )
    high_skill_base = models.CharField(
        _("高技能人才培训基地"), max_length=16, choices=HighSkillBase.choices, default=HighSkillBase.NONE
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
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
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

    @property
    def entity_type(self) -> EntityType | None:
        """What characters 1–2 of the credit code say the employer is (R4.2): 91 企业, 92 个体工商户…"""
        try:
            return uscc_entity_type(self.uscc)
        except RuleViolation:
            return None

    @property
    def entity_type_label(self) -> str:
        entity = self.entity_type
        return f"{entity.label}（{entity.prefix}）" if entity else "未知类型"


class InstitutionOccupation(TimeStampedModel):
    """An occupation and level the district recognised the institution for (R4.1). For a
    district-level private school a level-3 row is the explicit recognition of R6.2."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="recognitions", verbose_name=_("培训机构")
    )
    occupation = models.ForeignKey(
        "catalog.Occupation", on_delete=models.PROTECT, related_name="+", verbose_name=_("职业（工种）")
    )
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=Level.choices, null=True, blank=True, help_text=_("留空表示专项职业能力")
    )
    recognised_on = models.DateField(_("认定日期"))

    class Meta:
        verbose_name = _("认定培训职业（工种）")
        verbose_name_plural = _("认定培训职业（工种）")
        ordering = ["occupation__code", "-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "occupation", "level"],
                name="institution_occupation_level_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.occupation} {level_label(self.level)}"


class InstitutionYear(TimeStampedModel):
    """Clause 八: the yearly evaluation of an institution and its training-plan quota."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="years", verbose_name=_("培训机构")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    evaluation_score = models.DecimalField(
        _("综合评估得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    plan_quota = models.PositiveIntegerField(_("培训计划额度（人次）"), default=0)

    class Meta:
        verbose_name = _("机构年度评估与计划")
        verbose_name_plural = _("机构年度评估与计划")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "year"], name="institution_year_unique"),
            models.CheckConstraint(
                condition=models.Q(evaluation_score__isnull=True)
                | models.Q(evaluation_score__gte=0, evaluation_score__lte=100),
                name="institution_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.year}"
