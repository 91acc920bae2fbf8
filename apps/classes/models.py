from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Level, level_label
from apps.core.models import ChoiceLabels, TimeStampedModel, money_digits
from apps.institutions.models import PreReviewVerdict
from apps.rules.hours import class_hours_from_minutes

money = money_digits(12)


class TrainingType(models.TextChoices):
    EMPLOYMENT = "employment", _("就业技能培训")
    POST_SKILL = "post_skill", _("岗位技能提升培训")
    ENTREPRENEURSHIP = "entrepreneurship", _("创业培训")
    ENTERPRISE_STAFF = "enterprise_staff", _("企业职工培训")


class OrganisationMode(models.TextChoices):
    CONCENTRATED = "concentrated", _("企业集中组训")
    SELF_ARRANGED = "self_arranged", _("自主分散参训")


class SchedulePattern(models.TextChoices):
    FULL_TIME = "full_time", _("全日制")
    WEEKEND = "weekend", _("周末班")
    EVENING = "evening", _("夜间班")
    AFTER_WORK = "after_work", _("工余班")
    ONLINE = "online", _("线上")


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("驳回")
    RUNNING = "running", _("开班中")
    COMPLETED = "completed", _("已结业")
    CLOSED = "closed", _("已关闭")


class SessionMode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    LIVE = "live", _("线上直播")
    RECORDED = "recorded", _("线上录播")


ONLINE_MODES = (SessionMode.LIVE, SessionMode.RECORDED)


class TrainingClass(TimeStampedModel):
    """A class application (开班申请) and, once approved, the class itself.

    Approval copies the rate-table row in force that day, the policy version and the rules
    version onto the class (R9.2): later changes of the table never alter an approved class.
    """

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name=_("培训机构"),
    )
    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="classes", verbose_name=_("审核区县")
    )
    name = models.CharField(_("班级名称"), max_length=128)
    occupation = models.ForeignKey(
        "catalog.Occupation", on_delete=models.PROTECT, related_name="classes", verbose_name=_("职业（工种）")
    )
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=Level.choices, null=True, blank=True, help_text=_("留空表示专项职业能力")
    )
    training_type = models.CharField(_("培训类型"), max_length=20, choices=TrainingType.choices)
    organisation_mode = models.CharField(
        _("组织方式"), max_length=20, choices=OrganisationMode.choices, default=OrganisationMode.CONCENTRATED
    )
    schedule_pattern = models.CharField(_("学制"), max_length=20, choices=SchedulePattern.choices)
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结业日期"))
    venue = models.CharField(_("培训地点"), max_length=200)
    teachers = models.CharField(_("授课教师"), max_length=200)
    planned_trainees = models.PositiveIntegerField(_("计划人数"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ClassStatus.choices, default=ClassStatus.DRAFT
    )
    # What the rules engine found at the last submission: shown in the queue and review page.
    findings = models.JSONField(_("校验结果"), default=list, blank=True)
    has_findings = models.BooleanField(_("有疑点"), default=False, db_index=True)
    online_override_reason = models.TextField(_("线上课时超比例的审核意见 (R2.3)"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # A third-party agency's pre-review of the submitted application (R7.1): advice, never a decision.
    recommendation = models.TextField(_("第三方审核意见"), blank=True, default="")
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
    # The approval snapshot (R9.2).
    approved_on = models.DateField(_("审核通过日期"), null=True, blank=True)
    rate_row = models.ForeignKey(
        "catalog.RateRow",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("适用标准行"),
    )
    standard = models.DecimalField(_("补贴标准 S (元/人)"), **money, null=True, blank=True)
    rate = models.DecimalField(_("日补贴标准 r (元/人·天)"), **money, null=True, blank=True)
    class_hours = models.PositiveIntegerField(_("课时 H"), null=True, blank=True)
    online_rate = models.DecimalField(_("线上日补贴标准"), **money, null=True, blank=True)
    policy_version = models.CharField(_("政策版本"), max_length=32, blank=True)
    rules_version = models.CharField(_("规则版本"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("开班申请")
        verbose_name_plural = _("开班申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="class_dates_ordered"),
            models.CheckConstraint(condition=Q(planned_trainees__gt=0), name="class_has_trainees"),
            models.CheckConstraint(
                condition=Q(approved_on__isnull=True)
                | (Q(rate__isnull=False) & Q(standard__isnull=False) & Q(class_hours__isnull=False)),
                name="approved_class_has_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return level_label(self.level)


class ClassSession(ChoiceLabels, models.Model):
    """One teaching session: a date, a time span and a mode. Its class-hours are its minutes
    divided by 45, rounded down (R2.1)."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("班级")
    )
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    mode = models.CharField(
        _("方式"), max_length=16, choices=SessionMode.choices, default=SessionMode.OFFLINE
    )
    topic = models.CharField(_("内容"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("课程安排")
        verbose_name_plural = _("课程安排")
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="session_times_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def minutes(self) -> int:
        return (self.end_time.hour * 60 + self.end_time.minute) - (
            self.start_time.hour * 60 + self.start_time.minute
        )

    @property
    def class_hours(self) -> int:
        return class_hours_from_minutes([self.minutes], on=self.date)

    @property
    def is_online(self) -> bool:
        return self.mode in ONLINE_MODES
