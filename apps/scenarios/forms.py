from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import District
from apps.core.forms import form_field

from .engine import FIELDS, LEVELS, OPS

ROWS = 3


class ScenarioForm(forms.Form):
    """A name, whose (district), which year, and up to three parameter changes."""

    name = forms.CharField(label=_("推演名称"), max_length=100)
    district: forms.ModelChoiceField[District] = forms.ModelChoiceField(
        label=_("区县"), queryset=None, required=False, empty_label=_("全市")
    )
    year = forms.IntegerField(label=_("资金年度"), min_value=2021, max_value=2100)

    def __init__(self, *args: Any, districts: Any = None, city: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = form_field(self, "district", forms.ModelChoiceField)
        field.queryset = districts
        field.required = not city
        if not city and districts is not None:
            field.empty_label = None
        self.fields["year"].initial = timezone.localdate().year - 1
        for n in range(1, ROWS + 1):
            self.fields[f"field_{n}"] = forms.ChoiceField(
                label=_("参数 %(n)s") % {"n": n}, required=False, choices=[("", "—"), *FIELDS.items()]
            )
            self.fields[f"op_{n}"] = forms.ChoiceField(
                label=_("变化方式 %(n)s") % {"n": n}, required=False, choices=list(OPS.items())
            )
            self.fields[f"value_{n}"] = forms.CharField(
                label=_("数值 %(n)s") % {"n": n}, required=False, max_length=20
            )
            self.fields[f"occupation_{n}"] = forms.CharField(
                label=_("仅限职业（工种）编码 %(n)s") % {"n": n},
                required=False,
                max_length=20,
                help_text=_("只用于补贴标准 S 和日补贴标准，如 6-18-01-01；留空为全部"),
            )
            self.fields[f"level_{n}"] = forms.ChoiceField(
                label=_("仅限等级 %(n)s") % {"n": n},
                required=False,
                choices=[("", _("全部")), *LEVELS.items()],
            )
            self.fields[f"from_{n}"] = forms.DateField(
                label=_("自何日起 %(n)s") % {"n": n},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text=_("只推演此日及以后审批（或开班）的明细；留空为全年"),
            )

    def changes(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {
                "field": data[f"field_{n}"],
                "op": data[f"op_{n}"],
                "value": data[f"value_{n}"],
                "occupation": data.get(f"occupation_{n}") or "",
                "level": data.get(f"level_{n}") or "",
                "from": data[f"from_{n}"].isoformat() if data.get(f"from_{n}") else "",
            }
            for n in range(1, ROWS + 1)
            if data.get(f"field_{n}") or data.get(f"value_{n}")
        ]


class AdoptForm(forms.Form):
    """Adopt a finished scenario: from which day its changes take effect, and why."""

    prefix = "adopt"

    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("须晚于今天；在此之前已审批的培训班和已发生的业务不按新参数重算"),
    )
    reason = forms.CharField(label=_("采纳理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    """Approve or return a pending adoption, with a reason."""

    prefix = "decide"

    reason = forms.CharField(label=_("审核意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
