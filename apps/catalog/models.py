from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, money_digits

OCCUPATION_CODE_PATTERN = r"^[1-8]-\d{2}-\d{2}-\d{2}$"
occupation_code_validator = RegexValidator(
    OCCUPATION_CODE_PATTERN,
    message=_("职业编码须为“大类-中类-小类-细类”格式 N-NN-NN-NN，大类为 1–8，例如 6-18-01-01"),
)


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("区")
    COUNTY = "county", _("县")
    AUTONOMOUS_COUNTY = "autonomous_county", _("自治县")
    DEVELOPMENT_ZONE = "development_zone", _("开发区")


class District(models.Model):
    """One of Chongqing's 38 districts and counties or 3 development zones (loaded by migration)."""

    code = models.CharField(_("区划代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=DistrictKind.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = _("区县")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Level(models.IntegerChoices):
    """National vocational skill levels; no level (NULL) means 专项职业能力."""

    JUNIOR = 5, _("五级/初级工")
    INTERMEDIATE = 4, _("四级/中级工")
    SENIOR = 3, _("三级/高级工")
    TECHNICIAN = 2, _("二级/技师")
    SENIOR_TECHNICIAN = 1, _("一级/高级技师")


SPECIAL_ABILITY_LABEL = _("专项职业能力")


def level_label(level: int | None) -> str:
    return str(SPECIAL_ABILITY_LABEL) if level is None else str(Level(level).label)


class MajorCategory(models.IntegerChoices):
    """The eight major categories of 中华人民共和国职业分类大典."""

    C1 = 1, _("第一大类 党的机关、国家机关、群众团体和社会组织、企事业单位负责人")
    C2 = 2, _("第二大类 专业技术人员")
    C3 = 3, _("第三大类 办事人员和有关人员")
    C4 = 4, _("第四大类 社会生产服务和生活服务人员")
    C5 = 5, _("第五大类 农、林、牧、渔业生产及辅助人员")
    C6 = 6, _("第六大类 生产制造及有关人员")
    C7 = 7, _("第七大类 军人")
    C8 = 8, _("第八大类 不便分类的其他从业人员")


class Occupation(TimeStampedModel):
    code = models.CharField(_("职业编码"), max_length=10, unique=True, validators=[occupation_code_validator])
    name = models.CharField(_("职业名称"), max_length=64)
    major_category = models.PositiveSmallIntegerField(_("大类"), choices=MajorCategory.choices)
    is_new = models.BooleanField(
        _("新职业"), default=False, help_text=_("经人力资源社会保障部发布的新职业 (R1.4)")
    )
    new_published_on = models.DateField(_("新职业发布日期"), null=True, blank=True)
    is_assessment_type = models.BooleanField(
        _("鉴定评价类"), default=False, help_text=_("属于鉴定评价类技能职业（工种），通知第八条要求突出")
    )
    edition = models.CharField(_("大典版本"), max_length=16, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("职业（工种）")
        verbose_name_plural = _("职业（工种）")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(major_category__gte=1, major_category__lte=8), name="occupation_category_1_8"
            ),
            models.CheckConstraint(
                condition=Q(is_new=False) | Q(new_published_on__isnull=False),
                name="new_occupation_has_publication_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


money = money_digits(12)


class RateRow(TimeStampedModel):
    """A row of a district's rate table (R1.5, R1.6): for one occupation (or a whole major
    category) at one level, the per-person standard S, daily rate r, class-hours H and the
    online daily rate, in force from `effective_from` to `effective_to` (inclusive; open-ended
    when empty). The row in force on a class's approval date is copied onto the class (R9.2).
    """

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="rate_rows", verbose_name=_("区县")
    )
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rate_rows",
        verbose_name=_("职业（工种）"),
    )
    major_category = models.PositiveSmallIntegerField(
        _("适用大类"),
        choices=MajorCategory.choices,
        null=True,
        blank=True,
        help_text=_("不指定职业时，适用于整个大类"),
    )
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=Level.choices, null=True, blank=True, help_text=_("留空表示专项职业能力")
    )
    standard = models.DecimalField(_("补贴标准 S (元/人)"), **money)
    rate = models.DecimalField(_("日补贴标准 r (元/人·天)"), **money)
    class_hours = models.PositiveIntegerField(_("课时 H"))
    online_rate = models.DecimalField(_("线上日补贴标准 (元/人·天)"), **money, default=Decimal("60.00"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("补贴标准表行")
        verbose_name_plural = _("补贴标准表")
        ordering = ["district__sort_order", "occupation__code", "major_category", "-level", "-effective_from"]
        indexes = [models.Index(fields=["district", "occupation", "level", "effective_from"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(occupation__isnull=False) & Q(major_category__isnull=True))
                | (Q(occupation__isnull=True) & Q(major_category__isnull=False)),
                name="rate_row_occupation_xor_category",
            ),
            models.CheckConstraint(condition=Q(standard__gt=0), name="rate_row_standard_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_row_rate_positive"),
            models.CheckConstraint(condition=Q(class_hours__gt=0), name="rate_row_hours_positive"),
            models.CheckConstraint(condition=Q(online_rate__gte=0), name="rate_row_online_rate_non_negative"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="rate_row_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        target = self.occupation or MajorCategory(self.category).label
        return f"{self.district} {target} {level_label(self.level)} 自 {self.effective_from}"

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    @property
    def for_new_occupation(self) -> bool:
        """R1.5: a row of a new occupation, whose class hours the district sets."""
        return self.occupation is not None and self.occupation.is_new

    @property
    def category(self) -> int:
        if self.occupation is not None:
            return self.occupation.major_category
        assert self.major_category is not None, "a rate row names an occupation or a major category"
        return self.major_category


class SettingKey(models.TextChoices):
    """The dated district settings of docs/rules.md (figures the notice leaves to other documents)."""

    WFT_MONTHLY_AMOUNT = "wft_monthly_amount", _("以工代训月补贴标准 A_wft (元/人·月)")
    WFT_MAX_MONTHS = "wft_max_months", _("以工代训最长补贴月数 M_wft")
    APPRENTICESHIP_ANNUAL_AMOUNT = (
        "apprenticeship_annual_amount",
        _("企业新型学徒制年补贴标准 A_app (元/人·年)"),
    )
    LIVING_ALLOWANCE_DAILY = "living_allowance_daily", _("生活费补贴(含交通费) L (元/人·天)")
    ENTERPRISE_UPLIFT = "enterprise_uplift", _("企业职工培训上浮比例 u")
    PER_YEAR_LIMIT = "per_year_limit", _("每人每年补贴性培训次数上限 (R10.1)")
    # Not the engine's: how long a public notice (公示) of approved claims runs (apps.publicity).
    PUBLICITY_WORKING_DAYS = "publicity_working_days", _("公示期（工作日）")
    # Not a figure of the notice: how much of the coming week's sessions process supervision
    # (apps.inspections) samples, as a share from 0 to 1.
    INSPECTION_RATE = "inspection_rate", _("过程监管每周抽查比例 (0–1)")
    # Not a figure of the notice: the share of a claim's trainees who must confirm it
    # (apps.confirmations) before any of its lines is approved, from 0 (none) to 1.
    CONFIRMATION_SHARE = "confirmation_share", _("审核前须确认的学员比例 (0–1)")
    # Not figures of the notice: claim sampling (apps.audits): a claim whose risk score reaches
    # the threshold (points; 0: not used), or drawn at the rate, is reviewed line by line.
    CLAIM_RISK_THRESHOLD = "claim_risk_threshold", _("申领逐条审核风险分阈值（0 为不按风险）")
    CLAIM_SAMPLE_RATE = "claim_sample_rate", _("申领随机逐条审核比例 (0–1)")
    # Not figures of the notice: the weights of the six criteria of the institutions' yearly
    # 综合评估 (apps.evaluations), whole numbers from 0 to 100; a scorecard of year Y uses those in
    # force on 31 December of Y.
    EVAL_WEIGHT_COMPLETION = "eval_weight_completion", _("综合评估权重：结业合格率")
    EVAL_WEIGHT_CERTIFICATE = "eval_weight_certificate", _("综合评估权重：取证率")
    EVAL_WEIGHT_COMPLIANCE = "eval_weight_compliance", _("综合评估权重：合规（已确认的稽核疑点）")
    EVAL_WEIGHT_RETURNS = "eval_weight_returns", _("综合评估权重：申领未被退回或驳回")
    EVAL_WEIGHT_SUPERVISION = "eval_weight_supervision", _("综合评估权重：过程监管未发现缺勤")
    EVAL_WEIGHT_PRIORITIES = "eval_weight_priorities", _("综合评估权重：重点方向")


# A district that set no publicity period publishes for this many working days.
PUBLICITY_WORKING_DAYS_DEFAULT = 5


# The sampling rate of a district that set none: 10 % of the sessions of the week.
INSPECTION_RATE_DEFAULT = Decimal("0.10")

# A district that set no confirmation share requires none before approval (the trainees are asked
# all the same; a dispute is a finding whatever the share).
CONFIRMATION_SHARE_DEFAULT = Decimal("0")

# A district that set neither samples no claim: each may be approved as a whole after the
# engine's checks (the lines with findings are still decided one by one).
CLAIM_RISK_THRESHOLD_DEFAULT = Decimal("0")
CLAIM_SAMPLE_RATE_DEFAULT = Decimal("0")

# The 综合评估 weights of a district that set none (issue 19, part 2): 30/20/20/10/10/10.
EVALUATION_WEIGHT_DEFAULTS = {
    SettingKey.EVAL_WEIGHT_COMPLETION: Decimal(30),
    SettingKey.EVAL_WEIGHT_CERTIFICATE: Decimal(20),
    SettingKey.EVAL_WEIGHT_COMPLIANCE: Decimal(20),
    SettingKey.EVAL_WEIGHT_RETURNS: Decimal(10),
    SettingKey.EVAL_WEIGHT_SUPERVISION: Decimal(10),
    SettingKey.EVAL_WEIGHT_PRIORITIES: Decimal(10),
}


class DistrictSetting(TimeStampedModel):
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="settings", verbose_name=_("区县")
    )
    key = models.CharField(_("设置项"), max_length=40, choices=SettingKey.choices)
    value = models.DecimalField(
        _("取值"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(10**7)],
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("区县政策设置")
        verbose_name_plural = _("区县政策设置")
        ordering = ["district__sort_order", "key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "key", "effective_from"], name="district_setting_unique_start"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="district_setting_non_negative"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="district_setting_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.get_key_display()} = {self.value} 自 {self.effective_from}"
