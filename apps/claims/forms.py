"""Forms only collect input; the services validate it and name the field at fault."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.forms.catalogue import LEVEL_CHOICES
from apps.catalog.models import Occupation
from apps.core import dates
from apps.core.forms import DateInput, ImportForm, RowFormSet, form_field
from apps.core.forms import row_formset as _row_formset
from apps.rules import RULES
from apps.rules.apprenticeship import EARLY_END_LABELS
from apps.rules.enterprise import TRAINEE_RELATIONS
from apps.rules.figures import figures_on

from .models import ClaimKind, ClaimStatus, LineDecision, MaterialKind, Verdict
from .services.filing import PersonRow
from .validators import accept_attribute

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from apps.institutions.models import Employer

DATE = DateInput()
MONTH = re.compile(r"(\d{4})-(\d{2})")
OTHER_RULE = "其他"
RULE_CHOICES = [
    ("", _("— 请选择理由规则 —")),
    *((r.id, f"{r.id} {r.title}") for r in RULES),
    (OTHER_RULE, OTHER_RULE),
]


def stage_choices(on: date) -> list[tuple[str, StrOrPromise]]:
    """The apprenticeship's stages, the advance with the share in force on ``on`` (R5.5)."""
    return [
        ("advance", _("开班预拨（不超过 %(share)s，R5.5）") % {"share": figures_on(on).advance_share}),
        ("completion", _("结业清算")),
        ("early_end", _("提前结束（R5.3）")),
    ]


CONFIRM = _("我已核对以上内容，确认执行")


def _confirm() -> forms.BooleanField:
    return forms.BooleanField(label=CONFIRM, required=True)


def _year(derived: StrOrPromise) -> forms.IntegerField:
    """The funding year: blank takes it from the training's dates (`derived` says how)."""
    return forms.IntegerField(
        label=_("资金年度"),
        min_value=2021,
        max_value=2100,
        required=False,
        help_text=_("在该年度的专账资金额度内列支 (R8.2)。留空则按培训日期确定：%(how)s") % {"how": derived},
    )


class ClassClaimForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申领类型"),
        choices=[
            (ClaimKind.CLASS_COMPLETION, _("培训补贴（按学员出勤和考核结果测算）")),
            (ClaimKind.LIVING_ALLOWANCE, _("生活费补贴（含交通费，限区县确定的人员类别，R8.1）")),
        ],
        widget=forms.RadioSelect,
        initial=ClaimKind.CLASS_COMPLETION,
    )
    confirm = _confirm()


class EmployerForm(forms.Form):
    """The employer the claim is filed for (a filer may act for more than one) and the year."""

    employer: forms.ModelChoiceField[Employer] = forms.ModelChoiceField(
        label=_("申报单位"), queryset=None, empty_label=None
    )

    def __init__(self, *args: Any, employers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "employer", forms.ModelChoiceField).queryset = employers


class WorkForTrainingForm(EmployerForm):
    year = _year(_("所申领最后一个月份所在年度"))


