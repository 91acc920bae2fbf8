from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.catalog.models import level_label
from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.views import paginate, sort_by

from . import selectors, services
from .filters import AgencyFilter, EmployerFilter, InstitutionFilter
from .forms import (
    AgencyForm,
    ContractForm,
    EmployerDetailsForm,
    EmployerRegisterForm,
    HighSkillForm,
    InstitutionDetailsForm,
    InstitutionRegisterForm,
    PreReviewForm,
    ReasonForm,
    RecognitionForm,
    RecognitionRemoveForm,
    StaffAttachForm,
    TransitionForm,
    YearForm,
)
from .models import Employer, Institution, InstitutionOccupation, InstitutionStatus
from .permissions import agency_policy, employer_policy, institution_policy, may_end_contract

if TYPE_CHECKING:
    pass

INSTITUTION_SORTS = {
    "name": "name",
    "uscc": "uscc",
    "kind": ("kind", "name"),
    "district": ("district__sort_order", "name"),
    "status": ("status", "name"),
    "updated": "updated_at",
}
EMPLOYER_SORTS = {
    "name": "name",
    "uscc": "uscc",
    "district": ("district__sort_order", "name"),
    "updated": "updated_at",
}
ACCOUNT_FIELDS = ("username", "password", "full_name", "phone")


# Institutions ---------------------------------------------------------------------------------


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    institution_policy.check(user, "list")
    filterset = filter_page(InstitutionFilter, request, selectors.institution_list(user=user))
    qs, sort = sort_by(request, filterset.narrowed(), INSTITUTION_SORTS, "district")
    page = paginate(request, qs)
    counts = selectors.institution_status_counts(user=user)
    return render(
        request,
        "institutions/institution_list.html",
        {
            "page": page,
            "rows": [(i, selectors.bank_account_shown(user=user, institution=i)) for i in page.object_list],
            "sort": sort,
            "filter": filterset,
            "statuses": [(value, label, counts[value]) for value, label in InstitutionStatus.choices],
            "total": sum(counts.values()),
            "districts": filterset.offered_queryset("district"),
        },
    )


@login_required
def my_institutions(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if user.role != Role.INSTITUTION_OPERATOR:
        raise PermissionDenied
    institutions = selectors.my_institutions(user=user)
    return render(
        request,
        "institutions/my_institutions.html",
        {
            "items": [
                (
                    i,
                    selectors.bank_account_shown(user=user, institution=i),
                    selectors.institution_can_run_classes(i),
                )
                for i in institutions
            ]
        },
    )


def _detail(request: HttpRequest, institution: Institution, status: int = 200, **forms: Any) -> HttpResponse:
    user = signed_in(request)
    can_recognise = institution_policy.can(user, "recognise", institution)
    can_set_high_skill = institution_policy.can(user, "set_high_skill", institution)
    context = {
        "institution": institution,
        "bank_account": selectors.bank_account_shown(user=user, institution=institution),
        "can_run_classes": selectors.institution_can_run_classes(institution),
        "recognitions": selectors.institution_recognitions(institution=institution),
        "years": selectors.institution_years(institution=institution),
        "history": selectors.history_for(obj=institution),
        "actions": selectors.institution_actions(user=user, institution=institution),
        "transition_form": forms.get("transition_form"),
        "can_recognise": can_recognise and institution.status != InstitutionStatus.REVOKED,
        "can_evaluate": can_recognise,
        "recognition_form": forms.get("recognition_form") or RecognitionForm(),
        "year_form": forms.get("year_form") or YearForm(),
        "high_skill_form": (forms.get("high_skill_form") or HighSkillForm()) if can_set_high_skill else None,
        "can_change_details": institution_policy.can(user, "change_details", institution),
        "pre_review_form": (forms.get("pre_review_form") or PreReviewForm())
        if institution_policy.can(user, "recommend", institution)
        else None,
    }
    return render(request, "institutions/institution_detail.html", context, status=status)


@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.institution_get(institution_id=pk, user=signed_in(request)))


