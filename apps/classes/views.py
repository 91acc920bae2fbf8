from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.views import paginate, sort_by

from . import selectors, services
from .forms import ClassForm, RecommendForm, SessionFormSet, TransitionForm, sessions_from
from .models import ClassStatus
from .permissions import ACTIONS, class_policy
from .quoting import class_quote_current


def _date(request: HttpRequest, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    """Operators: their classes. Officers: the district's review queue. City-wide roles: all."""
    g = request.GET
    qs = selectors.class_list(
        user=request.user,
        status=g.get("status", ""),
        institution=g.get("institution", "").strip(),
        occupation=g.get("occupation", "").strip(),
        level=g.get("level", ""),
        start_from=_date(request, "start_from"),
        start_to=_date(request, "start_to"),
        has_findings=g.get("has_findings", ""),
    )
    qs, sort = sort_by(
        request,
        qs,
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
            "filters": g,
            "statuses": ClassStatus.choices,
            "can_add": class_policy.can(request.user, "add"),
        },
    )


def _operator_institution(user: Any):
    institution = user.institutions.select_related("district").first()
    if institution is None:
        raise PermissionDenied
    return institution


def _class_values(form: ClassForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.CLASS_FIELDS}


@login_required
def class_create(request: HttpRequest) -> HttpResponse:
    if not class_policy.can(request.user, "add"):
        raise PermissionDenied
    institution = _operator_institution(request.user)
    form = ClassForm(request.POST or None, occupations=services.occupations_for(institution))
    formset = SessionFormSet(request.POST or None, prefix="sessions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            training_class = services.class_create(
                actor=request.user,
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
    training_class = class_policy.get_for_action(request.user, "change", pk=pk)
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
                actor=request.user,
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
    training_class = selectors.class_get(class_id=pk, user=request.user)
    sessions = list(training_class.sessions.all())
    actions = []
    for (current, to), transition in services.TRANSITIONS.items():
        if current == training_class.status and class_policy.can(request.user, ACTIONS[to], training_class):
            actions.append({"to": to, "label": transition.label, "needs_reason": transition.needs_reason})
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
            and class_policy.can(request.user, "change", training_class),
            "transition_form": TransitionForm(),
            "return_reason": selectors.class_return_reason(training_class=training_class),
            "can_recommend": training_class.status == ClassStatus.SUBMITTED
            and class_policy.can(request.user, "recommend", training_class),
            "recommend_form": RecommendForm(),
            "r23": any(f["rule"] == "R2.3" for f in (pending or training_class.findings)),
        },
    )


@login_required
@require_POST
def class_action(request: HttpRequest, pk: int) -> HttpResponse:
    training_class = selectors.class_get(class_id=pk, user=request.user)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请勾选确认后再执行操作")
        return redirect("classes:detail", pk=pk)
    to = form.cleaned_data["to"]
    if to not in ACTIONS or not class_policy.can(request.user, ACTIONS[to], training_class):
        raise PermissionDenied
    try:
        services.class_transition(
            training_class=training_class,
            actor=request.user,
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
    training_class = selectors.class_get(class_id=pk, user=request.user)
    if not class_policy.can(request.user, "recommend", training_class):
        raise PermissionDenied
    form = RecommendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写第三方审核意见")
        return redirect("classes:detail", pk=pk)
    try:
        services.class_recommend(
            training_class=training_class, actor=request.user, text=form.cleaned_data["text"]
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "第三方审核意见已记录，最终审核由区县人力社保局作出 (R7.1)")
    return redirect("classes:detail", pk=pk)
