from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import ChoiceLabels


class ExportKind(models.TextChoices):
    LEDGER = "ledger", _("专账资金台账")
    CLAIM_LINES = "claim_lines", _("申领明细（含计算步骤与校验结果）")
    AUDIT_FINDINGS = "audit_findings", _("稽核疑点")
    FUND_SUMMARY = "fund_summary", _("区县专账资金概况")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(ChoiceLabels, models.Model):
    """One export and its log line: who asked for what (kind and filters), how many rows it
    wrote and when. A large one is built by a Celery task (status and progress); the file can
    be downloaded by whoever asked for it until `expires_at`."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导出人")
    )
    kind = models.CharField(_("导出内容"), max_length=20, choices=ExportKind.choices)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    description = models.TextField(_("筛选条件说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    total_rows = models.PositiveIntegerField(_("预计行数"), default=0)
    row_count = models.PositiveIntegerField(_("导出行数"), default=0)
    # The storage name of the workbook (apps.exports.services.export_storage), empty until it is
    # written and again once the purge deleted it.
    file = models.CharField(_("文件"), max_length=255, blank=True)
    file_name = models.CharField(_("文件名"), max_length=120, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载截止时间"), null=True, blank=True)
    # When the sweeper sent the job again, it having waited or run too long
    # (apps.exports.services.export_jobs_sweep); a job still stuck after that fails.
    resent_at = models.DateTimeField(_("重新投递时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据导出")
        verbose_name_plural = _("数据导出记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
            models.CheckConstraint(
                condition=~Q(status="finished") | Q(expires_at__isnull=False),
                name="export_finished_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_downloadable(self) -> bool:
        return self.status == ExportStatus.FINISHED and bool(self.file) and not self.is_expired

    @property
    def in_progress(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