def _detail_form_post(
    request: HttpRequest,
    pk: int,
    *,
    action: str,
    form_class: type[forms.Form],
    form_name: str,
    perform: Callable[[Institution, dict[str, Any]], str],
) -> HttpResponse:
    """The action forms of the detail page: check the action (404 out of scope, 403 not
    allowed), call the service, and on an error show the page again with the form's errors."""
    user = signed_in(request)
    institution = selectors.institution_get(institution_id=pk, user=user)
    institution_policy.check(user, action, institution)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = perform(institution, form.cleaned_data)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, message)
            return redirect("institutions:institution_detail", pk=pk)
    return _detail(request, institution, status=400, **{form_name: form})


@login_required
@require_POST
def institution_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """A third-party agency's pre-review of the recognition application (R7.1)."""

    def perform(institution: Institution, data: dict[str, Any]) -> str:
        services.institution_recommend(
            institution=institution,
            actor=signed_in(request),
            verdict=data["verdict"],
            rule=data["rule"],
            text=data["text"],
        )
        return "第三方审核意见已记录，最终认定由区县人力社保局作出 (R7.1)"

    return _detail_form_post(
        request,
        pk,
        action="recommend",
        form_class=PreReviewForm,
        form_name="pre_review_form",
        perform=perform,
    )


