"""Batch audits (批量稽核): runs over a scope, the chunks a run is fanned out in, and findings.

A run's findings are keyed by (run, line, rule) — or, for a finding about an institution and a
year (R6.1), by (run, subject, rule) — so a chunk that is delivered twice writes nothing twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import ChoiceLabels


class Scope(models.TextChoices):
    ALL = "all", _("全市全部在办申领")
    DISTRICT = "district", _("一个区县的在办申领")
    CLAIM = "claim", _("一件申领")
    # Not a batch audit: the run that holds the findings of one process-supervision visit (A7,
    # apps.inspections). No batch run covers it, and it covers nothing but its own findings.
    INSPECTION = "inspection", _("过程监管检查")
    # Not a batch audit either: the run that holds the findings of one trainee's dispute of a claim
    # (A8, apps.confirmations).
    CONFIRMATION = "confirmation", _("学员确认异议")
    # Nor this: a check of enterprises' claims against the social-insurance roster (A9,
    # apps.insurance), one per roster import or per submitted claim.
    INSURANCE = "insurance", _("社保参保核验")


# The runs not made by the batch audit: what a person saw or said (a visit, a trainee's dispute)
# and the social-insurance check. No batch run covers them; a visit's or a dispute's findings
# stay current until dismissed, the insurance check's until a later check of their line.
WITNESS_SCOPES = (Scope.INSPECTION, Scope.CONFIRMATION, Scope.INSURANCE)

# The scopes an officer may start a batch audit of (pages, API and their filters).
BATCH_SCOPES = [(value, label) for value, label in Scope.choices if value not in WITNESS_SCOPES]


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("稽核中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("失败")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class AuditRun(ChoiceLabels, models.Model):
    """One audit of a scope (批量稽核). Lifecycle `queued → running → finished | failed`, changed
    only by apps.audits.services; progress is derived from its chunks."""

    scope = models.CharField(_("稽核范围"), max_length=16, choices=Scope.choices)
    district = models.ForeignKey(
        "catalog.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区县"),
    )
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申领"),
    )
    # "all", "district:<id>" or "claim:<id>": what "the previous run of this scope" means.
    scope_key = models.CharField(_("范围键"), max_length=40, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    phase = models.PositiveSmallIntegerField(_("阶段"), default=0)
    rules_version = models.CharField(_("规则版本"), max_length=32)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
        help_text=_("为空表示夜间定时稽核"),
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上次同范围稽核"),
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    lines_count = models.PositiveIntegerField(_("稽核明细数"), default=0)
    findings_count = models.PositiveIntegerField(_("疑点数"), default=0)
    appeared_count = models.PositiveIntegerField(_("新增疑点"), default=0)
    persisting_count = models.PositiveIntegerField(_("仍存在的疑点"), default=0)
    cleared_count = models.PositiveIntegerField(_("已消除的疑点"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    # When the sweeper sent its work again, the run having waited or made no progress too long
    # (apps.audits.services.audit_runs_sweep); a run still stuck after that fails.
    resent_at = models.DateTimeField(_("重新投递时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量稽核")
        verbose_name_plural = _("批量稽核")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One queued or running audit per scope at a time.
            models.UniqueConstraint(
                fields=["scope_key"],
                condition=Q(status__in=["queued", "running"]),
                name="audit_run_one_active_per_scope",
            ),
            models.CheckConstraint(
                condition=(Q(scope="all") & Q(district__isnull=True) & Q(claim__isnull=True))
                | (Q(scope="district") & Q(district__isnull=False))
                | Q(scope="claim")
                | (Q(scope__in=["inspection", "confirmation", "insurance"]) & Q(district__isnull=False)),
                name="audit_run_scope_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"批量稽核 #{self.pk}"

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.DISTRICT and self.district is not None:
            return f"{self.district.name}在办申领"
        if self.scope == Scope.CLAIM:
            return f"申领 #{self.claim_id}" if self.claim_id else "申领（已删除）"
        if self.scope == Scope.INSPECTION:
            return f"过程监管检查（{self.scope_key.partition(':')[2]}）"
        if self.scope == Scope.INSURANCE:
            return f"社保参保核验（{self.scope_key.partition(':')[2]}）"
        if self.scope == Scope.CONFIRMATION:
            return f"学员确认异议（{self.scope_key.partition(':')[2]}）"
        return str(Scope(self.scope).label)


class ChunkKind(models.TextChoices):
    LINES = "lines", _("申领明细快照")
    SIGNINS = "signins", _("签到记录快照")
    PERSONS = "persons", _("按人员")
    CLASSES = "classes", _("按班级")
    INSTITUTIONS = "institutions", _("按培训机构")


class AuditChunk(models.Model):
    """A slice of a run one task handles: a range [lo, hi] of line, person, class or institution
    ids. `done_at` is set in the transaction that writes the chunk's results."""

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="chunks")
    phase = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=ChunkKind.choices)
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    rows = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("稽核分片")
        verbose_name_plural = _("稽核分片")
        ordering = ["run_id", "phase", "kind", "lo"]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "lo"], name="audit_chunk_once"),
            models.CheckConstraint(condition=Q(hi__gte=models.F("lo")), name="audit_chunk_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.kind} [{self.lo}, {self.hi}]"


class Change(models.TextChoices):
    """What a finding did since the previous run of the same scope."""

    APPEARED = "appeared", _("新增")
    PERSISTING = "persisting", _("仍存在")
    CLEARED = "cleared", _("已消除")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")


class AuditFinding(ChoiceLabels, models.Model):
    """One finding (稽核疑点) of a run: a rule that a claim line (or, for R6.1, an institution in a
    year) breaks, the other claim line involved, and the figures behind it (`details`).

    A finding that cleared since the previous run of the scope is kept in the new run as a row
    with change "cleared", so a run says what appeared and what went away.
    """

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(_("规则"), max_length=8)
    # "line:<id>" or "institution:<id>:<year>": the thing the finding is about, stable across runs.
    subject = models.CharField(_("对象"), max_length=40)
    line = models.ForeignKey(
        "claims.ClaimLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "trainees.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey("catalog.District", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    other_line = models.ForeignKey(
        "claims.ClaimLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    other_claim = models.ForeignKey(
        "claims.Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(_("依据"), default=dict)
    change = models.CharField(_("变化"), max_length=16, choices=Change.choices, default=Change.APPEARED)
    status = models.CharField(
        _("处理状态"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    resolution_reason = models.TextField(_("处理意见"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    # Whether this is the current finding of its subject and rule: its run finished, it did not
    # clear there, and no newer finished run covers it (a run of all open claims covers every
    # finding, a district's run its district's, a claim's run its claim's). Kept by
    # services.findings_currency_update when a run finishes (the findings lists, the claims' flag
    # and the review guards read it through its partial indexes instead of asking every finding
    # whether a newer run covers it); rows written while the run works are not current yet.
    current = models.BooleanField(_("当前疑点"), default=False, db_default=False)

    class Meta:
        verbose_name = _("稽核疑点")
        verbose_name_plural = _("稽核疑点")
        ordering = ["run_id", "rule", "subject"]
        indexes = [
            models.Index(fields=["subject", "rule", "run"], name="audit_finding_subject"),
            models.Index(fields=["claim", "run"], name="audit_finding_claim"),
            models.Index(fields=["district", "run"], name="audit_finding_district"),
            # The officers' decisions, which a later run's findings inherit (checks.INHERIT).
            models.Index(
                fields=["subject", "rule", "run"],
                condition=~Q(status="open") & ~Q(change="cleared"),
                name="audit_finding_decided",
            ),
            # The current findings in the lists' default order (rule, then id).
            models.Index(fields=["rule", "id"], condition=Q(current=True), name="audit_finding_current"),
            # A district's current findings in the API's order (run, rule, subject).
            models.Index(
                fields=["district", "run", "rule", "subject"],
                condition=Q(current=True),
                name="audit_finding_district_current",
            ),
            # The claims with a current finding that waits for, or stopped, a decision on a line:
            # what the claims' "has findings" flag reads (apps.claims.extensions).
            models.Index(
                fields=["claim"],
                condition=Q(current=True, status__in=["open", "confirmed"], line__isnull=False),
                name="audit_finding_flags_claim",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "rule", "subject"], name="audit_finding_once"),
            models.UniqueConstraint(
                fields=["run", "line", "rule"],
                condition=Q(line__isnull=False),
                name="audit_finding_line_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"


class ClaimSample(models.Model):
    """A claim's sampling (抽样逐条审核, apps.audits.engine.sampling): its risk signals and score
    against the district's threshold, its random draw against the district's rate, and whether the
    officer must therefore decide its lines one by one. Drawn at the first submission; a
    resubmission scores the claim again with the same seed (it does not draw again)."""

    claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, related_name="+", verbose_name=_("申领")
    )
    district = models.ForeignKey("catalog.District", on_delete=models.PROTECT, related_name="+")
    seed = models.BigIntegerField(_("种子"))
    signals = models.JSONField(_("风险信号"), default=list)
    score = models.PositiveSmallIntegerField(_("风险分"))
    threshold = models.PositiveSmallIntegerField(_("风险分阈值"))
    rate = models.DecimalField(_("随机抽取比例"), max_digits=5, decimal_places=4)
    u = models.DecimalField(_("抽签值"), max_digits=7, decimal_places=6)
    over_threshold = models.BooleanField(_("达到风险分阈值"))
    drawn = models.BooleanField(_("随机抽中"))
    line_by_line = models.BooleanField(_("须逐条审核"), db_index=True)
    sampled_at = models.DateTimeField(_("抽样时间"))

    class Meta:
        verbose_name = _("申领抽样")
        verbose_name_plural = _("申领抽样")

    def __str__(self) -> str:
        return f"申领 #{self.claim_id} 抽样"
