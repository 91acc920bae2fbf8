from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.rules.enterprise import TRAINEE_RELATIONS


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class TargetGroup(models.TextChoices):
    """Groups a district may grant living allowance to (R8.1). Statistics and eligibility
    only; 户籍 and region are never a condition (R8.4)."""

    POVERTY_ALLEVIATED = "poverty_alleviated", _("脱贫人口")
    REGISTERED_UNEMPLOYED = "registered_unemployed", _("登记失业人员")
    RURAL_MIGRANT = "rural_migrant", _("农村转移就业劳动者")
    GRADUATE = "graduate", _("毕业年度高校毕业生")
    DISABLED = "disabled", _("残疾人")
    VETERAN = "veteran", _("退役军人")
    ENTERPRISE_EMPLOYEE = "enterprise_employee", _("企业职工")
    OTHER = "other", _("其他")


class Person(TimeStampedModel):
    """One person of the real-name registry (R8.3): one row per resident ID number, city-wide.
    Gender and birth date are derived from the ID number (R11.1), never typed."""

    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    household_region = models.CharField(
        _("户籍所在地"), max_length=64, blank=True, help_text=_("仅用于统计，不作为参训或补贴条件 (R8.4)")
    )

    class Meta:
        verbose_name = _("学员")
        verbose_name_plural = _("学员")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PersonGroup(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="groups", verbose_name=_("学员")
    )
    group = models.CharField(_("人员类别"), max_length=32, choices=TargetGroup.choices)

    class Meta:
        verbose_name = _("人员类别")
        verbose_name_plural = _("人员类别")
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="person_group_unique")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_group_display()}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("在册")
    WITHDRAWN = "withdrawn", _("已退出")


class Enrolment(TimeStampedModel):
    """A person on the roster of an approved class."""

    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("班级")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("学员")
    )
    relation = models.CharField(
        _("与企业的关系 (R4.2)"), max_length=40, choices=list(TRAINEE_RELATIONS.items()), blank=True
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    warnings = models.JSONField(_("提示"), default=list, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "person"], name="enrolment_person_once_per_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.training_class} {self.person}"


class AttendanceSource(models.TextChoices):
    SIGN_IN_SHEET = "sign_in_sheet", _("学员签到表")
    ONLINE_PLATFORM = "online_platform", _("线上平台导出")
    MANUAL = "manual", _("手工录入")


class Attendance(TimeStampedModel):
    """Minutes one trainee attended one session; class-hours are minutes // 45 (R2.1)."""

    session = models.ForeignKey(
        "classes.ClassSession", on_delete=models.CASCADE, related_name="attendances", verbose_name=_("课次")
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("学员")
    )
    minutes = models.PositiveIntegerField(_("出勤分钟"))
    mode = models.CharField(
        _("方式"),
        max_length=16,
        choices=[("offline", _("线下")), ("live", _("线上直播")), ("recorded", _("线上录播"))],
    )
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=AttendanceSource.choices)
    flags = models.JSONField(_("异常提示"), default=list, blank=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        ordering = ["session__date", "session__start_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True)
                | Q(signed_in_at__isnull=True)
                | Q(signed_out_at__gte=F("signed_in_at")),
                name="attendance_sign_out_after_sign_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.session} {self.minutes} 分钟"


class Outcome(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    ABSENT = "absent", _("缺考")


class CertificateType(models.TextChoices):
    """R2.6: the certificates that count as passing."""

    QUALIFICATION = "qualification", _("职业资格证书")
    SKILL_LEVEL = "skill_level", _("职业技能等级证书")
    SPECIAL_ABILITY = "special_ability", _("专项职业能力证书")
    COMPLETION = "completion", _("培训合格证书（结业）")


class Result(TimeStampedModel):
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="result", verbose_name=_("学员")
    )
    outcome = models.CharField(_("考核结果"), max_length=16, choices=Outcome.choices)
    certificate_type = models.CharField(
        _("证书类型"), max_length=20, choices=CertificateType.choices, blank=True
    )
    certificate_number = models.CharField(_("证书编号"), max_length=64, blank=True)
    certificate_date = models.DateField(_("发证日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="passed") | (~Q(certificate_type="") & ~Q(certificate_number="")),
                name="passed_result_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.get_outcome_display()}"


class PersonalDataView(models.Model):
    """Every time someone is shown an ID number or phone unmasked (issue: 'viewing one
    unmasked is logged'). Holds who and whom, never the number itself; for a third-party
    reviewer, also their agency, so the districts that engage it see its reads (R7.1)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("用途"), max_length=64)
    agency = models.ForeignKey(
        "institutions.ThirdPartyAgency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第三方社会机构"),
        help_text=_("查看人是第三方社会机构人员时，其所在机构 (R7.1)"),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        indexes = [
            models.Index(
                fields=["agency", "-created_at"],
                name="data_view_by_agency",
                condition=models.Q(agency__isnull=False),
            )
        ]
        verbose_name_plural = _("个人信息查看记录")

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.person_id} ({self.purpose})"


class ImportKind(models.TextChoices):
    ROSTER = "roster", _("花名册")
    SIGN_IN_SHEET = "sign_in_sheet", _("学员签到表")
    ONLINE_ATTENDANCE = "online_attendance", _("线上平台学习记录")
    RESULTS = "results", _("考核结果")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("未导入")


class ImportJob(models.Model):
    """A large upload into a class (more rows than IMPORT_ASYNC_ROWS), imported by a Celery task
    behind a progress bar (services.jobs): who, what, into which class, how far, and how it
    ended: the counts saved, or every row's error (nothing saved). The job row is its own log.
    The uploaded file is kept in private storage only until the task has read it."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("班级")
    )
    kind = models.CharField(_("导入内容"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    # The storage name of the upload (services.jobs.import_storage), emptied once it is read.
    file = models.CharField(_("文件"), max_length=255, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已读行数"), default=0)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # When the sweeper sent the job's task again (its message was lost: apps.trainees.imports.jobs).
    resent_at = models.DateTimeField(_("重新投递时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
