"""Policy what-if (测算推演, issue 19 part 1): a draft of parameter changes replayed over a year's
claim lines with the rules engine, never touching real data."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, money_digits

money = money_digits(14)


class ScenarioStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("推演中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("失败")


class Scenario(TimeStampedModel):
    """One what-if: whose (a district, or the city when `district` is None), which year's claims,
    the changes (each `{"field", "op", "value"}` on the lines' quote inputs, apps.scenarios.engine),
    and once replayed what they would have cost."""

    name = models.CharField(_("名称"), max_length=100)
    district = models.ForeignKey(
        "catalog.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区县"),
        help_text=_("为空表示全市"),
    )
    year = models.PositiveSmallIntegerField(_("资金年度"))
    changes = models.JSONField(_("参数变化"), default=list)
    status = models.CharField(
        _("状态"), max_length=16, choices=ScenarioStatus.choices, default=ScenarioStatus.QUEUED
    )
    lines_total = models.PositiveIntegerField(_("明细数"), default=0)
    lines_done = models.PositiveIntegerField(_("已推演"), default=0)
    lines_changed = models.PositiveIntegerField(_("金额变化的明细"), default=0)
    before_total = models.DecimalField(_("推演前合计"), **money, default=0)
    after_total = models.DecimalField(_("推演后合计"), **money, default=0)
    # Totals before and after by claim kind, occupation, level and institution; the budget impact.
    results = models.JSONField(_("推演结果"), default=dict, blank=True)
    rules_version = models.CharField(_("规则版本"), max_length=32, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # When the sweeper sent its work again (apps.core.tasks.sweep_jobs): once, then it fails.
    resent_at = models.DateTimeField(_("重新投递时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("政策测算推演")
        verbose_name_plural = _("政策测算推演")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"测算推演 #{self.pk} {self.name}"

    @property
    def progress(self) -> int:
        return 100 if not self.lines_total else int(self.lines_done * 100 / self.lines_total)

    @property
    def difference(self) -> Decimal:
        return self.after_total - self.before_total


class ScenarioChunk(models.Model):
    """One task's share of a replay: the lines in scope with ids lo..hi, replayed in one
    transaction; its partial totals (by group, before and after) are summed when the last chunk
    is done. A chunk done is never replayed again (a redelivered message finds it done)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="chunks")
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    lines = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unquotable = models.PositiveIntegerField(default=0)
    before_total = models.DecimalField(**money, default=0)
    after_total = models.DecimalField(**money, default=0)
    # {group: {key: [before, after]}}, amounts as strings.
    totals = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lo"]

    def __str__(self) -> str:
        return f"{self.scenario} 明细 {self.lo}–{self.hi}"


class ScenarioLine(models.Model):
    """A claim line whose amount the scenario changes, before and after. Both explanations are
    quoted again when shown (apps.scenarios.engine.explain): the line's stored inputs, the
    scenario's changes and a pure engine give them back exactly, so they are not stored."""

    # No index of its own: the unique (scenario, line) one serves every read by scenario, and a
    # city-wide replay writes hundreds of thousands of rows, each index one more write.
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line = models.ForeignKey("claims.ClaimLine", on_delete=models.CASCADE, related_name="+")
    before = models.DecimalField(_("推演前"), **money)
    after = models.DecimalField(_("推演后"), **money)

    class Meta:
        ordering = ["line_id"]
        constraints = [models.UniqueConstraint(fields=["scenario", "line"], name="scenario_line_once")]

    def __str__(self) -> str:
        return f"{self.scenario} 明细 #{self.line_id}"


class AdoptionStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已退回")


class ScenarioAdoption(TimeStampedModel):
    """Adopting a finished scenario: its changes turned into dated parameter changes (district
    settings and rate-table rows from `effective_from` on), proposed with a reason and applied only
    when another officer approves them (never silently). `items` holds each change as proposed:
    `{"district_id", "district", "kind": "setting" | "rate_row", "key", "row_id", "label",
    "field", "before", "after"}` (amounts as strings)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="adoptions")
    effective_from = models.DateField(_("生效日期"))
    items = models.JSONField(_("参数变化明细"), default=list)
    status = models.CharField(
        _("状态"), max_length=16, choices=AdoptionStatus.choices, default=AdoptionStatus.PENDING
    )
    reason = models.TextField(_("采纳理由"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("推演采纳方案")
        verbose_name_plural = _("推演采纳方案")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario"],
                condition=models.Q(status="pending"),
                name="scenario_one_pending_adoption",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scenario} 采纳方案 #{self.pk}"
