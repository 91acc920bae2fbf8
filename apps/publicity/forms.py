"""Forms only collect input; apps.publicity.services validates it and names the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.claims.models import Claim
from apps.core.forms import form_field

CONFIRM = _("我已核对以上内容，确认执行")


class ClaimChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, claim: Claim) -> str:
        waiting = getattr(claim, "to_publish", 0)
        return f"{claim.get_kind_display()}申领 #{claim.pk} {claim.claimant} · 待公示 {waiting} 条"


class PublishForm(forms.Form):
    everything = forms.BooleanField(label=_("公示全部审核通过、尚未公示的申领"), required=False)
    claims = ClaimChoices(
        label=_("或选择要公示的申领"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    confirm = forms.BooleanField(label=CONFIRM, required=True)

    def __init__(self, *args: Any, claims: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "claims", forms.ModelChoiceField).queryset = claims

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("everything") and not data.get("claims"):
            raise forms.ValidationError(_("请选择要公示的申领，或勾选“公示全部”"))
        return data


class ObjectionForm(forms.Form):
    line = forms.TypedChoiceField(label=_("异议的明细（选填）"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_("您的姓名"), max_length=64)
    contact = forms.CharField(
        label=_("联系电话或电子邮箱"), max_length=254, help_text=_("用于告知处理结果，不会公开")
    )
    text = forms.CharField(label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, lines: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("针对整个公示"))]
        choices += [(line.pk, f"#{line.pk} {line.claimant} · {line.masked_name}") for line in lines]
        form_field(self, "line", forms.TypedChoiceField).choices = choices


class AnswerForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("处理结论"),
        choices=[("upheld", _("成立")), ("rejected", _("不成立"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("处理理由"), widget=forms.Textarea(attrs={"rows": 4}))
    confirm = forms.BooleanField(label=CONFIRM, required=True)
