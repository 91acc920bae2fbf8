from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from apps.catalog.models import District
from apps.claims.models import Share
from apps.core.forms import DateInput, form_field

from .filters import DATE_LABELS, KIND_CHOICES, KIND_LABELS, STATUS_CHOICES, STATUS_LABELS, ExportFilter
from .models import ExportKind
from .permissions import export_districts

if TYPE_CHECKING:
    from apps.accounts.models import User

FIRST_YEAR = 2021  # notice 渝人社发〔2021〕12号 is in force from 2021-03-01


def year_choices() -> list[tuple[int, str]]:
    return [(year, f"{year} 年度") for year in range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)]


class ExportFilterForm(forms.Form):
    """The filter of the ledger, the claim lines or the audit findings: nothing ticked in a group
    means all of it."""

    districts: forms.ModelMultipleChoiceField[District] = forms.ModelMultipleChoiceField(
        label="区县",
        queryset=None,
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选即您可查看的全部区县",
    )
    years = forms.TypedMultipleChoiceField(
        label="资金年度", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    shares = forms.MultipleChoiceField(
        label="资金类别", choices=Share.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    statuses = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    date_from = forms.DateField(required=False, widget=DateInput())
    date_to = forms.DateField(required=False, widget=DateInput())

    def __init__(self, *args: Any, user: User, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "districts", forms.ModelChoiceField).queryset = export_districts(user).order_by(
            "sort_order", "code"
        )
        form_field(self, "years", forms.ChoiceField).choices = year_choices()
        form_field(self, "kinds", forms.ChoiceField).choices = KIND_CHOICES[kind]
        self.fields["kinds"].label = KIND_LABELS[kind]
        form_field(self, "statuses", forms.ChoiceField).choices = STATUS_CHOICES[kind]
        self.fields["statuses"].label = STATUS_LABELS[kind]
        self.fields["date_from"].label = f"{DATE_LABELS[kind]}自"
        self.fields["date_to"].label = f"{DATE_LABELS[kind]}至"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data

    def export_filter(self) -> ExportFilter:
        data = self.cleaned_data
        return ExportFilter(
            districts=tuple(d.code for d in data["districts"]),
            years=tuple(sorted(data["years"])),
            kinds=tuple(data["kinds"]),
            shares=tuple(data["shares"]),
            statuses=tuple(data["statuses"]),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class FundSummaryForm(forms.Form):
    district: forms.ModelChoiceField[District] = forms.ModelChoiceField(
        label="区县", queryset=None, to_field_name="code", empty_label="— 请选择 —"
    )
    year = forms.TypedChoiceField(label="资金年度", coerce=int)

    def __init__(self, *args: Any, user: User, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        districts = export_districts(user).order_by("sort_order", "code")
        form_field(self, "district", forms.ModelChoiceField).queryset = districts
        if user.district_id:
            self.fields["district"].initial = districts.filter(pk=user.district_id).first()
        form_field(self, "year", forms.ChoiceField).choices = year_choices()
        self.fields["year"].initial = timezone.localdate().year

    def export_filter(self) -> ExportFilter:
        return ExportFilter(
            districts=(self.cleaned_data["district"].code,), years=(self.cleaned_data["year"],)
        )


FORMS: dict[str, type[ExportFilterForm | FundSummaryForm]] = {
    ExportKind.LEDGER: ExportFilterForm,
    ExportKind.CLAIM_LINES: ExportFilterForm,
    ExportKind.AUDIT_FINDINGS: ExportFilterForm,
    ExportKind.FUND_SUMMARY: FundSummaryForm,
}
