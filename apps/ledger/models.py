from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.claims.models import Share
from apps.core.models import ChoiceLabels, TimeStampedModel, money_digits

money = money_digits(14)


class Allocation(TimeStampedModel):
    """A district's special-account allocation for a year, with the parts it set aside for
    以工代训 and living allowance (R8.2). The training part is what remains."""

    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="allocations", verbose_name=_("区县")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("年度专账资金额度"), **money)
    work_for_training_share = models.DecimalField(_("以工代训额度"), **money, default=0)
    living_allowance_share = models.DecimalField(_("生活费补贴额度"), **money, default=0)
    # What the municipal bureau's redistribution (调剂) moved in, less what it moved out: the sum of
    # the AllocationTransfer rows, kept here for the headroom checks and checked by the
    # reconciliation. It adds to the training share; `amount` stays the bureau's own figure.
    transferred = models.DecimalField(_("调剂净额"), **money, default=0, db_default=0)

    class Meta:
        verbose_name = _("专账资金额度")
        verbose_name_plural = _("专账资金额度")
        ordering = ["district__sort_order", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="allocation_district_year_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(work_for_training_share__gte=0)
                & Q(living_allowance_share__gte=0),
                name="allocation_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount__gte=F("work_for_training_share") + F("living_allowance_share") - F("transferred")
                ),
                name="allocation_shares_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"

    @property
    def training_share(self) -> Decimal:
        """培训补贴额度: the year's amount less the 以工代训 and living-allowance shares (R8.2)."""
        return self.share_amount(Share.TRAINING)

    def share_amount(self, share: str):
        if share == Share.WORK_FOR_TRAINING:
            return self.work_for_training_share
        if share == Share.LIVING_ALLOWANCE:
            return self.living_allowance_share
        return self.amount + self.transferred - self.work_for_training_share - self.living_allowance_share

    @property
    def effective_amount(self) -> Decimal:
        """The year's amount after redistribution (调剂)."""
        return self.amount + self.transferred


class AllocationTransfer(models.Model):
    """The municipal bureau's redistribution (调剂) of special-account money between two districts
    within a year: the training share of `source` gives `amount`, that of `target` takes it."""

    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("调出区县额度")
    )
    target = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("调入区县额度")
    )
    amount = models.DecimalField(_("调剂金额"), **money)
    reason = models.TextField(_("调剂理由"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("调剂时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资金调剂")
        verbose_name_plural = _("资金调剂")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="transfer_between_two"),
        ]

    def __str__(self) -> str:
        return f"资金调剂 #{self.pk}"


class AllocationTotal(models.Model):
    """What one share of an allocation has booked (commitments less reversals and recoveries) and
    paid (the payments of its commitments' lines), kept up to date by the ledger services in the
    transaction that writes the entry or the payment (services.totals_book, totals_pay), so the
    balances, the district summaries and the allocation check of a final approval read one row per
    share rather than summing the year's entries. The reconciliation (R8.5) checks it against the entries, and
    `manage.py ledger_totals_rebuild` recomputes it from them."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="totals", verbose_name=_("额度")
    )
    share = models.CharField(_("资金类别"), max_length=20, choices=Share.choices)
    booked = models.DecimalField(_("已记账"), **money, default=Decimal("0.00"))
    paid = models.DecimalField(_("已拨付"), **money, default=Decimal("0.00"))
    # One more at every change of the total, in the transaction that changes it: a reconciliation
    # that read the allocation's versions before reconciling still holds while they are the same
    # (Reconciliation.totals_version).
    version = models.PositiveBigIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("额度使用汇总")
        verbose_name_plural = _("额度使用汇总")
        constraints = [
            models.UniqueConstraint(fields=["allocation", "share"], name="allocation_total_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} {self.get_share_display()}"


class EntryKind(models.TextChoices):
    COMMITMENT = "commitment", _("审核通过记账")
    REVERSAL = "reversal", _("冲销")
    RECOVERY = "recovery", _("追回")


class LedgerEntry(ChoiceLabels, models.Model):
    """One line of the special-account ledger (台账). Entries are only ever inserted: a
    correction is a reversal entry pointing at the entry it cancels, never an edit; a recovery
    (追回) of a booked or paid line is such an entry too, with its receivable (Recovery)."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="entries", verbose_name=_("额度")
    )
    claim_line = models.ForeignKey(
        "claims.ClaimLine",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("申领明细"),
    )
    share = models.CharField(_("资金类别"), max_length=20, choices=Share.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额"), **money)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲销的记账"),
    )
    reason = models.TextField(_("说明"), blank=True)
    rules_version = models.CharField(_("规则版本"), max_length=32)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("台账记录")
        verbose_name_plural = _("台账")
        ordering = ["created_at", "id"]
        # The ledger's order, walked either way with a LIMIT whatever page is asked; a district's
        # entries (of its few allocations) in that order from the index alone.
        indexes = [
            models.Index(fields=["created_at", "id"], name="ledger_entry_order"),
            models.Index(fields=["allocation", "created_at", "id"], name="ledger_entry_allocation_order"),
            # What an allocation has booked and paid per share (the balances page, its district
            # summaries, the exports' balances), from the index alone; and a line's net booked
            # (the reconciliation) likewise.
            models.Index(
                fields=["allocation", "share", "kind"],
                include=["amount", "claim_line"],
                name="ledger_entry_allocation_sums",
            ),
            models.Index(fields=["claim_line"], include=["amount"], name="ledger_entry_line_amount"),
        ]
        constraints = [
            # One commitment per approved line, ever: twenty concurrent approvals post one set.
            models.UniqueConstraint(
                fields=["claim_line"], condition=Q(kind="commitment"), name="ledger_one_commitment_per_line"
            ),
            models.CheckConstraint(
                condition=(Q(kind="commitment") & Q(amount__gt=0) & Q(reverses__isnull=True))
                | (Q(kind__in=("reversal", "recovery")) & Q(amount__lt=0) & Q(reverses__isnull=False)),
                name="ledger_entry_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Payment(TimeStampedModel):
    """A payment (拨付) of approved lines, single or batch."""

    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="payments", verbose_name=_("区县")
    )
    reference = models.CharField(_("拨付凭证号"), max_length=64)
    paid_on = models.DateField(_("拨付日期"))
    amount = models.DecimalField(_("拨付金额"), **money)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("拨付")
        verbose_name_plural = _("拨付")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "reference"], name="payment_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentLine(models.Model):
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="lines", verbose_name=_("拨付")
    )
    claim_line = models.OneToOneField(
        "claims.ClaimLine", on_delete=models.PROTECT, related_name="payment_line", verbose_name=_("申领明细")
    )
    amount = models.DecimalField(_("金额"), **money)

    class Meta:
        verbose_name = _("拨付明细")
        verbose_name_plural = _("拨付明细")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_positive")]

    def __str__(self) -> str:
        return f"{self.payment} {self.claim_line_id}"


