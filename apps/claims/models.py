from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import ChoiceLabels, TimeStampedModel, money_digits

money = money_digits(14)


class ClaimKind(models.TextChoices):
    CLASS_COMPLETION = "class_completion", _("培训机构结业补贴")
    ENTERPRISE_DIRECT = "enterprise_direct", _("企业职工培训直补")
    WORK_FOR_TRAINING = "work_for_training", _("以工代训")
    APPRENTICESHIP = "apprenticeship", _("企业新型学徒制")
    LIVING_ALLOWANCE = "living_allowance", _("生活费补贴（含交通费）")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    UNDER_REVIEW = "under_review", _("审核中")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("驳回")
    PAID = "paid", _("已拨付")


class Share(models.TextChoices):
    """Which part of the district's special account a line is paid from (R8.2)."""

    TRAINING = "training", _("培训补贴")
    WORK_FOR_TRAINING = "work_for_training", _("以工代训")
    LIVING_ALLOWANCE = "living_allowance", _("生活费补贴")


class Claim(TimeStampedModel):
    """A subsidy claim (补贴申领): one kind, one district, lines per trainee or worker.
    Its total is always the sum of its lines, recomputed, never typed."""

    kind = models.CharField(_("申领类型"), max_length=24, choices=ClaimKind.choices)
    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="claims", verbose_name=_("区县")
    )
    year = models.PositiveSmallIntegerField(_("资金年度"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("培训机构"),
    )
    employer = models.ForeignKey(
        "institutions.Employer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("用人单位"),
    )
    training_class = models.ForeignKey(
        "classes.TrainingClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("班级"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    total = models.DecimalField(_("申领金额"), **money, default=0)
    approved_total = models.DecimalField(_("核定金额"), **money, default=0)
    # What the class looked like when the claim was made: compared again at submission (data lock).
    class_snapshot = models.JSONField(_("班级快照"), default=dict, blank=True)
    apprenticeship_stage = models.CharField(
        _("学徒制申领阶段"),
        max_length=16,
        blank=True,
        choices=[("advance", _("开班预拨")), ("completion", _("结业清算")), ("early_end", _("提前结束"))],
    )
    recommendation = models.TextField(_("第三方审核意见"), blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第三方审核人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补贴申领")
        verbose_name_plural = _("补贴申领")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status", "submitted_at"]),
            # The lists' orders, walked backwards with a LIMIT: the pages' default (newest
            # submitted first) and the API's (newest first), whatever page is asked.
            models.Index(fields=["submitted_at", "created_at", "id"], name="claim_submitted_order"),
            models.Index(fields=["created_at", "id"], name="claim_created_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(approved_total__gte=0), name="claim_totals_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(institution__isnull=False) | Q(employer__isnull=False),
                name="claim_has_a_claimant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def claimant(self):
        return self.institution or self.employer


class LineDecision(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("通过")
    REJECTED = "rejected", _("不予补贴")


# A line the engine had something to say about (its stored quote has findings): the condition of
# the partial index claim_line_with_findings, which the claims' "has findings" flag reads.
LINE_WITH_FINDINGS = ~Q(findings=[])


class ClaimLine(TimeStampedModel):
    """One trainee's (or worker's) line: the engine's inputs, amount, steps, findings and
    rules_version. Any change of an input recomputes it."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines", verbose_name=_("申领"))
    person = models.ForeignKey(
        "trainees.Person", on_delete=models.PROTECT, related_name="claim_lines", verbose_name=_("学员")
    )
    enrolment = models.ForeignKey(
        "trainees.Enrolment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim_lines",
        verbose_name=_("报名"),
    )
    share = models.CharField(_("资金类别"), max_length=20, choices=Share.choices, default=Share.TRAINING)
    inputs = models.JSONField(_("测算输入"), default=dict)
    amount = models.DecimalField(_("测算金额"), **money)
    steps = models.JSONField(_("计算步骤"), default=list)
    findings = models.JSONField(_("校验结果"), default=list)
    rules_version = models.CharField(_("规则版本"), max_length=32)
    # Dates the engine's cross-person rules key on (R10.1 year, R3.4 overlap), kept queryable.
    start = models.DateField(_("开始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    # Which training of the person the line pays for (its enrolment, the apprenticeship, the
    # enterprise's training): lines with the same key share one entitlement, so what was booked
    # for one is deducted from the next (`paid_before`) and the audit's A6 adds them up.
    training_key = models.CharField(_("培训标识"), max_length=96, blank=True, db_index=True, db_default="")
    # What the whole training is worth as this line was quoted, before what was booked earlier for
    # it is deducted (an advance's is the full amount it is half of).
    entitlement = models.DecimalField(_("应享受金额"), **money, default=0, db_default=0)
    decision = models.CharField(
        _("审核结论"), max_length=16, choices=LineDecision.choices, default=LineDecision.PENDING
    )
    decision_rule = models.CharField(_("理由规则"), max_length=16, blank=True)
    decision_reason = models.TextField(_("审核理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("申领明细")
        verbose_name_plural = _("申领明细")
        ordering = ["claim_id", "id"]
        indexes = [
            models.Index(fields=["claim"], condition=LINE_WITH_FINDINGS, name="claim_line_with_findings")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_line_amount_non_negative"),
            models.UniqueConstraint(
                fields=["claim", "enrolment"],
                condition=Q(enrolment__isnull=False),
                name="claim_line_enrolment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} {self.person}"


class LineMonth(models.Model):
    """One month of a 以工代训 line (R3.5): exactly the months the line pays, no span. `booked`
    follows the line into the special account (approval) and out of it (reversal, recovery); a
    month of one worker at one enterprise is booked once, by constraint."""

    line = models.ForeignKey(
        ClaimLine, on_delete=models.CASCADE, related_name="month_rows", verbose_name=_("申领明细")
    )
    person = models.ForeignKey("trainees.Person", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey("institutions.Employer", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))
    booked = models.BooleanField(_("已记账"), default=False)

    class Meta:
        verbose_name = _("以工代训月份")
        verbose_name_plural = _("以工代训月份")
        ordering = ["line_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="line_month_once"),
            models.UniqueConstraint(
                fields=["person", "employer", "month"],
                condition=Q(booked=True),
                name="work_for_training_month_booked_once",
            ),
        ]
        indexes = [models.Index(fields=["person", "month"])]

    def __str__(self) -> str:
        return f"{self.line_id} {self.month:%Y-%m}"


class Verdict(models.TextChoices):
    """What a third-party reviewer advises on a line (R7.1)."""

    APPROVE = "approve", _("建议通过")
    REJECT = "reject", _("建议不予补贴")


class LineRecommendation(ChoiceLabels, models.Model):
    """A third-party reviewer's recommendation on one claim line (R7.1): what they advise, the rule
    and their reason. It never changes the line: the officer sees the latest beside the line and
    decides. Rows are only added; the earlier ones stay in the claim's history."""

    line = models.ForeignKey(
        ClaimLine, on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("申领明细")
    )
    verdict = models.CharField(_("审核意见"), max_length=16, choices=Verdict.choices)
    rule = models.CharField(_("理由规则"), max_length=16, blank=True)
    reason = models.TextField(_("理由"))
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("第三方审核人")
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("第三方明细审核意见")
        verbose_name_plural = _("第三方明细审核意见")
        ordering = ["line_id", "-id"]
        indexes = [models.Index(fields=["line", "-id"], name="line_recommendation_latest")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.verdict}"


class MaterialKind(models.TextChoices):
    PLAN = "plan", _("培训计划")
    SIGN_IN = "sign_in", _("学员签到表")
    VIDEO = "video", _("培训视频类资料")
    OTHER = "other", _("其他材料")


class ClaimMaterial(TimeStampedModel):
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="materials", verbose_name=_("申领")
    )
    kind = models.CharField(_("材料类型"), max_length=16, choices=MaterialKind.choices)
    file = models.FileField(_("文件"), upload_to="claims/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("申领材料")
        verbose_name_plural = _("申领材料")
        ordering = ["claim_id", "kind", "id"]

    def __str__(self) -> str:
        return self.original_name