def _month(value: str, label: str) -> date:
    match = MONTH.fullmatch((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise forms.ValidationError(f"{label}应写成 YYYY-MM，例如 2021-10")
    return date(int(match.group(1)), int(match.group(2)), 1)


class PersonFields(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=64)

    def person_row(self) -> PersonRow:
        # The registry cleans both (apps.trainees.services.persons).
        return PersonRow(self.cleaned_data["id_number"], self.cleaned_data["name"])


class WorkerForm(PersonFields):
    month_from = forms.CharField(
        label=_("起始月份"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2021-10"}),
    )
    month_to = forms.CharField(
        label=_("结束月份"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2021-12"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            first = _month(data.get("month_from", ""), "起始月份")
            last = _month(data.get("month_to", ""), "结束月份")
        except forms.ValidationError as exc:
            self.add_error("month_from" if "起始" in str(exc) else "month_to", exc)
            return data
        if last < first:
            self.add_error("month_to", "结束月份不能早于起始月份")
            return data
        months = []
        while first <= last:
            months.append(f"{first.year:04d}-{first.month:02d}")
            first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        data["months"] = months
        return data


class ApprenticeshipForm(EmployerForm):
    stage = forms.ChoiceField(label=_("申领阶段"), choices=[])
    year = _year(_("开班预拨按开始日期、结业清算按计划结束日期、提前结束按实际结束月份所在年度"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "stage", forms.ChoiceField).choices = stage_choices(dates.today())


class ApprenticeForm(PersonFields):
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("计划结束日期"), widget=DATE)
    planned_months = forms.IntegerField(label=_("计划培训月数"), min_value=1, max_value=60)
    passed = forms.BooleanField(label=_("已完成主要课程并取得证书"), required=False)
    actual_months = forms.IntegerField(label=_("实际培训月数"), min_value=0, max_value=60, required=False)
    early_end = forms.ChoiceField(
        label=_("提前结束原因"), choices=[("", "—"), *EARLY_END_LABELS.items()], required=False
    )
    early_end_reason = forms.CharField(
        label=_("其他原因说明"),
        max_length=200,
        required=False,
        help_text=_("提前结束原因选“其他原因”时必填 (R5.3)"),
    )

    def __init__(self, *args: Any, stage: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = stage

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "计划结束日期不能早于开始日期")
        if self.stage == "early_end":
            if data.get("actual_months") is None:
                self.add_error("actual_months", "提前结束须填写实际培训月数 (R5.3)")
            if not data.get("early_end"):
                self.add_error("early_end", "提前结束须选择原因：改制重组、关闭、破产或其他原因 (R5.3)")
            elif data["early_end"] == "other" and not (data.get("early_end_reason") or "").strip():
                self.add_error("early_end_reason", "提前结束原因选“其他原因”时须写明原因 (R5.3)")
        return data


class EnterpriseTrainingForm(EmployerForm):
    training_name = forms.CharField(label=_("培训项目名称"), max_length=128)
    occupation = forms.ModelChoiceField(
        label=_("职业（工种）"), queryset=Occupation.objects.order_by("code"), empty_label=_("— 请选择 —")
    )
    level = forms.TypedChoiceField(
        label=_("等级"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    start = forms.DateField(label=_("培训开始日期"), widget=DATE)
    end = forms.DateField(label=_("培训结束日期"), widget=DATE)
    planned_online = forms.IntegerField(label=_("计划线上课时"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        share = figures_on(dates.today()).online_share
        self.fields["planned_online"].help_text = _("不超过计划总课时的 %(share)s (R2.3)") % {"share": share}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "培训结束日期不能早于开始日期")
        return data


class EnterpriseTraineeForm(PersonFields):
    relation = forms.ChoiceField(label=_("与企业的关系 (R4.2)"), choices=list(TRAINEE_RELATIONS.items()))
    attended_offline = forms.IntegerField(label=_("线下实到课时"), min_value=0, max_value=10000)
    attended_online = forms.IntegerField(label=_("线上实到课时"), min_value=0, max_value=10000, initial=0)
    passed = forms.BooleanField(label=_("考核合格并取得证书"), required=False)


def row_formset(form: type[forms.Form], extra: int = 5) -> type[RowFormSet]:
    return _row_formset(form, extra=extra, max_num=1000, validate_max=True)


WorkerFormSet = row_formset(WorkerForm)
ApprenticeFormSet = row_formset(ApprenticeForm)
EnterpriseTraineeFormSet = row_formset(EnterpriseTraineeForm)


def filled_forms(formset: RowFormSet) -> list[Any]:
    """The rows the user filled in, forms of the formset's own class (untouched extra rows are
    skipped, whatever their selects show)."""
    return formset.rows()


class DeleteDraftForm(forms.Form):
    reason = forms.CharField(label=_("删除原因"), required=False, max_length=200)
    confirm = _confirm()


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=ClaimStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = _confirm()


class LineDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=LineDecision.choices, widget=forms.HiddenInput)
    rule = forms.ChoiceField(label=_("理由规则"), choices=RULE_CHOICES, required=False)
    reason = forms.CharField(label=_("审核理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=CONFIRM, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == LineDecision.REJECTED:
            if not data.get("rule"):
                self.add_error("rule", "不予补贴须选择理由规则")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "不予补贴须填写审核理由")
            if not data.get("confirm"):
                self.add_error("confirm", "请勾选确认后再执行操作")
        return data


class LineRecommendForm(forms.Form):
    verdict = forms.ChoiceField(label=_("审核意见"), choices=Verdict.choices)
    rule = forms.ChoiceField(label=_("理由规则"), choices=RULE_CHOICES, required=False)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("verdict") == Verdict.REJECT and not data.get("rule"):
            self.add_error("rule", "建议不予补贴须选择理由规则")
        return data


class RecommendForm(forms.Form):
    text = forms.CharField(label=_("第三方审核意见"), widget=forms.Textarea(attrs={"rows": 3}))


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=MaterialKind.choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("文档：pdf、jpg、png、xlsx、docx；视频：mp4。无需提供培训补贴发票 (R4.3)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(sorted({accept_attribute(k) for k in MaterialKind}))}
        ),
    )


class ClaimRosterFileForm(ImportForm):
    kind = "claims"
    # An empty file is the reader's to refuse, naming the file (apps.core.tabular).
    file = forms.FileField(
        label=_("人员名单 (.xlsx)"),
        help_text=_("请使用下载的模板填写；也可上传 UTF-8 编码的 .csv 文件"),
        allow_empty_file=True,
    )