class RecoveryStatus(models.TextChoices):
    OUTSTANDING = "outstanding", _("待退回")
    RETURNED = "returned", _("已退回")
    NOTHING_DUE = "nothing_due", _("未拨付，无需退回")


class Recovery(TimeStampedModel):
    """A booked or paid line found wrong and clawed back (追回): the recovery entry that takes it
    out of the special account, and, when the money had been paid, a receivable until the
    claimant returns it. The line itself becomes 不予补贴 with the rule and the reason."""

    claim_line = models.ForeignKey(
        "claims.ClaimLine", on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("申领明细")
    )
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="recovery", verbose_name=_("追回记账")
    )
    amount = models.DecimalField(_("追回金额"), **money)
    receivable = models.DecimalField(_("应退回金额"), **money)
    rule = models.CharField(_("依据规则"), max_length=16)
    reason = models.TextField(_("追回理由"))
    source = models.CharField(_("发现来源"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RecoveryStatus.choices)
    returned_on = models.DateField(_("退回日期"), null=True, blank=True)
    returned_reference = models.CharField(_("退回凭证号"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("追回")
        verbose_name_plural = _("追回")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(receivable__gte=0) & Q(receivable__lte=F("amount")),
                name="recovery_amounts",
            ),
            models.CheckConstraint(
                condition=(Q(status="nothing_due") & Q(receivable=0))
                | (Q(status__in=("outstanding", "returned")) & Q(receivable__gt=0)),
                name="recovery_status_matches_receivable",
            ),
        ]

    def __str__(self) -> str:
        return f"追回 #{self.pk} {self.amount}"


class ReconciliationStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("对账中")
    FINISHED = "finished", _("已完成")
    FAILED = "failed", _("失败")


class Reconciliation(ChoiceLabels, models.Model):
    """One reconciliation (R8.5) of a district's year, done by a Celery task (it reads every line
    of the district-year: seconds, not a page's milliseconds): asked for on the reconciliation page
    or by the nightly run (`requested_by` empty), it keeps the differences it found and when, so
    the page shows the latest result at once and says how old it is."""

    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ReconciliationStatus.choices, default=ReconciliationStatus.QUEUED
    )
    # [{"kind", "claim_id", "line_id", "message"}] as apps.ledger.selectors.accounts.Difference.
    differences = models.JSONField(_("不一致之处"), default=list, blank=True)
    difference_count = models.PositiveIntegerField(_("不一致处数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # When the sweeper sent the run again (apps.core.tasks.sweep_jobs); still stuck after that, it fails.
    resent_at = models.DateTimeField(_("重新投递时间"), null=True, blank=True)
    # The sum of the versions of the district-year's allocation totals, read as the run began. Every
    # booking, reversal, recovery and payment changes one of them, so while the sum is the same the
    # run's differences are still the books' (services.reconciliation_for_summary).
    totals_version = models.BigIntegerField(_("额度汇总版本"), null=True, blank=True)

    class Meta:
        verbose_name = _("对账")
        verbose_name_plural = _("对账记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["district", "year", "-created_at"], name="reconciliation_latest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"],
                condition=Q(status__in=["queued", "running"]),
                name="reconciliation_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year} 对账 #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (ReconciliationStatus.QUEUED, ReconciliationStatus.RUNNING)
