"""Filing a claim: for a completed class, or an employer's claim from its form or its Excel
roster; editing a draft or returned claim, and deleting a draft."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from apps.catalog.models import Occupation
from apps.classes.models import ClassStatus
from apps.classes.selectors import class_get
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.core.permissions import signed_in
from apps.core.tabular import TableErrors
from apps.rules.figures import figures_on
from apps.trainees.models import EnrolmentStatus

from .. import imports, selectors
from ..forms import (
    ApprenticeFormSet,
    ApprenticeshipForm,
    ClaimRosterFileForm,
    ClassClaimForm,
    DeleteDraftForm,
    EnterpriseTraineeFormSet,
    EnterpriseTrainingForm,
    WorkerFormSet,
    WorkForTrainingForm,
    filled_forms,
)
from ..models import ClaimKind, ClaimStatus
from ..permissions import claim_policy
from ..services import class_claims, drafts, filing, lifecycle

S = ClaimStatus


MORE_ROWS = 5


@login_required
def claim_create_for_class(request: HttpRequest, class_id: int) -> HttpResponse:
    """申领补贴 from a completed class: the training subsidy or the living allowance."""
    user = signed_in(request)
    training_class = class_get(class_id=class_id, user=user)
    if not claim_policy.can(user, "add_class"):
        raise PermissionDenied
    form = ClassClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        create = (
            class_claims.claim_create_living_allowance
            if form.cleaned_data["kind"] == ClaimKind.LIVING_ALLOWANCE
            else class_claims.claim_create_for_class
        )
        try:
            claim = create(actor=user, training_class=training_class)
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, "补贴申领草稿已生成，请核对每名学员的测算结果后提交")
            return redirect("claims:detail", pk=claim.pk)
    return render(
        request,
        "claims/claim_for_class.html",
        {
            "training_class": training_class,
            "form": form,
            "completed": training_class.status == ClassStatus.COMPLETED,
            "enrolled": training_class.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
            "existing": claim_policy.visible(user).filter(training_class=training_class),
        },
    )


def _employers(request: HttpRequest) -> Any:
    user = signed_in(request)
    if not claim_policy.can(user, "add_enterprise"):
        raise PermissionDenied
    employers = user.employers.select_related("district").order_by("name")
    if not employers.exists():
        raise PermissionDenied("您的账号尚未关联用人单位")
    return employers


def _formset(
    formset_class: Any, request: HttpRequest, initial: list[dict] | None = None, **kwargs: Any
) -> Any:
    """The rows formset; the "增加行" button re-renders it with MORE_ROWS more blank rows. An edited
    draft's rows come pre-filled (`initial`); posted back, every row is read as typed, like a new
    claim's, so a row cleared is dropped."""
    if request.method != "POST":
        return formset_class(prefix="rows", initial=initial, **kwargs)
    data = request.POST.copy()
    data["rows-INITIAL_FORMS"] = "0"
    if "more" in data:
        data["rows-TOTAL_FORMS"] = str(int(data.get("rows-TOTAL_FORMS", "0") or 0) + MORE_ROWS)
    return formset_class(data, prefix="rows", **kwargs)


def _create_with_rows(request, form, formset, kind: str, claim=None) -> Any:
    """Validate the header form and the rows, then register the persons and create the claim (or
    fill the edited one) in one service call. Returns the claim, or None with the errors on the
    forms."""
    form_valid, rows_valid = form.is_valid(), formset.is_valid()  # both, for every error at once
    if "more" in request.POST or not (form_valid and rows_valid):
        return None
    rows = filled_forms(formset)
    if not rows:
        form.add_error(None, "请至少填写一行")
        return None
    try:
        return filing.claim_create_with_persons(
            rows=[row.person_row() for row in rows],
            create=lambda persons: filing.claim_file(
                actor=request.user,
                kind=kind,
                header=form.cleaned_data,
                rows=[row.cleaned_data for row in rows],
                persons=persons,
                claim=claim,
            ),
            known=filing.claim_known_persons(claim) if claim is not None else None,
        )
    except ApplicationError as exc:
        exc.add_to_form(form)
        return None


