from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.templatetags.money import yuan
from apps.core.views import paginate, sort_by
from apps.institutions.forms import PreReviewForm
from apps.rules import result_to_dict

from . import selectors, services
from .engine import class_quote_current, class_quote_planned
from .filters import ClassFilter
from .forms import ClassForm, SessionFormSet, TransitionForm, sessions_from
from .models import ClassStatus
from .permissions import ACTIONS, class_policy

if TYPE_CHECKING:
    from apps.core.permissions import Actor


@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    """Operators: their classes. Officers: the district's review queue. City-wide roles: all."""
    user = signed_in(request)
    filterset = filter_page(ClassFilter, request, selectors.class_list(user=user))
    qs, sort = sort_by(
        request,
        filterset.narrowed(),
        {
            "submitted": ("submitted_at", "created_at"),
            "start": "start_date",
            "institution": "institution__name",
            "occupation": ("occupation__code", "level"),
            "status": "status",
        },
        "-submitted",
    )
    return render(
        request,
        "classes/class_list.html",
        {
            "page": paginate(request, qs),
            "sort": sort,
            "filter": filterset,
            "can_add": class_policy.can(user, "add"),
        },
    )


def _operator_institution(user: Actor):
    institution = user.institutions.select_related("district").first()
    if institution is None:
        raise PermissionDenied
    return institution


def _class_values(form: ClassForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.CLASS_FIELDS}


@login_required
def class_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not class_policy.can(user, "add"):
        raise PermissionDenied
    institution = _operator_institution(user)
    form = ClassForm(request.POST or None, occupations=services.occupations_for(institution))
    formset = SessionFormSet(request.POST or None, prefix="sessions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            training_class = services.class_create(
                actor=user,
                institution=institution,
                values=_class_values(form),
                sessions=sessions_from(formset),
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, "开班申请草稿已保存，请核对测算结果后提交")
            return redirect("classes:detail", pk=training_class.pk)
    return render(
        request,
        "classes/class_form.html",
        {"form": form, "formset": formset, "institution": institution, "object": None},
    )


@login_required
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = class_policy.get_for_action(user, "change", pk=pk)
    if training_class.status not in services.EDITABLE:
        messages.error(request, f"{training_class.get_status_display()}的开班申请不能修改")
        return redirect("classes:detail", pk=pk)
    initial = {name: getattr(training_class, name) for name in services.CLASS_FIELDS}
    sessions = [
        {"date": s.date, "start_time": s.start_time, "end_time": s.end_time, "mode": s.mode, "topic": s.topic}
        for s in training_class.sessions.all()
    ]
    form = ClassForm(
        request.POST or None,
        initial=initial,
        occupations=services.occupations_for(training_class.institution),
    )
    formset = SessionFormSet(request.POST or None, prefix="sessions", initial=sessions)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.class_update(
                actor=user,
                training_class=training_class,
                values=_class_values(form),
                sessions=sessions_from(formset),
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, "开班申请已修改")
            return redirect("classes:detail", pk=pk)
    return render(
        request,
        "classes/class_form.html",
        {
            "form": form,
            "formset": formset,
            "institution": training_class.institution,
            "object": training_class,
        },
    )


@login_required
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = selectors.class_get(class_id=pk, user=user)
    sessions = list(training_class.sessions.all())
    actions = [
        {"to": move.target, "label": move.label, "needs_reason": move.reason_required}
        for move in services.LIFECYCLE.allowed(training_class, user)
    ]
    quote = class_quote_current(training_class=training_class, sessions=sessions)
    pending = None
    if training_class.status in (*services.EDITABLE, ClassStatus.SUBMITTED):
        pending = services.class_plan_findings(training_class=training_class, on=timezone.localdate())
    return render(
        request,
        "classes/class_detail.html",
        {
            "object": training_class,
            "sessions": sessions,
            "quote": quote,
            "findings": pending if pending is not None else training_class.findings,
            "history": selectors.class_history(training_class=training_class),
            "actions": actions,
            "can_edit": training_class.status in services.EDITABLE
            and class_policy.can(user, "change", training_class),
            "transition_form": TransitionForm(),
            "return_reason": selectors.class_return_reason(training_class=training_class),
            "can_recommend": training_class.status == ClassStatus.SUBMITTED
            and class_policy.can(user, "recommend", training_class),
            "recommend_form": PreReviewForm(),
            "r23": any(f["rule"] == "R2.3" for f in (pending or training_class.findings)),
        },
    )


