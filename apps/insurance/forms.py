"""The roster upload: the file and, for the municipal admin, the district."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import District
from apps.core.forms import form_field
from apps.core.uploads import limits


class RosterForm(forms.Form):
    district = forms.ModelChoiceField(label=_("区县"), queryset=District.objects.none())
    file = forms.FileField(
        label=_("社保参保名单（.xlsx 或 .csv）"),
        help_text=_("表头：统一社会信用代码、身份证号码、参保月份（如 2021-04）。")
        + limits("insurance").help_text,
    )

    def __init__(self, *args: Any, districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = form_field(self, "district", forms.ModelChoiceField)
        field.queryset = districts
        if districts is not None and districts.count() == 1:
            field.initial = districts.first()
            field.widget = forms.HiddenInput()