def _render_rows_form(request, title, form, formset, columns, help_text, claim=None) -> HttpResponse:
    """The header form and the rows, each row's fields in `columns` order with its number, and
    (on a new claim) the link to the same claim with its roster uploaded from Excel."""
    upload = request.resolver_match.url_name.removeprefix("create_").replace("_", "-")
    return render(
        request,
        "claims/claim_rows_form.html",
        {
            "title": f"修改{title} #{claim.pk}" if claim is not None else title,
            "claim": claim,
            "form": form,
            "formset": formset,
            "headers": [formset.empty_form[name].label for name in columns],
            "rows": [
                (number, [row[name] for name in columns], row.non_field_errors())
                for number, row in enumerate(formset.forms, start=1)
            ],
            "help": help_text,
            "roster_upload": upload if upload in imports.KINDS else "",
        },
    )


def _one_span(months: list[str]) -> bool:
    """Whether the months ("YYYY-MM") run with no gap, as the form's 起始月份–结束月份 gives them."""
    index = {int(m[:4]) * 12 + int(m[5:7]) for m in months}
    return max(index) - min(index) + 1 == len(index)


def _edited_rows(claim: Any, row: Any) -> list[dict[str, Any]]:
    """An edited draft's lines as its form's rows (`row(line)` gives the kind's fields), the ID
    numbers masked as on every page."""
    lines = claim.lines.select_related("person").order_by("pk")
    return [
        {"id_number": mask_id_number(line.person.id_number), "name": line.person.name, **row(line)}
        for line in lines
    ]


def _saved(request: HttpRequest, claim: Any, edited: Any, created: str) -> HttpResponse:
    messages.success(request, "申领明细已修改并重新测算，请核对后提交" if edited is not None else created)
    return redirect("claims:detail", pk=claim.pk)


@login_required
def claim_create_work_for_training(request: HttpRequest) -> HttpResponse:
    return _work_for_training_page(request, None)


def _work_for_training_page(request: HttpRequest, claim: Any) -> HttpResponse:
    employers = _employers(request)
    initial: dict[str, Any] = {"employer": employers[0]}
    rows = None
    if claim is not None:
        gaps = [line for line in claim.lines.select_related("person") if not _one_span(line.inputs["months"])]
        if gaps:
            # The form gives each worker one span of months: shown there, a claim of April and
            # October (filed over the API) would be saved as April to October.
            names = "、".join(line.person.name for line in gaps)
            messages.error(
                request,
                f"{names} 申领的月份不连续，表格只能填写连续月份，不能在此修改；"
                "请通过接口修改，或删除草稿后重新申领",
            )
            return redirect("claims:detail", pk=claim.pk)
        initial = {"employer": claim.employer, "year": claim.year}
        rows = _edited_rows(
            claim,
            lambda line: {"month_from": min(line.inputs["months"]), "month_to": max(line.inputs["months"])},
        )
    form = WorkForTrainingForm(request.POST or None, employers=employers, initial=initial)
    if claim is not None:
        form.fields["employer"].disabled = True
    formset = _formset(WorkerFormSet, request, initial=rows)
    if request.method == "POST":
        saved = _create_with_rows(request, form, formset, "work-for-training", claim)
        if saved is not None:
            return _saved(request, saved, claim, "以工代训申领草稿已生成，请核对后提交")
    return _render_rows_form(
        request,
        "以工代训补贴申领",
        form,
        formset,
        ["id_number", "name", "month_from", "month_to"],
        "按职工和月份申领，无需培训计划和培训合格证书 (R3.2)；"
        f"{figures_on(dates.today()).work_for_training_last_month}以后的月份不予补贴 (R3.1)。",
        claim,
    )


@login_required
def claim_create_apprenticeship(request: HttpRequest) -> HttpResponse:
    return _apprenticeship_page(request, None)


