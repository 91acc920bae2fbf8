"""Forms only collect input; the ledger services validate it and name the field at fault."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import District
from apps.claims.forms import RULE_CHOICES
from apps.claims.models import ClaimLine
from apps.core.forms import DateInput, form_field
from apps.core.templatetags.money import yuan

CONFIRM = _("我已核对以上内容，确认执行")
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class AllocationForm(forms.Form):
    district: forms.ModelChoiceField[District] = forms.ModelChoiceField(
        label=_("区县"), queryset=None, empty_label=None
    )
    year = forms.IntegerField(label=_("年度"), min_value=2021, max_value=2100)
    amount = forms.DecimalField(label=_("年度专账资金额度（元）"), **MONEY)
    work_for_training_share = forms.DecimalField(
        label=_("其中以工代训额度（元）"), initial=Decimal("0"), **MONEY
    )
    living_allowance_share = forms.DecimalField(
        label=_("其中生活费补贴额度（元）"),
        initial=Decimal("0"),
        help_text=_("培训补贴额度 = 年度额度 − 以工代训额度 − 生活费补贴额度 (R8.2)"),
        **MONEY,
    )
    confirm = forms.BooleanField(label=CONFIRM, required=True)

    def __init__(self, *args: Any, districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "district", forms.ModelChoiceField).queryset = districts
        self.fields["year"].initial = timezone.localdate().year


class TransferForm(forms.Form):
    """The municipal bureau's redistribution (调剂) between two districts within a year."""

    source: forms.ModelChoiceField[District] = forms.ModelChoiceField(label=_("调出区县"), queryset=None)
    target: forms.ModelChoiceField[District] = forms.ModelChoiceField(label=_("调入区县"), queryset=None)
    amount = forms.DecimalField(
        label=_("调剂金额（元）"), help_text=_("从调出区县的培训补贴额度调入调入区县的培训补贴额度"), **MONEY
    )
    reason = forms.CharField(
        label=_("调剂理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("写明依据，如两区县的额度执行率、审核时效和绩效"),
    )
    confirm = forms.BooleanField(label=CONFIRM, required=True)

    def __init__(self, *args: Any, districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "source", forms.ModelChoiceField).queryset = districts
        form_field(self, "target", forms.ModelChoiceField).queryset = districts


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=CONFIRM, required=True)


class RecoverForm(forms.Form):
    rule = forms.ChoiceField(label=_("依据规则"), choices=RULE_CHOICES)
    reason = forms.CharField(label=_("追回理由"), widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(
        label=_("发现来源（选填）"),
        max_length=64,
        required=False,
        help_text=_("如：稽核疑点 #12、举报、现场核查"),
    )
    confirm = forms.BooleanField(label=CONFIRM, required=True)


class RecoveryReturnedForm(forms.Form):
    # ISO values: <input type="date"> shows nothing for the zh-hans format (ui.md).
    returned_on = forms.DateField(label=_("退回日期"), widget=DateInput())
    reference = forms.CharField(label=_("退回凭证号"), max_length=64)
    confirm = forms.BooleanField(label=CONFIRM, required=True)


class PayableLinesField(forms.ModelMultipleChoiceField):
    """The lines to pay, each named by its claim, claimant, person and amount."""

    def label_from_instance(self, line: ClaimLine) -> str:
        return f"申领 #{line.claim_id} {line.claim.claimant} · {line.person.name} · {yuan(line.amount)} 元"


class PaymentForm(forms.Form):
    reference = forms.CharField(label=_("拨付凭证号"), max_length=64)
    paid_on = forms.DateField(label=_("拨付日期"), widget=DateInput())
    lines = PayableLinesField(label=_("拨付的明细"), queryset=None, widget=forms.CheckboxSelectMultiple)
    confirm = forms.BooleanField(label=CONFIRM, required=True)

    def __init__(self, *args: Any, lines: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "lines", forms.ModelChoiceField).queryset = lines
        self.fields["paid_on"].initial = timezone.localdate()


class ApproveForm(forms.Form):
    reason = forms.CharField(label=_("审核意见（选填）"), required=False)
    # Asked only when the claim has open audit findings (claim_pending_matters).
    acknowledged = forms.BooleanField(label=_("我已知悉该申领待处理的稽核疑点"), required=False)
    confirm = forms.BooleanField(label=CONFIRM, required=True)
