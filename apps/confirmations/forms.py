"""The trainee's forms: the code (with the ID number's last four characters) and the answer.
apps.confirmations.services validates the answer again and names the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import form_field

from .services import REASON_MAX

CONFIRM, DISPUTE = "confirm", "dispute"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("确认码"),
        max_length=20,
        help_text=_("短信中的 8 位确认码，如 ABCD-EFGH（不区分大小写）"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    id_tail = forms.CharField(
        label=_("身份证号码后四位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("您的答复"),
        choices=[(CONFIRM, _("属实：我参加了以上培训")), (DISPUTE, _("有异议：以上记录与实际不符"))],
        widget=forms.RadioSelect,
    )
    absent_sessions = forms.TypedMultipleChoiceField(
        label=_("我没有参加的课次（有异议时勾选，可多选）"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("异议理由（有异议时必填）"),
        required=False,
        max_length=REASON_MAX,
        help_text=_("如：从未参加该培训；只参加了前两天；签到不是本人。您的答复不会告知培训机构或企业。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, sessions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                s.pk,
                f"{s.date:%Y-%m-%d} {s.start_time:%H:%M}–{s.end_time:%H:%M} {s.class_name}（{s.mode}）",
            )
            for s in sessions
        ]
        field = form_field(self, "absent_sessions", forms.TypedMultipleChoiceField)
        field.choices = choices
        if not choices:
            del self.fields["absent_sessions"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == DISPUTE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请说明异议理由，如未参加哪些培训、实际情况如何"))
        if data.get("answer") == CONFIRM and data.get("absent_sessions"):
            self.add_error(
                "absent_sessions", _("确认属实时不能勾选未参加的课次；如有未参加的课次，请选择“有异议”")
            )
        return data


class ResendForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