@login_required
@require_POST
def institution_transition(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(institution: Institution, data: dict[str, Any]) -> str:
        changed = services.institution_transition(
            institution=institution, actor=signed_in(request), to=data["to"], reason=data["reason"]
        )
        return f"机构状态已变更为“{changed.get_status_display()}”"

    return _detail_form_post(
        request,
        pk,
        action="change_status",
        form_class=TransitionForm,
        form_name="transition_form",
        perform=perform,
    )


@login_required
@require_POST
def recognition_add(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(institution: Institution, data: dict[str, Any]) -> str:
        row = services.institution_recognition_add(institution=institution, actor=signed_in(request), **data)
        return f"已认定 {row.occupation}（{level_label(row.level)}）"

    return _detail_form_post(
        request,
        pk,
        action="recognise",
        form_class=RecognitionForm,
        form_name="recognition_form",
        perform=perform,
    )


@login_required
def recognition_remove(request: HttpRequest, pk: int, recognition_pk: int) -> HttpResponse:
    """A confirmation step: the page names the recognition and asks for a reason."""
    user = signed_in(request)
    institution = selectors.institution_get(institution_id=pk, user=user)
    recognition = get_object_or_404(
        InstitutionOccupation.objects.select_related("occupation"), pk=recognition_pk, institution=institution
    )
    institution_policy.check(user, "recognise", institution)
    form = RecognitionRemoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.institution_recognition_remove(
                    recognition=recognition, actor=user, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, f"已取消认定 {recognition.occupation}")
                return redirect("institutions:institution_detail", pk=pk)
    return render(
        request,
        "institutions/recognition_remove.html",
        {"institution": institution, "recognition": recognition, "form": form},
        status=status,
    )


@login_required
@require_POST
def high_skill_set(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(institution: Institution, data: dict[str, Any]) -> str:
        services.institution_high_skill_set(
            institution=institution,
            actor=signed_in(request),
            base=data["high_skill_base"],
            reason=data["reason"],
        )
        return "高技能人才培训基地已变更"

    return _detail_form_post(
        request,
        pk,
        action="set_high_skill",
        form_class=HighSkillForm,
        form_name="high_skill_form",
        perform=perform,
    )


@login_required
@require_POST
def year_set(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(institution: Institution, data: dict[str, Any]) -> str:
        row = services.institution_year_set(institution=institution, actor=signed_in(request), **data)
        return f"{row.year} 年度评估与培训计划额度已保存"

    return _detail_form_post(
        request, pk, action="recognise", form_class=YearForm, form_name="year_form", perform=perform
    )


@login_required
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    institution = selectors.institution_get(institution_id=pk, user=user)
    institution_policy.check(user, "change_details", institution)
    fields = ("address", "contact_name", "contact_phone", "bank_name", "bank_account")
    form = InstitutionDetailsForm(request.POST or None, initial={f: getattr(institution, f) for f in fields})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.institution_details_update(institution=institution, actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, "机构信息已保存")
                return redirect("institutions:institution_detail", pk=pk)
    return render(
        request,
        "institutions/institution_edit.html",
        {"institution": institution, "form": form},
        status=status,
    )


def _register(request: HttpRequest, form: Any, service: Any, template: str, success: str) -> HttpResponse:
    """The two public registration pages: create the account and the organisation, log in."""
    if request.user.is_authenticated:
        messages.info(request, "您已登录，如需为其他单位注册请先退出")
        return redirect("core:home")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
            try:
                user, organisation = service(**data)
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                login(request, user, backend=settings.SESSION_BACKEND)
                messages.success(request, success.format(organisation=organisation))
                return redirect("core:home")
    return render(request, template, {"form": form}, status=status)


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
def institution_register(request: HttpRequest) -> HttpResponse:
    return _register(
        request,
        InstitutionRegisterForm(request.POST or None),
        services.institution_register,
        "institutions/institution_register.html",
        "注册成功：{organisation.name} 已提交，等待所在区县人力社保局认定",
    )


# Employers ------------------------------------------------------------------------------------


@login_required
def employer_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    employer_policy.check(user, "list")
    filterset = filter_page(EmployerFilter, request, selectors.employer_list(user=user))
    qs, sort = sort_by(request, filterset.narrowed(), EMPLOYER_SORTS, "district")
    return render(
        request,
        "institutions/employer_list.html",
        {"page": paginate(request, qs), "sort": sort, "filter": filterset},
    )


@login_required
def my_employers(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if user.role != Role.ENTERPRISE_FILER:
        raise PermissionDenied
    return render(
        request,
        "institutions/my_employers.html",
        {"employers": selectors.my_employers(user=user)},
    )


@login_required
def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    employer = selectors.employer_get(employer_id=pk, user=user)
    return render(
        request,
        "institutions/employer_detail.html",
        {
            "employer": employer,
            "subsidiaries": employer_policy.visible(user).filter(parent=employer),
            "training_centres": selectors.institution_list(user=user).filter(employer=employer),
            "history": selectors.history_for(obj=employer),
            "can_change_details": employer_policy.can(user, "change_details", employer),
        },
    )


@login_required
def employer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    employer: Employer = selectors.employer_get(employer_id=pk, user=user)
    employer_policy.check(user, "change_details", employer)
    fields = ("address", "contact_name", "contact_phone")
    form = EmployerDetailsForm(request.POST or None, initial={f: getattr(employer, f) for f in fields})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.employer_details_update(employer=employer, actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, "单位信息已保存")
                return redirect("institutions:employer_detail", pk=pk)
    return render(
        request, "institutions/employer_edit.html", {"employer": employer, "form": form}, status=status
    )


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
def employer_register(request: HttpRequest) -> HttpResponse:
    return _register(
        request,
        EmployerRegisterForm(request.POST or None),
        services.employer_register,
        "institutions/employer_register.html",
        "注册成功：{organisation.name}（{organisation.entity_type_label}）已登记为用人单位",
    )


# Third-party agencies (clause 七, R7.1) -------------------------------------------------------

AGENCY_SORTS = {"name": "name", "uscc": "uscc", "status": ("status", "name"), "updated": "updated_at"}


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    agency_policy.check(user, "list")
    filterset = filter_page(AgencyFilter, request, selectors.agency_list(user=user))
    qs, sort = sort_by(request, filterset.narrowed(), AGENCY_SORTS, "name")
    return render(
        request,
        "institutions/agency_list.html",
        {
            "page": paginate(request, qs),
            "sort": sort,
            "filter": filterset,
            "can_add": agency_policy.can(user, "add"),
        },
    )


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    agency = selectors.agency_get(agency_id=pk, user=user)
    return render(
        request,
        "institutions/agency_detail.html",
        {
            "agency": agency,
            "contracts": selectors.agency_contracts(agency=agency, user=user),
            "staff": selectors.agency_staff(agency=agency),
            "history": selectors.agency_history(agency=agency),
            "can": {
                action: agency_policy.can(user, action, agency)
                for action in ("add_contract", "attach_staff", "blacklist", "lift", "view_reads")
            },
        },
    )


def _agency_form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    template: str,
    perform: Callable[[dict[str, Any]], str],
    back: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A form page of the agencies: on a valid POST call the service, say what it did and go
    `back`; otherwise show the form (400 with its errors)."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                message = perform(form.cleaned_data)
            except ApplicationError as exc:
                exc.add_to_form(form)
            else:
                messages.success(request, message)
                return redirect(back)
    return render(request, template, {"form": form, **context}, status=status)


def _agency_reason_page(
    request: HttpRequest,
    agency: Any,
    perform: Callable[[dict[str, Any]], str],
    *,
    title: str,
    kind: str = "",
) -> HttpResponse:
    """An agency's page that asks for a written reason (ending a contract, blacklisting, lifting)
    and returns to the agency."""
    return _agency_form_page(
        request,
        form=ReasonForm(request.POST or None),
        template="institutions/agency_form.html",
        perform=perform,
        back=reverse("institutions:agency_detail", args=[agency.pk]),
        context={"title": title, "agency": agency, "kind": kind},
    )


@login_required
def agency_add(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    agency_policy.check(user, "add")
    created: list[int] = []

    def perform(data: dict[str, Any]) -> str:
        agency = services.agency_create(actor=user, **data)
        created.append(agency.pk)
        return f"已登记第三方社会机构 {agency.name}"

    response = _agency_form_page(
        request,
        form=AgencyForm(request.POST or None),
        template="institutions/agency_form.html",
        perform=perform,
        back="institutions:agency_list",
        context={"title": "登记第三方社会机构", "agency": None},
    )
    return redirect("institutions:agency_detail", pk=created[0]) if created else response


@login_required
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    agency = selectors.agency_get(agency_id=pk, user=user)
    agency_policy.check(user, "add_contract", agency)
    officer_district_id = user.district_id if user.role == Role.DISTRICT_OFFICER else None

    def perform(data: dict[str, Any]) -> str:
        contract = services.contract_create(
            actor=user, agency=agency, **{**data, "districts": list(data["districts"])}
        )
        return f"已签订服务合同 {contract.number}"

    return _agency_form_page(
        request,
        form=ContractForm(request.POST or None, officer_district_id=officer_district_id),
        template="institutions/agency_form.html",
        perform=perform,
        back=reverse("institutions:agency_detail", args=[pk]),
        context={"title": "签订服务合同", "agency": agency},
    )


@login_required
def staff_attach(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    agency = selectors.agency_get(agency_id=pk, user=user)
    agency_policy.check(user, "attach_staff", agency)

    def perform(data: dict[str, Any]) -> str:
        staff = services.agency_staff_attach(actor=user, agency=agency, username=data["username"])
        return f"已登记机构人员 {staff.user.username}"

    return _agency_form_page(
        request,
        form=StaffAttachForm(request.POST or None),
        template="institutions/agency_form.html",
        perform=perform,
        back=reverse("institutions:agency_detail", args=[pk]),
        context={"title": "登记机构人员", "agency": agency},
    )


@login_required
def contract_terminate(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    user = signed_in(request)
    agency = selectors.agency_get(agency_id=pk, user=user)
    contract = selectors.contract_get(contract_id=contract_pk, agency=agency)
    if not may_end_contract(user, contract):
        raise PermissionDenied

    def perform(data: dict[str, Any]) -> str:
        services.contract_terminate(actor=user, contract=contract, reason=data["reason"])
        return f"服务合同 {contract.number} 已终止"

    return _agency_reason_page(
        request, agency, perform, title=f"提前终止服务合同 {contract.number}", kind="terminate"
    )


@login_required
def agency_blacklist(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    agency = selectors.agency_get(agency_id=pk, user=user)
    agency_policy.check(user, "blacklist", agency)

    def perform(data: dict[str, Any]) -> str:
        services.agency_blacklist(actor=user, agency=agency, reason=data["reason"])
        return f"{agency.name} 已列入黑名单，其人员账号已停止使用"

    return _agency_reason_page(
        request, agency, perform, title=f"将 {agency.name} 列入黑名单", kind="blacklist"
    )


@login_required
def agency_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    agency = selectors.agency_get(agency_id=pk, user=user)
    agency_policy.check(user, "lift", agency)

    def perform(data: dict[str, Any]) -> str:
        services.agency_blacklist_lift(actor=user, agency=agency, reason=data["reason"])
        return f"{agency.name} 已解除黑名单"

    return _agency_reason_page(request, agency, perform, title=f"解除 {agency.name} 的黑名单")