def _apprentice_row(line: Any) -> dict[str, Any]:
    inputs = line.inputs
    return {
        "start": inputs["start"],
        "end": inputs["end"],
        "planned_months": inputs["planned_months"],
        "passed": inputs.get("passed", True),
        "actual_months": inputs.get("actual_months"),
        "early_end": inputs.get("early_end") or "",
        "early_end_reason": inputs.get("early_end_reason", ""),
    }


def _apprenticeship_page(request: HttpRequest, claim: Any) -> HttpResponse:
    employers = _employers(request)
    initial: dict[str, Any] = {"employer": employers[0]}
    rows = None
    if claim is not None:
        initial = {"employer": claim.employer, "stage": claim.apprenticeship_stage, "year": claim.year}
        rows = _edited_rows(claim, _apprentice_row)
    form = ApprenticeshipForm(request.POST or None, employers=employers, initial=initial)
    if claim is not None:
        form.fields["employer"].disabled = True
    stage = request.POST.get("stage", "") if request.method == "POST" else initial.get("stage", "")
    formset = _formset(ApprenticeFormSet, request, initial=rows, form_kwargs={"stage": stage})
    if request.method == "POST":
        saved = _create_with_rows(request, form, formset, "apprenticeship", claim)
        if saved is not None:
            return _saved(request, saved, claim, "企业新型学徒制申领草稿已生成，请核对后提交")
    return _render_rows_form(
        request,
        "企业新型学徒制补贴申领",
        form,
        formset,
        [
            "id_number",
            "name",
            "start",
            "end",
            "planned_months",
            "passed",
            "actual_months",
            "early_end",
            "early_end_reason",
        ],
        f"开班时可预拨不超过 {figures_on(dates.today()).advance_share} (R5.5)，结业时扣除；"
        "企业改制重组、关闭、破产或其他原因提前结束的，"
        "已完成主要课程并取得证书的学徒按实际培训月数折算 (R5.3)，其他原因须写明，由审核人员确认。",
        claim,
    )


@login_required
def claim_create_enterprise(request: HttpRequest) -> HttpResponse:
    return _enterprise_page(request, None)


def _enterprise_page(request: HttpRequest, claim: Any) -> HttpResponse:
    employers = _employers(request)
    initial: dict[str, Any] = {"employer": employers[0]}
    rows = None
    if claim is not None:
        training = claim.class_snapshot["training"]
        relations = claim.class_snapshot.get("relations", {})
        initial = {
            "employer": claim.employer,
            "training_name": training["name"],
            "occupation": Occupation.objects.filter(code=training["occupation"]).first(),
            "level": training["level"],
            "start": training["start"],
            "end": training["end"],
            "planned_online": training["planned_online"],
        }
        rows = _edited_rows(
            claim,
            lambda line: {
                "relation": relations.get(str(line.person_id), ""),
                "attended_offline": line.inputs["attended"]["offline"],
                "attended_online": line.inputs["attended"]["online"],
                "passed": line.inputs.get("passed", True),
            },
        )
    form = EnterpriseTrainingForm(request.POST or None, employers=employers, initial=initial)
    if claim is not None:
        form.fields["employer"].disabled = True
    formset = _formset(EnterpriseTraineeFormSet, request, initial=rows)
    if request.method == "POST":
        saved = _create_with_rows(request, form, formset, "enterprise", claim)
        if saved is not None:
            return _saved(
                request,
                saved,
                claim,
                "企业职工培训直补申领草稿已生成，请上传培训计划、学员签到表和培训视频类资料",
            )
    return _render_rows_form(
        request,
        "企业职工培训直补申领",
        form,
        formset,
        ["id_number", "name", "relation", "attended_offline", "attended_online", "passed"],
        "生成草稿后上传培训计划、学员签到表和培训视频类资料（涉密企业除外），无需开具培训补贴发票 (R4.3)。",
        claim,
    )


