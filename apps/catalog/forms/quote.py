"""The quote contract (docs/quote-contract.md) as a Chinese form: the form's fields map one to one onto the
JSON fields, so the page, the API and `python -m apps.rules quote` compute the same figure."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DateInput
from apps.rules.apprenticeship import EARLY_END_LABELS
from apps.rules.enterprise import MATERIALS
from apps.rules.limits import KIND_LABELS

from ..models import District, Level

LEVELS = [(str(v), label) for v, label in Level.choices] + [("", _("专项职业能力（无等级）"))]
DATE = DateInput()


class QuoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("测算类型"), choices=list(KIND_LABELS.items()), initial="class")
    district = forms.ModelChoiceField(
        label=_("区县（取其政策设置）"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("— 全市默认值 —"),
        to_field_name="code",
    )
    approved_on = forms.DateField(label=_("开班审核通过日期"), required=False, widget=DATE)
    start = forms.DateField(label=_("培训开始日期"), required=False, widget=DATE)
    end = forms.DateField(label=_("培训结束日期"), required=False, widget=DATE)
    occupation_code = forms.CharField(label=_("职业（工种）编码"), required=False, max_length=10)
    occupation_category = forms.IntegerField(label=_("大类"), required=False, min_value=1, max_value=8)
    occupation_new = forms.BooleanField(label=_("新职业"), required=False)
    level = forms.ChoiceField(label=_("等级"), choices=LEVELS, required=False, initial="5")
    standard = forms.DecimalField(label=_("补贴标准 S (元/人)"), required=False, decimal_places=2)
    rate = forms.DecimalField(label=_("日补贴标准 r (元/人·天)"), required=False, decimal_places=2)
    planned_hours = forms.IntegerField(label=_("计划课时 H（空则按 R1.5 计算）"), required=False, min_value=0)
    planned_online = forms.IntegerField(label=_("计划线上课时"), required=False, min_value=0)
    online_rate = forms.DecimalField(label=_("线上日补贴标准 (元/人·天)"), required=False, decimal_places=2)
    attended_offline = forms.IntegerField(label=_("实到线下课时"), required=False, min_value=0)
    attended_online = forms.IntegerField(label=_("实到线上课时"), required=False, min_value=0)
    passed = forms.BooleanField(label=_("取得证书（合格）"), required=False, initial=True)
    enterprise_uplift = forms.DecimalField(label=_("企业上浮比例 u"), required=False, decimal_places=4)
    classified = forms.BooleanField(label=_("涉密企业"), required=False)
    materials = forms.MultipleChoiceField(
        label=_("企业直补材料"),
        choices=list(MATERIALS.items()),
        required=False,
        initial=list(MATERIALS),
        widget=forms.CheckboxSelectMultiple,
    )
    months = forms.CharField(
        label=_("以工代训月份"), required=False, help_text=_("用逗号分隔，例如 2021-10,2021-11")
    )
    monthly_amount = forms.DecimalField(label=_("以工代训月补贴标准"), required=False, decimal_places=2)
    max_months = forms.IntegerField(label=_("以工代训最长月数"), required=False, min_value=0)
    annual_amount = forms.DecimalField(label=_("学徒制年补贴标准"), required=False, decimal_places=2)
    planned_months = forms.IntegerField(label=_("学徒制计划月数"), required=False, min_value=0)
    actual_months = forms.IntegerField(label=_("学徒制实际月数"), required=False, min_value=0)
    early_end = forms.ChoiceField(
        label=_("提前结束原因"),
        choices=[("", _("— 未提前结束 —")), *EARLY_END_LABELS.items()],
        required=False,
    )
    id_number = forms.CharField(label=_("身份证号码（可选）"), required=False, max_length=18)
    history = forms.CharField(
        label=_("本人其他补贴性培训（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            '例如 [{"kind": "class", "start": "2021-01-10", "end": "2021-01-30", '
            '"occupation_code": "4-03-02-01", "level": 5}]'
        ),
    )

    # form field → contract field, for errors the engine reports by contract name
    CONTRACT_FIELDS = {
        "occupation.code": "occupation_code",
        "occupation.category": "occupation_category",
        "occupation.new": "occupation_new",
        "attended.offline": "attended_offline",
        "attended.online": "attended_online",
    }

    def form_field_for(self, contract_field: str) -> str | None:
        name = self.CONTRACT_FIELDS.get(contract_field, contract_field.split("[", 1)[0].split(".", 1)[0])
        return name if name in self.fields else None

    def contract(self) -> dict[str, Any]:
        """The cleaned form as the quote contract's JSON object (only the fields given)."""
        data = self.cleaned_data
        kind = data["kind"]
        out: dict[str, Any] = {"kind": kind}

        def put(name: str, value: Any) -> None:
            if value is None or value == "":
                return
            out[name] = str(value) if isinstance(value, Decimal) else value

        for name in ("approved_on", "start", "end"):
            put(name, data[name].isoformat() if data[name] else None)
        if data["occupation_code"] or data["occupation_category"]:
            code = data["occupation_code"].strip()
            category = data["occupation_category"] or (int(code[0]) if code[:1].isdigit() else None)
            out["occupation"] = {"code": code, "category": category, "new": data["occupation_new"]}
        if kind in ("class", "enterprise"):
            out["level"] = int(data["level"]) if data["level"] else None
            out["passed"] = data["passed"]
            if data["attended_offline"] is not None or data["attended_online"] is not None:
                out["attended"] = {
                    "offline": data["attended_offline"] or 0,
                    "online": data["attended_online"] or 0,
                }
        for name in ("standard", "rate", "planned_hours", "planned_online", "online_rate"):
            put(name, data[name])
        if kind == "enterprise":
            put("enterprise_uplift", data["enterprise_uplift"])
            out["classified"] = data["classified"]
            out["materials"] = list(data["materials"])
        if kind == "work_for_training":
            out["months"] = [m.strip() for m in data["months"].replace("，", ",").split(",") if m.strip()]
            put("monthly_amount", data["monthly_amount"])
            put("max_months", data["max_months"])
        if kind == "apprenticeship":
            for name in ("annual_amount", "planned_months", "actual_months", "early_end"):
                put(name, data[name])
            out["passed"] = data["passed"]
        put("id_number", data["id_number"].strip())
        if data["history"].strip():
            try:
                out["history"] = json.loads(data["history"], parse_float=Decimal)
            except json.JSONDecodeError as exc:
                raise forms.ValidationError(
                    {"history": f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列"}
                ) from exc
        return out
