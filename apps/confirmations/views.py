"""The trainee's pages (no login: the one-time link, the code form, the answer) and the officers'
one action here (send a request again; the rest is on the claim page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.claims.selectors import claim_get
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number, mask_name
from apps.core.permissions import signed_in
from apps.core.throttling import throttle_pages

from . import selectors, services
from .forms import CONFIRM, AnswerForm, CodeForm, ResendForm
from .models import ConfirmationRequest

SESSION_KEY = "confirmation_request"


def _answer_page(request: HttpRequest, confirmation: ConfirmationRequest, here: str) -> HttpResponse:
    sessions = selectors.person_sessions(confirmation)
    form = AnswerForm(request.POST or None, sessions=sessions)
    if request.method == "POST" and confirmation.answerable and form.is_valid():
        data = form.cleaned_data
        try:
            services.confirmation_answer(
                request=confirmation,
                confirmed=data["answer"] == CONFIRM,
                absent_sessions=data.get("absent_sessions") or [],
                reason=data.get("reason") or "",
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, "已收到您的答复，谢谢。")
            return redirect(here)
    person = confirmation.person
    return render(
        request,
        "confirmations/answer.html",
        {
            "confirmation": confirmation,
            "claim": confirmation.claim,
            "masked_name": mask_name(person.name),
            "masked_id": mask_id_number(person.id_number),
            "sessions": sessions,
            "lines": selectors.line_rows(confirmation),
            "form": form,
        },
    )


@never_cache
@throttle_pages("confirmation")
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    confirmation = selectors.request_by_token(token)
    if confirmation is None:
        return render(request, "confirmations/invalid.html", status=404)
    return _answer_page(request, confirmation, request.path)


@never_cache
@throttle_pages("confirmation-code")
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """The code from the text message and the ID number's last four characters open the page."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmation = selectors.request_by_code(form.cleaned_data["code"], form.cleaned_data["id_tail"])
        if confirmation is None:
            form.add_error(None, "确认码或身份证号码后四位不正确，请核对短信后重新输入")
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = confirmation.pk
            return redirect("confirmations:mine")
    return render(request, "confirmations/code.html", {"form": form})


@never_cache
@throttle_pages("confirmation")
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """The request the code opened in this browser session."""
    pk = request.session.get(SESSION_KEY)
    confirmation = selectors.request_get(pk) if isinstance(pk, int) else None
    if confirmation is None:
        return redirect("confirmations:code")
    return _answer_page(request, confirmation, reverse("confirmations:mine"))


@login_required
@require_http_methods(["POST"])
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    claim = claim_get(claim_id=pk, user=user)
    form = ResendForm(request.POST)
    if form.is_valid():
        try:
            new = services.confirmation_resend(actor=user, claim=claim, person_id=form.cleaned_data["person"])
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已重新发送学员确认 #{new.pk}（原链接和确认码作废）")
    else:
        messages.error(request, "请选择要重新发送的学员")
    return redirect(reverse("claims:detail", args=[claim.pk]) + "#confirmations")
