from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.views import paginate

from . import services
from .filters import NoticeFilter
from .selectors import notice_inbox


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    # The unread count comes with the header's (apps.notices.context_processors).
    filterset = filter_page(NoticeFilter, request, notice_inbox(user=signed_in(request)))
    return render(
        request, "notices/inbox.html", {"page": paginate(request, filterset.narrowed()), "filter": filterset}
    )


@login_required
@require_GET
def notice_open(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Opening a notice marks it read and follows its link (back to the inbox when it has none)."""
    notice = services.notice_mark_read(notice_id=pk, user=signed_in(request))
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts={request.get_host()}):
        return redirect(notice.link)
    return redirect("notices:inbox")


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    services.notice_mark_read(notice_id=pk, user=signed_in(request))
    return redirect(_back(request))


@login_required
@require_POST
def notices_read_all(request: HttpRequest) -> HttpResponseRedirect:
    count = services.notices_mark_all_read(user=signed_in(request))
    messages.success(request, _("已将 %(n)d 条消息标为已读") % {"n": count})
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """The inbox page the user was on."""
    page = request.POST.get("page", "")
    url = reverse("notices:inbox")
    return f"{url}?page={page}" if page.isdigit() else url
