"""Process supervision (过程监管, notice clause 七): the weekly sampled draw of a district's coming
sessions, the inspections it assigns, and what an inspector saw on the visit.

A draw is reproducible: its sessions follow from its inputs (the district, the week, the stored
seed, the rate and each institution's risk weight, all kept in `inputs`), so drawing again from
them gives the same sessions (apps.inspections.sampling). What a visit finds becomes audit
findings (rule A7) held by an audit run of scope "inspection" (apps.audits).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import ChoiceLabels, TimeStampedModel


class InspectionDraw(TimeStampedModel):
    """One week's sample of a district's sessions (抽查批次)."""

    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    week_start = models.DateField(_("抽查周（周一）"))
    seed = models.BigIntegerField(_("随机种子"))
    rate = models.DecimalField(_("抽查比例"), max_digits=5, decimal_places=4)
    sessions_total = models.PositiveIntegerField(_("本周课次数"))
    # Everything the draw was made from (each candidate session with its institution's stratum and
    # weight, the rate, the seed) and the sessions drawn, in order: enough to draw it again.
    inputs = models.JSONField(_("抽样依据"), default=dict)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("抽取人"),
        help_text=_("为空表示每周定时抽取"),
    )

    class Meta:
        verbose_name = _("过程监管抽查批次")
        verbose_name_plural = _("过程监管抽查批次")
        ordering = ["-week_start", "district_id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "week_start"], name="inspection_draw_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.week_start} 抽查"


class Stratum(models.TextChoices):
    """An institution's risk stratum at the draw (the weights are apps.inspections.sampling's)."""

    FINDINGS = "findings", _("有已确认的稽核疑点")
    RETURNED = "returned", _("有退回或驳回的申领或开班申请")
    NEW = "new", _("新机构（首年）")
    ORDINARY = "ordinary", _("一般")


class InspectionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待检查")
    VISITED = "visited", _("已检查")


class Inspection(TimeStampedModel):
    """One drawn session, its inspector and, once visited, what they recorded."""

    draw = models.ForeignKey(InspectionDraw, on_delete=models.CASCADE, related_name="inspections")
    session = models.ForeignKey(
        "classes.ClassSession", on_delete=models.PROTECT, related_name="+", verbose_name=_("课次")
    )
    training_class = models.ForeignKey(
        "classes.TrainingClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("班级")
    )
    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    stratum = models.CharField(_("风险分层"), max_length=16, choices=Stratum.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("检查人员"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=InspectionStatus.choices, default=InspectionStatus.ASSIGNED
    )
    visited_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    head_count = models.PositiveIntegerField(_("现场在场人数"), null=True, blank=True)
    signed_in = models.PositiveIntegerField(_("该课次签到人数"), null=True, blank=True)
    remarks = models.TextField(_("检查意见"), blank=True)
    # The audit run holding the visit's A7 findings (one per visit).
    run = models.OneToOneField(
        "audits.AuditRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("过程监管检查")
        verbose_name_plural = _("过程监管检查")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["inspector", "status", "id"], name="inspection_inspector"),
            models.Index(fields=["district", "id"], name="inspection_district"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["draw", "session"], name="inspection_session_once"),
            models.CheckConstraint(
                condition=Q(status="assigned") | (Q(visited_at__isnull=False) & Q(head_count__isnull=False)),
                name="inspection_visit_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"过程监管检查 #{self.pk}"


class RosterCheck(models.Model):
    """One enrolled trainee as the inspector found them: seen present or seen absent (those not
    checked have no row), and whether they signed in for the session."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="checks")
    enrolment = models.ForeignKey("trainees.Enrolment", on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("在场"))
    signed_in = models.BooleanField(_("有签到记录"))

    class Meta:
        verbose_name = _("花名册核对")
        verbose_name_plural = _("花名册核对")
        ordering = ["inspection_id", "enrolment_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "enrolment"], name="roster_check_once"),
        ]
        indexes = [
            # The absentees who signed in, read when a claim of their class is submitted (A7).
            models.Index(
                fields=["enrolment"], condition=Q(present=False, signed_in=True), name="roster_check_absent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection} {self.enrolment_id}"


class InspectionPhoto(ChoiceLabels, models.Model):
    """A photo taken on the visit (checked as a claim material is: apps.claims.validators)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to="inspections/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["inspection_id", "id"]

    def __str__(self) -> str:
        return self.original_name
