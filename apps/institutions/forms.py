"""Forms only collect input; the services validate it and name the field at fault."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.forms.catalogue import LEVEL_CHOICES
from apps.catalog.models import District, Occupation
from apps.core.forms import DateInput, form_field
from apps.rules import RULES

from .models import (
    OTHER_RULE,
    ContractScope,
    HighSkillBase,
    InstitutionKind,
    InstitutionStatus,
    PreReviewVerdict,
)


class AccountFields(forms.Form):
    """The registrant's own account: they log in with it after registering."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时使用，可用字母、数字和 @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        help_text=_("至少 8 个字符，不能全为数字，不能与用户名相似或过于常见"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    full_name = forms.CharField(label=_("经办人姓名"), max_length=64)
    phone = forms.CharField(label=_("经办人手机号码"), max_length=20)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("两次输入的密码不一致"))
        return data


def _district_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("所在区县"),
        queryset=District.objects.order_by("sort_order", "code"),
        empty_label=_("— 请选择 —"),
    )


class InstitutionRegisterForm(AccountFields):
    name = forms.CharField(label=_("机构名称"), max_length=128)
    uscc = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, help_text=_("18 位，按 GB 32100-2015 校验 (R11.3)")
    )
    kind = forms.ChoiceField(label=_("机构类型"), choices=[("", _("— 请选择 —")), *InstitutionKind.choices])
    district = _district_field()
    address = forms.CharField(label=_("地址"), max_length=200)
    contact_name = forms.CharField(label=_("联系人"), max_length=32)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)
    bank_name = forms.CharField(label=_("开户银行"), max_length=64)
    bank_account = forms.CharField(
        label=_("银行账号"), max_length=40, help_text=_("培训补贴拨付账户，8–32 位数字")
    )

    field_order = [
        "name",
        "uscc",
        "kind",
        "district",
        "address",
        "contact_name",
        "contact_phone",
        "bank_name",
        "bank_account",
        "username",
        "password",
        "password_again",
        "full_name",
        "phone",
    ]


class EmployerRegisterForm(AccountFields):
    name = forms.CharField(label=_("单位名称"), max_length=128)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        help_text=_(
            "第 1–2 位决定单位类型：91 企业、92 个体工商户、52 民办非企业单位等均可注册；"
            "11、12、13、19 等机关、事业单位不能注册 (R4.2)"
        ),
    )
    district = _district_field()
    address = forms.CharField(label=_("地址"), max_length=200)
    contact_name = forms.CharField(label=_("联系人"), max_length=32)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20)
    is_classified = forms.BooleanField(
        label=_("涉密企业"),
        required=False,
        help_text=_("涉密企业申请直补培训补贴时无需提供培训计划、签到表和培训视频类资料 (R4.3)"),
    )
    parent_uscc = forms.CharField(
        label=_("上级集团统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("属于集团公司的子公司、分公司填写；集团须已在本平台注册"),
    )

    field_order = [
        "name",
        "uscc",
        "district",
        "address",
        "contact_name",
        "contact_phone",
        "is_classified",
        "parent_uscc",
        "username",
        "password",
        "password_again",
        "full_name",
        "phone",
    ]


class _OwnIds(forms.Form):
    """Several of these forms share the detail page: each gets its own element ids."""

    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ConfirmFields(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label=_("我已核实上述情况，确认执行此操作"),
        error_messages={"required": _("请勾选确认后再提交")},
    )


class TransitionForm(ConfirmFields):
    to = forms.ChoiceField(choices=InstitutionStatus.choices, widget=forms.HiddenInput)


class RecognitionForm(_OwnIds):
    id_prefix = "recognition"

    occupation = forms.ModelChoiceField(
        label=_("职业（工种）"), queryset=Occupation.objects.order_by("code"), empty_label=_("— 请选择 —")
    )
    level = forms.TypedChoiceField(
        label=_("等级"), choices=LEVEL_CHOICES, coerce=int, empty_value=None, required=False
    )
    recognised_on = forms.DateField(
        label=_("认定日期"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    reason = forms.CharField(label=_("认定依据"), max_length=500, required=False)


class RecognitionRemoveForm(ConfirmFields):
    pass


class HighSkillForm(_OwnIds):
    id_prefix = "high_skill"

    high_skill_base = forms.ChoiceField(label=_("高技能人才培训基地"), choices=HighSkillBase.choices)
    reason = forms.CharField(label=_("依据/原因"), max_length=500)


class YearForm(_OwnIds):
    id_prefix = "year"

    year = forms.IntegerField(label=_("年度"), min_value=2021)
    evaluation_score = forms.DecimalField(
        label=_("人工覆盖得分（留空则采用系统计算得分）"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        help_text=_(
            "综合评估得分由系统按各项数据计算；只有须覆盖计算得分时才填写（0–100 分），"
            "填写或修改须在“依据/说明”中说明原因，下一年度培训计划的建议按覆盖得分的等次。"
        ),
    )
    plan_quota = forms.IntegerField(label=_("培训计划额度（人次）"), min_value=0)
    reason = forms.CharField(
        label=_("依据/说明"),
        max_length=500,
        required=False,
        help_text=_("填写或修改人工覆盖得分时必填"),
    )


class InstitutionDetailsForm(forms.Form):
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    bank_name = forms.CharField(label=_("开户银行"), max_length=64, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)


class EmployerDetailsForm(forms.Form):
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


# Third-party agencies (clause 七, R7.1) -------------------------------------------------------


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=128)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class ContractForm(forms.Form):
    """An officer is offered their own district only; the service checks it again."""

    number = forms.CharField(label=_("合同编号"), max_length=64, help_text=_("同一签约区县内不能重复"))
    district = forms.ModelChoiceField(label=_("签约区县"), queryset=District.objects.none())
    districts = forms.ModelMultipleChoiceField(
        label=_("服务区县"),
        queryset=District.objects.none(),
        help_text=_("机构人员只能在这些区县内工作；可多选（按住 Ctrl 键）"),
    )
    scopes = forms.MultipleChoiceField(
        label=_("服务内容"),
        choices=ContractScope.choices,
        help_text=_("机构审核、过程监管、申领审核，至少选一项；可多选（按住 Ctrl 键）"),
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput(), help_text=_("含当日；次日起合同失效"))
    amount = forms.DecimalField(
        label=_("合同金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )

    def __init__(self, *args, officer_district_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        offered = District.objects.order_by("sort_order", "code")
        if officer_district_id is not None:
            offered = offered.filter(pk=officer_district_id)
        for name in ("district", "districts"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = offered


class StaffAttachForm(forms.Form):
    username = forms.CharField(
        label=_("人员账号（用户名）"),
        max_length=150,
        help_text=_("角色为“第三方社会机构审核人员”的账号，由账号管理员创建"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PreReviewForm(forms.Form):
    """A third-party reviewer's pre-review of a recognition or a class application (R7.1)."""

    verdict = forms.ChoiceField(
        label=_("审核建议"), choices=PreReviewVerdict.choices, widget=forms.RadioSelect
    )
    rule = forms.ChoiceField(label=_("理由规则（建议不予通过时必选）"), required=False, choices=())
    text = forms.CharField(
        label=_("第三方审核意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "rule", forms.ChoiceField).choices = [
            ("", _("— 不引用规则 —")),
            *((r.id, f"{r.id} {r.title}") for r in RULES),
            (OTHER_RULE, OTHER_RULE),
        ]
