"""考评 of third-party agencies (clause 七): a district's (or the municipal bureau's) evaluation of
an agency for a quarter, with the scorecard it was made on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class AgencyEvaluation(TimeStampedModel):
    """One evaluation: who evaluated (a district, or the municipal bureau when `district` is
    None), which quarter, the grade and why, and the scorecard's figures as they stood."""

    agency = models.ForeignKey(
        "institutions.ThirdPartyAgency",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("第三方社会机构"),
    )
    district = models.ForeignKey(
        "catalog.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("考评区县"),
        help_text=_("为空表示市人力社保局考评"),
    )
    quarter = models.DateField(_("季度（首日）"))
    grade = models.CharField(_("考评等次"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("考评意见"))
    figures = models.JSONField(_("考评依据（当季指标）"), default=dict)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("考评人")
    )

    class Meta:
        verbose_name = _("第三方机构考评")
        verbose_name_plural = _("第三方机构考评")
        ordering = ["-quarter", "-id"]
        constraints = [
            # Once a quarter per evaluator: each district, and the municipal bureau.
            models.UniqueConstraint(
                fields=["agency", "district", "quarter"],
                condition=models.Q(district__isnull=False),
                name="evaluation_once_per_district_quarter",
            ),
            models.UniqueConstraint(
                fields=["agency", "quarter"],
                condition=models.Q(district__isnull=True),
                name="evaluation_once_per_city_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.quarter:%Y} 年第 {(self.quarter.month - 1) // 3 + 1} 季度考评"
