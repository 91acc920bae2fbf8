from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core import dates
from apps.core.forms import DateInput, ImportForm
from apps.rules.figures import figures_on

from ..models import Level, MajorCategory, Occupation, SettingKey

LEVEL_CHOICES = [("", _("专项职业能力（无等级）"))] + [(str(v), label) for v, label in Level.choices]


class RateRowForm(forms.Form):
    occupation = forms.ModelChoiceField(
        label=_("职业（工种）"),
        queryset=Occupation.objects.all(),
        required=False,
        empty_label=_("— 按大类适用 —"),
    )
    major_category = forms.TypedChoiceField(
        label=_("适用大类"),
        choices=[("", _("— 指定职业时不填 —")), *list(MajorCategory.choices)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    level = forms.TypedChoiceField(
        label=_("等级"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    standard = forms.DecimalField(
        label=_("补贴标准 S (元/人)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )
    rate = forms.DecimalField(
        label=_("日补贴标准 r (元/人·天)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    class_hours = forms.IntegerField(
        label=_("课时 H"),
        min_value=1,
        required=False,
    )
    online_rate = forms.DecimalField(
        label=_("线上日补贴标准 (元/人·天)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("60.00"),
    )
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    effective_to = forms.DateField(label=_("失效日期"), required=False, widget=DateInput())
    reason = forms.CharField(
        label=_("调整依据/原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        figures = figures_on(dates.today())  # R1.5's formulas with the class-hours per day in force
        self.fields["standard"].help_text = _("新职业不填，按 %(formula)s 计算 (R1.5)") % {
            "formula": figures.new_occupation_standard_formula
        }
        self.fields["class_hours"].help_text = _("仅新职业填写；其他职业按 %(formula)s 计算 (R1.5)") % {
            "formula": figures.planned_hours_formula
        }


class DistrictSettingForm(forms.Form):
    key = forms.ChoiceField(label=_("设置项"), choices=SettingKey.choices)
    value = forms.DecimalField(label=_("取值"), max_digits=12, decimal_places=4, min_value=Decimal("0"))
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    note = forms.CharField(label=_("依据/说明"), max_length=200)


class OccupationImportForm(ImportForm):
    kind = "occupations"
    # An empty file is the reader's to refuse, naming the file (apps.core.tabular).
    file = forms.FileField(label=_("目录文件 (.xlsx 或 .csv)"), allow_empty_file=True)
