from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Level, Occupation
from apps.core.forms import DateInput, form_field, row_formset

from .engine import SessionInput
from .models import OrganisationMode, SchedulePattern, SessionMode, TrainingType

LEVELS = [(str(v), label) for v, label in Level.choices] + [("", _("专项职业能力（无等级）"))]
DATE = DateInput()
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ClassForm(forms.Form):
    name = forms.CharField(label=_("班级名称"), max_length=128)
    occupation: forms.ModelChoiceField[Occupation] = forms.ModelChoiceField(
        label=_("职业（工种）"), queryset=None, empty_label=_("— 请选择已认定的职业 —")
    )
    level = forms.TypedChoiceField(
        label=_("等级"), choices=LEVELS, coerce=int, empty_value=None, required=False
    )
    training_type = forms.ChoiceField(label=_("培训类型"), choices=TrainingType.choices)
    organisation_mode = forms.ChoiceField(label=_("组织方式"), choices=OrganisationMode.choices)
    schedule_pattern = forms.ChoiceField(label=_("学制"), choices=SchedulePattern.choices)
    start_date = forms.DateField(label=_("开班日期"), widget=DATE)
    end_date = forms.DateField(label=_("结业日期"), widget=DATE)
    venue = forms.CharField(label=_("培训地点"), max_length=200)
    teachers = forms.CharField(label=_("授课教师"), max_length=200)
    planned_trainees = forms.IntegerField(label=_("计划人数"), min_value=1, max_value=10000)

    def __init__(self, *args, occupations=None, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "occupation", forms.ModelChoiceField).queryset = occupations

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "结业日期不能早于开班日期")
        return data


class SessionForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME)
    mode = forms.ChoiceField(label=_("方式"), choices=SessionMode.choices)
    topic = forms.CharField(label=_("内容"), max_length=200, required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", "结束时间须晚于开始时间")
        return data


SessionFormSet = row_formset(SessionForm, extra=3, can_delete=True, max_num=400, validate_max=True)


def sessions_from(formset) -> list[SessionInput]:
    """Every session kept or added: unchanged initial rows stay, untouched blank rows are ignored."""
    sessions = []
    for form in formset.rows():
        data = form.cleaned_data
        sessions.append(
            SessionInput(data["date"], data["start_time"], data["end_time"], data["mode"], data["topic"])
        )
    return sessions


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("原因/意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    online_override_reason = forms.CharField(
        label=_("线上课时超比例的审核意见 (R2.3)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label=_("我已核对以上内容，确认执行"), required=True)