@login_required
@require_POST
def class_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training_class = selectors.class_get(class_id=pk, user=user)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请勾选确认后再执行操作")
        return redirect("classes:detail", pk=pk)
    to = form.cleaned_data["to"]
    if to not in ACTIONS or not class_policy.can(user, ACTIONS[to], training_class):
        raise PermissionDenied
    try:
        services.class_transition(
            training_class=training_class,
            actor=user,
            to=to,
            reason=form.cleaned_data["reason"],
            online_override_reason=form.cleaned_data["online_override_reason"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已{services.TRANSITIONS[(training_class.status, to)].label}")
    return redirect("classes:detail", pk=pk)


@login_required
@require_POST
def class_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """A third-party agency's pre-review of a submitted application (R7.1)."""
    user = signed_in(request)
    training_class = selectors.class_get(class_id=pk, user=user)
    if not class_policy.can(user, "recommend", training_class):
        raise PermissionDenied
    form = PreReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("classes:detail", pk=pk)
    try:
        data = form.cleaned_data
        services.class_recommend(
            training_class=training_class,
            actor=user,
            text=data["text"],
            verdict=data["verdict"],
            rule=data["rule"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "第三方审核意见已记录，最终审核由区县人力社保局作出 (R7.1)")
    return redirect("classes:detail", pk=pk)


# What the rules engine needs of the class form to quote it; the other fields may still be blank.
QUOTE_FIELDS = ("occupation", "level", "training_type", "start_date", "end_date", "planned_trainees")


def _error(*, row: int | None, field: str, message: str) -> dict[str, Any]:
    where = (_("第 %(row)s 行 ") % {"row": row} if row else "") + (f"{field}：" if field else "")
    return {"row": row, "field": field, "message": message, "text": where + message}


def _form_errors(form, *, row: int | None, fields=None) -> list[dict[str, Any]]:
    return [
        _error(row=row, field=str(form.fields[name].label) if name in form.fields else "", message=str(m))
        for name, messages_ in form.errors.items()
        if fields is None or name in fields or name == "__all__"
        for m in messages_
    ]


@login_required
@require_POST
def class_quote_live(request: HttpRequest) -> JsonResponse:
    """The class form's live quote: the form as typed (not saved) → the quote the class page will
    show after saving, as JSON. Institution operators only, for their own institution (or, with
    ``?class=<id>``, for a class they may change). Sent with the form's CSRF token."""
    user = signed_in(request)
    if request.GET.get("class"):
        if not request.GET["class"].isdigit():
            return JsonResponse({"detail": _("班级编号无效")}, status=400)
        institution = class_policy.get_for_action(user, "change", pk=int(request.GET["class"])).institution
    elif class_policy.can(user, "add"):
        institution = _operator_institution(user)
    else:
        raise PermissionDenied
    form = ClassForm(request.POST, occupations=services.occupations_for(institution))
    formset = SessionFormSet(request.POST, prefix="sessions")
    form.is_valid()
    errors = _form_errors(form, row=None, fields=QUOTE_FIELDS)
    errors += [_error(row=None, field=_("课程安排"), message=str(m)) for m in formset.non_form_errors()]
    sessions = []
    for i, session_form in enumerate(formset.forms, start=1):
        # A row with no date and no times is not (yet) a session, whatever its mode select says.
        if not any(session_form[name].value() for name in ("date", "start_time", "end_time")):
            continue
        if not session_form.is_valid():
            errors += _form_errors(session_form, row=i)
        elif not session_form.cleaned_data.get("DELETE"):
            data = session_form.cleaned_data
            sessions.append(
                services.SessionInput(
                    data["date"], data["start_time"], data["end_time"], data["mode"], data["topic"]
                )
            )
    if errors:
        return JsonResponse({"detail": _("请先更正以下内容，再测算补贴"), "errors": errors}, status=400)
    values = {name: form.cleaned_data[name] for name in QUOTE_FIELDS}
    quote = class_quote_planned(institution=institution, values=values, sessions=sessions)
    if quote is None:
        return JsonResponse(
            {"quote": None, "detail": _("本区县没有适用于该职业和等级的补贴标准，无法测算 (R1.6)。")}
        )
    result = result_to_dict(quote.per_trainee)
    # The contract's shape (docs/quote-contract.md): lists of steps and findings, each a dict.
    steps = cast(list[dict[str, Any]], result["steps"])
    for step in steps:
        step["result"] = None if step["amount"] is None else _("= %(a)s 元") % {"a": yuan(step["amount"])}
    findings = list(cast(list[dict[str, Any]], result["findings"]))
    if quote.online_finding is not None and not any(f["rule"] == "R2.3" for f in findings):
        f = quote.online_finding
        findings.append({"rule": f.rule, "severity": f.severity, "message": f.message})
    return JsonResponse(
        {
            "quote": {
                "per_trainee": result["amount"],
                "per_trainee_display": yuan(quote.per_trainee.amount),
                "planned_trainees": values["planned_trainees"],
                "class_total": f"{quote.class_total:.2f}",
                "class_total_display": yuan(quote.class_total),
                "planned_hours": quote.hours.total,
                "planned_online": quote.hours.online,
                "on": quote.on.isoformat(),
                "summary": _(
                    "每名合格学员 %(a)s 元；按计划 %(n)s 人全部合格，班级合计 %(t)s 元"
                    "（共 %(h)s 课时，其中线上 %(o)s 课时）"
                )
                % {
                    "a": yuan(quote.per_trainee.amount),
                    "n": values["planned_trainees"],
                    "t": yuan(quote.class_total),
                    "h": quote.hours.total,
                    "o": quote.hours.online,
                },
                "steps": result["steps"],
                "findings": findings,
                "rules_version": result["rules_version"],
            }
        }
    )
