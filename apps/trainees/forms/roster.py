from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.core.forms import ImportForm
from apps.rules.enterprise import TRAINEE_RELATIONS

from ..models import TargetGroup
from ..services.persons import (
    REVEAL_PURPOSES,
    clean_household_region,
    clean_id_number,
    clean_name,
    clean_phone,
)


def _checked(clean: Callable[[str], Any], value: str) -> Any:
    """Run a registry cleaner and turn its refusal into a field error: one wording everywhere."""
    try:
        return clean(value)
    except ApplicationError as exc:
        raise forms.ValidationError(str(exc)) from exc


class EnrolForm(forms.Form):
    """One person onto the roster. The values are cleaned by the registry's own cleaners; the
    checks against the class and the person's other trainings are the service's."""

    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=32,
        help_text=_("18 位居民身份证号码，任何省份均可；性别和出生日期由号码自动得出"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=32,
        required=False,
        help_text=_("11 位手机号码，或带区号的固定电话"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    household_region = forms.CharField(
        label=_("户籍所在地"), max_length=64, required=False, help_text=_("仅用于统计，不作为参训条件 (R8.4)")
    )
    groups = forms.MultipleChoiceField(
        label=_("人员类别"), choices=TargetGroup.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    relation = forms.ChoiceField(
        label=_("与企业关系 (R4.2)"), choices=[("", _("— 请选择 —")), *TRAINEE_RELATIONS.items()]
    )

    def __init__(self, *args: Any, enterprise: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not enterprise:
            del self.fields["relation"]

    def clean_id_number(self) -> str:
        return _checked(clean_id_number, self.cleaned_data["id_number"]).number

    def clean_name(self) -> str:
        return _checked(clean_name, self.cleaned_data["name"])

    def clean_phone(self) -> str:
        return _checked(clean_phone, self.cleaned_data["phone"])

    def clean_household_region(self) -> str:
        return _checked(clean_household_region, self.cleaned_data["household_region"])


class RosterUploadForm(ImportForm):
    kind = "roster"
    file = forms.FileField(
        label=_("花名册文件 (.xlsx)"),
        help_text=_("请使用本班的花名册模板；也可上传 UTF-8 编码的 .csv 文件"),
        allow_empty_file=True,  # the reader refuses it, naming the file (apps.core.tabular)
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("退出原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)
    confirm = forms.BooleanField(label=_("我已核对，确认该学员退出本班"), required=True)


class RevealForm(forms.Form):
    purpose = forms.ChoiceField(label=_("查看用途"), choices=list(REVEAL_PURPOSES.items()))
