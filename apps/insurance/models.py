"""The social-insurance roster (社保参保名单) a district imports from its 社保 system: who was
insured by which enterprise in which month. Enterprises' staff-training and 以工代训 claims are
checked against it (rule A9, apps.insurance.services): a worker not insured by the claiming
enterprise in a claimed month the roster covers is a finding."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class RosterImport(TimeStampedModel):
    """One file of the roster, imported whole or not at all."""

    district = models.ForeignKey(
        "catalog.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"))
    added = models.PositiveIntegerField(_("新增参保记录"))
    # The months the file holds ("YYYY-MM"): the months the roster covers for the district.
    months = models.JSONField(_("参保月份"), default=list)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导入人")
    )
    # The check of the district's claims the import ran (its A9 findings).
    run = models.OneToOneField(
        "audits.AuditRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("社保参保名单导入")
        verbose_name_plural = _("社保参保名单导入")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"社保参保名单导入 #{self.pk}"


class InsuredMonth(models.Model):
    """A person insured by an enterprise (its USCC) in a month (the first day of it)."""

    district = models.ForeignKey("catalog.District", on_delete=models.PROTECT, related_name="+")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    id_number = models.CharField(_("身份证号码"), max_length=18)
    month = models.DateField(_("参保月份"))
    source = models.ForeignKey(RosterImport, on_delete=models.PROTECT, related_name="insured")

    class Meta:
        verbose_name = _("参保记录")
        verbose_name_plural = _("参保记录")
        constraints = [
            models.UniqueConstraint(fields=["uscc", "id_number", "month"], name="insured_month_once")
        ]
        indexes = [models.Index(fields=["id_number", "month"], name="insured_person_month")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.month:%Y-%m}"
