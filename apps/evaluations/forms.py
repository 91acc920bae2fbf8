from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Grade


class EvaluationForm(forms.Form):
    grade = forms.ChoiceField(label=_("考评等次"), choices=Grade.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("考评意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("依据本季度指标写明考评理由；考评记录告知该机构人员。"),
    )


class PlanForm(forms.Form):
    """Next year's training plan, confirmed from the proposal (issue 19, part 3)."""

    plan_quota = forms.IntegerField(label=_("下一年度培训计划（人次）"), min_value=0, max_value=100000)
    reason = forms.CharField(
        label=_("确定理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如采纳建议，写明依据；如调整建议人数，写明原因"),
    )
