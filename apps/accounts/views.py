from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.views import paginate

from .filters import UserFilter
from .forms import LoginForm
from .permissions import manages_accounts
from .selectors import password_resets, user_managed_get, users_managed
from .services import user_authenticate, user_password_change, user_password_reset


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "core:home")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ApplicationError as exc:
            exc.add_to_form(form)
            status = getattr(exc, "status_code", 400)
        else:
            login(request, user)
            return redirect(next_url or "core:home")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The Django admin's login, replaced (`admin.site.login`): the admin has no door of its own,
    so no password is ever tried there, and the portal's lock-out counts every attempt (issue 17:
    30 wrong passwords at /admin/login/ met no delay). A signed-in user who is not staff is refused."""
    if request.user.is_authenticated:
        raise PermissionDenied("您无权使用管理后台")
    next_url = request.GET.get("next") or "/admin/"
    return redirect_to_login(next_url, login_url=resolve_url("accounts:login"))


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "您已安全退出")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password; after a reset the portal sends the user here until it is changed
    (apps.core.middleware.PasswordChangeRequiredMiddleware)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["must_change"] = signed_in(self.request).must_change_password
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            user = user_password_change(user=form.user, password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            exc.add_to_form(form)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改")
        return redirect(self.get_success_url())


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    """账号管理: the accounts the user manages, with the reset button."""
    actor = signed_in(request)
    if not manages_accounts(actor):
        raise PermissionDenied("您无权管理账号")
    filterset = filter_page(UserFilter, request, users_managed(actor=actor))
    return render(
        request,
        "accounts/user_list.html",
        {"page": paginate(request, filterset.narrowed()), "filter": filterset},
    )


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_variables("temporary")
def user_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm the reset of one account; POST: reset, and show the temporary password once."""
    actor = signed_in(request)
    if not manages_accounts(actor):
        raise PermissionDenied("您无权管理账号")
    account = user_managed_get(actor=actor, pk=pk)
    if request.method == "POST":
        account, temporary = user_password_reset(actor=actor, user_id=account.pk)
        return render(request, "accounts/user_reset_done.html", {"account": account, "temporary": temporary})
    return render(request, "accounts/user_reset_confirm.html", {"account": account})


@login_required
def password_reset_log(request: HttpRequest) -> HttpResponse:
    """密码重置记录: who reset whose password, when."""
    actor = signed_in(request)
    if not manages_accounts(actor):
        raise PermissionDenied("您无权管理账号")
    return render(
        request, "accounts/password_resets.html", {"page": paginate(request, password_resets(actor=actor))}
    )
