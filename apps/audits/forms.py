"""Forms only collect input; the services validate it and name the field at fault."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import District

from .models import BATCH_SCOPES, FindingStatus

CONFIRM = _("我已核对以上内容，确认执行")


class StartForm(forms.Form):
    scope = forms.ChoiceField(label=_("稽核范围"), choices=BATCH_SCOPES)
    district = forms.ModelChoiceField(
        label=_("区县"),
        queryset=District.objects.order_by("sort_order", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("— 稽核范围为区县时选择 —"),
    )
    claim = forms.IntegerField(
        label=_("申领编号"), min_value=1, required=False, help_text=_("稽核范围为一件申领时填写，如 128")
    )


class ResolveForm(forms.Form):
    to = forms.ChoiceField(
        label=_("处理结论"),
        choices=[
            (FindingStatus.CONFIRMED, _("确认疑点（到申领页对该明细作出不予补贴等审核结论）")),
            (FindingStatus.DISMISSED, _("排除疑点（核实后不影响补贴）")),
            (FindingStatus.OPEN, _("重新打开")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("处理意见（必填）"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    confirm = forms.BooleanField(label=CONFIRM, required=True)