# The kinds whose rows the claimant types, and so edits; a class's claims follow the class and
# are quoted again by 重新测算.
EDIT_PAGES = {
    ClaimKind.WORK_FOR_TRAINING: _work_for_training_page,
    ClaimKind.APPRENTICESHIP: _apprenticeship_page,
    ClaimKind.ENTERPRISE_DIRECT: _enterprise_page,
}


@login_required
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改 a draft or returned claim: the creation form, pre-filled; saved, the rows replace the
    old ones and are quoted again through the same services."""
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
    if claim.kind not in EDIT_PAGES:
        raise Http404("班级补贴申领随班级数据变化，请在申领页面重新测算")
    if claim.status not in lifecycle.EDITABLE:
        messages.error(request, f"申领状态为“{claim.get_status_display()}”，不能修改（草稿或退回修改时可以）")
        return redirect("claims:detail", pk=pk)
    return EDIT_PAGES[ClaimKind(claim.kind)](request, claim)


@login_required
def claim_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """删除 a draft: a confirmation page, then the deletion (logged)."""
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
    if claim.status != S.DRAFT:
        messages.error(request, f"申领状态为“{claim.get_status_display()}”，只有草稿可以删除")
        return redirect("claims:detail", pk=pk)
    form = DeleteDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            drafts.claim_delete_draft(
                claim=claim, actor=signed_in(request), reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
            return redirect("claims:detail", pk=pk)
        messages.success(request, f"申领草稿 #{pk} 已删除")
        return redirect("claims:list")
    return render(request, "claims/claim_delete.html", {"claim": claim, "form": form})


ROSTER_HEADERS = {
    "work-for-training": WorkForTrainingForm,
    "apprenticeship": ApprenticeshipForm,
    "enterprise": EnterpriseTrainingForm,
}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _roster_kind(kind: str) -> imports.RosterKind:
    if kind not in imports.KINDS:
        raise Http404
    return imports.roster_kind(kind)


@login_required
def claim_roster_upload(request: HttpRequest, kind: str) -> HttpResponse:
    """The claim form's header, and the roster as an Excel file instead of typed rows: every row
    error of the file at once, or the same claim draft as the hand form."""
    roster_kind = _roster_kind(kind)
    employers = _employers(request)
    form = ROSTER_HEADERS[kind](request.POST or None, employers=employers, initial={"employer": employers[0]})
    file_form = ClaimRosterFileForm(request.POST or None, request.FILES or None)
    row_errors: list[Any] = []
    if request.method == "POST" and all([form.is_valid(), file_form.is_valid()]):
        upload = file_form.cleaned_data["file"]
        try:
            parsed = imports.parse_claim_roster(
                upload, filename=upload.name, kind=roster_kind, stage=form.cleaned_data.get("stage", "")
            )
            claim = imports.claim_create_from_rows(
                actor=signed_in(request), kind=roster_kind, header=form.cleaned_data, rows=parsed.rows
            )
        except TableErrors as exc:
            row_errors = exc.errors
            file_form.add_error(None, exc.message)
        except ApplicationError as exc:
            exc.add_to_form(file_form if exc.field == "file" else form)
        else:
            messages.success(
                request, f"已按上传的名单（{len(parsed.rows)} 人）生成{roster_kind.title}草稿，请核对后提交"
            )
            return redirect("claims:detail", pk=claim.pk)
    return render(
        request,
        "claims/claim_roster_upload.html",
        {
            "kind": roster_kind,
            "form": form,
            "file_form": file_form,
            "row_errors": row_errors,
            "columns": roster_kind.columns,
            "hand_form": f"claims:create_{kind.replace('-', '_')}",
        },
    )


@login_required
def claim_roster_template(request: HttpRequest, kind: str) -> HttpResponse:
    roster_kind = _roster_kind(kind)
    _employers(request)
    response = HttpResponse(imports.claim_roster_template(roster_kind), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{roster_kind.sheet}模板.xlsx")
    return response
