"""The claims list (the claimant's claims with their next step, the district's review queue), and
what every claim page shares: its address, the claim the user may act on, the materials' messages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from apps.core.filters import filter_page
from apps.core.permissions import signed_in
from apps.core.views import paginate, sort_by

from .. import selectors
from ..filters import ClaimFilter
from ..models import ClaimStatus
from ..permissions import claim_policy
from .rows import claim_list_rows

S = ClaimStatus


def claim_url(pk: int) -> str:
    return reverse("claims:detail", args=[pk])


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """Claimants: their claims with the next step. Officers: the district's queue. Third parties,
    the admin, the auditor: the claims of the districts they see."""
    user = signed_in(request)
    filterset = filter_page(ClaimFilter, request, selectors.claim_list(user=user))
    qs, sort = sort_by(
        request,
        filterset.narrowed(),
        {
            "submitted": ("submitted_at", "created_at"),
            "total": "total",
            "status": "status",
            "kind": "kind",
            "claimant": ("institution__name", "employer__name"),
        },
        "-submitted",
    )
    page = paginate(request, qs)
    is_claimant = user.role in ("institution_operator", "enterprise_filer")
    for claim in page.object_list:
        claim.next_step = selectors.NEXT_STEP[claim.status]
    return render(
        request,
        "claims/claim_list.html",
        {
            "page": page,
            "rows": claim_list_rows(page.object_list, is_claimant=is_claimant),
            "sort": sort,
            "filter": filterset,
            "is_claimant": is_claimant,
            "can_add_enterprise": claim_policy.can(user, "add_enterprise"),
            "claimable": selectors.claimable_classes(user=user)
            if claim_policy.can(user, "add_class")
            else [],
        },
    )


MATERIALS_TAG = "materials"


def material_messages(request: HttpRequest) -> dict[str, list[Any]]:
    """The page lands on #materials after an upload: its messages are shown there, the others at
    the top (the view's `messages` replaces the context processor's)."""
    stored = list(get_messages(request))
    here = [m for m in stored if MATERIALS_TAG in m.extra_tags.split()]
    return {"messages": [m for m in stored if m not in here], "material_messages": here}
