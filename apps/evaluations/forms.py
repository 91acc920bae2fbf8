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
