"""Forms only collect input; the services validate it and name the field at fault."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import District
from apps.core.forms import DateInput, form_field


class DrawForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("区县"),
        queryset=District.objects.order_by("sort_order", "code"),
        to_field_name="code",
    )
    week_start = forms.DateField(label=_("抽查周（周一）"), widget=DateInput())


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class VisitForm(forms.Form):
    """The visit of one session: the time on the session's day, the head count, who on the roster
    was seen present or absent, remarks. `roster` is (enrolment id, name) pairs."""

    visited_time = forms.TimeField(label=_("检查时间（课次当天）"), widget=TimeInput())
    head_count = forms.IntegerField(label=_("现场在场人数"), min_value=0)
    present = forms.MultipleChoiceField(
        label=_("核对为在场的学员"), required=False, widget=forms.CheckboxSelectMultiple
    )
    absent = forms.MultipleChoiceField(
        label=_("核对为缺席的学员"), required=False, widget=forms.CheckboxSelectMultiple
    )
    remarks = forms.CharField(
        label=_("检查意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, roster: list[tuple[int, str]], day: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.day = day
        choices = [(str(pk), name) for pk, name in roster]
        for name in ("present", "absent"):
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = choices

    def visited_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.day, self.cleaned_data["visited_time"]))


class PhotoForm(forms.Form):
    file = forms.FileField(
        label=_("检查照片（jpg、png）"), widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png"})
    )


class ReassignForm(forms.Form):
    inspector = forms.TypedChoiceField(label=_("改派给"), coerce=int)
    reason = forms.CharField(label=_("改派原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, inspectors: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "inspector", forms.TypedChoiceField).choices = [
            (u.pk, f"{u}（{u.get_role_display()}）") for u in inspectors
        ]
