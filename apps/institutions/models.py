from datetime import date

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


# A reason resting on no rule of the list (the reason then says what).
OTHER_RULE = "其他"


class PreReviewVerdict(models.TextChoices):
    """What a third-party reviewer advises on an application awaiting the district's decision
    (a recognition, a class application; R7.1): never a decision."""

    APPROVE = "approve", _("建议通过")
    RETURN = "return", _("建议退回修改")
    REJECT = "reject", _("建议不予通过")


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
    # A third-party agency's pre-review of the application (R7.1): the latest, for the officer.
    recommendation = models.TextField(_("第三方审核意见"), blank=True, default="", db_default="")
    recommendation_verdict = models.CharField(
        _("第三方审核建议"),
        max_length=16,
        choices=PreReviewVerdict.choices,
        blank=True,
        default="",
        db_default="",
    )
    recommendation_rule = models.CharField(
        _("理由规则"), max_length=16, blank=True, default="", db_default=""
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第三方审核人"),
    )
    recommended_at = models.DateTimeField(_("第三方审核时间"), null=True, blank=True)
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
    # The 综合评估 score is computed (apps.evaluations.selectors.institution_scores); one typed here
    # overrides it for the year, with a reason logged (institutions.services.institution_year_set).
    evaluation_score = models.DecimalField(
        _("人工覆盖得分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("留空则采用系统计算的综合评估得分"),
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


class AgencyStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    BLACKLISTED = "blacklisted", _("已列入黑名单")


class ThirdPartyAgency(TimeStampedModel):
    """A third-party organisation a district hires by government purchase of services (政府购买服务,
    clause 七, R7.1) to review institutions, supervise training in progress or audit claims. Its
    staff act only within an active contract (ServiceContract); a blacklisted agency's staff act
    nowhere, whatever its contracts say. Blacklisting and lifting are written to the state-change
    log with their reason; `blacklist_*` hold the latest blacklisting while it stands."""

    name = models.CharField(_("机构名称"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=AgencyStatus.choices, default=AgencyStatus.ACTIVE
    )
    blacklist_reason = models.CharField(_("列入黑名单原因"), max_length=500, blank=True)
    blacklisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("列入黑名单人"),
    )
    blacklisted_at = models.DateTimeField(_("列入黑名单时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("第三方社会机构")
        verbose_name_plural = _("第三方社会机构")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ContractScope(models.TextChoices):
    """What a contract engages the agency for (clause 七); each is a boolean of ServiceContract."""

    INSTITUTION_REVIEW = "reviews_institutions", _("机构审核")
    PROCESS_SUPERVISION = "supervises_training", _("过程监管")
    CLAIM_AUDIT = "audits_claims", _("申领审核")


class ServiceContract(TimeStampedModel):
    """A contract of government purchase of services: which districts engage the agency, for what,
    from when to when (both days included). Its number is unique within its signing district."""

    agency = models.ForeignKey(
        ThirdPartyAgency, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("第三方社会机构")
    )
    number = models.CharField(_("合同编号"), max_length=64)
    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("签约区县")
    )
    districts = models.ManyToManyField("catalog.District", related_name="+", verbose_name=_("服务区县"))
    reviews_institutions = models.BooleanField(_("机构审核"), default=False)
    supervises_training = models.BooleanField(_("过程监管"), default=False)
    audits_claims = models.BooleanField(_("申领审核"), default=False)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    amount = models.DecimalField(_("合同金额（元）"), max_digits=14, decimal_places=2)
    terminated_on = models.DateField(_("提前终止日期"), null=True, blank=True)
    termination_reason = models.CharField(_("终止原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "number"], name="service_contract_number_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="contract_dates"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="contract_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reviews_institutions=True)
                | models.Q(supervises_training=True)
                | models.Q(audits_claims=True),
                name="contract_has_scope",
            ),
        ]
        indexes = [models.Index(fields=["agency", "ends_on", "starts_on"], name="contract_agency_period")]

    def __str__(self) -> str:
        return f"{self.number}（{self.agency}）"

    def in_force_on(self, day: date) -> bool:
        return self.terminated_on is None and self.starts_on <= day <= self.ends_on

    @property
    def scope_labels(self) -> list[str]:
        return [str(label) for value, label in ContractScope.choices if getattr(self, value)]


class AgencyStaff(TimeStampedModel):
    """A user of role THIRD_PARTY_REVIEWER working for one agency (at most one)."""

    agency = models.ForeignKey(
        ThirdPartyAgency, on_delete=models.PROTECT, related_name="staff", verbose_name=_("第三方社会机构")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agency_staff",
        verbose_name=_("账号"),
    )

    class Meta:
        verbose_name = _("第三方机构人员")
        verbose_name_plural = _("第三方机构人员")
        ordering = ["agency", "user__username"]

    def __str__(self) -> str:
        return f"{self.user}（{self.agency}）"
