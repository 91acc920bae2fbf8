from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from apps.core.errors import ApplicationError

from .forms import LoginForm
from .services import user_authenticate


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
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        messages.success(self.request, "密码已修改")
        return super().form_valid(form)
