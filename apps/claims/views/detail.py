"""The claim page: its lines, findings, materials and the actions the user may take.

Final approval books the special account, so its view lives in apps.ledger (ledger:claim_approve);
the claim page only posts to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import format_html_join

from apps.catalog.models import level_label
from apps.core.permissions import signed_in
from apps.core.views import paginate
from apps.rules.enterprise import MATERIALS

from .. import selectors
from ..extensions import claim_bulk_refusals, claim_page_extras, claim_pending_matters
from ..forms import RULE_CHOICES, MaterialForm
from ..models import ClaimStatus
from ..permissions import claim_policy
from ..services import data_lock, lifecycle
from ..services import materials as material_services

if TYPE_CHECKING:
    from apps.core.permissions import Actor
from .claims import material_messages
from .filing import EDIT_PAGES
from .rows import claim_line_rows

S = ClaimStatus


def _actions(user: Actor, claim: Any) -> list[dict[str, Any]]:
    return [
        {"to": move.target, "label": move.label, "needs_reason": move.reason_required}
        for move in lifecycle.LIFECYCLE.allowed(claim, user)
    ]


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    claim = selectors.claim_get(claim_id=pk, user=user)
    extras = claim_page_extras(user=user, claim=claim)
    # The lines a page at a time; what the page says of them all comes from one aggregate.
    page = paginate(request, selectors.claim_lines(claim=claim, user=user), settings.CLAIM_LINES_PER_PAGE)
    summary = selectors.claim_line_summary(claim=claim)
    lines = list(page.object_list)
    rows = selectors.claim_line_rows(
        claim=claim,
        user=user,
        lines=lines,
        notes=extras.line_notes,
        blockers=selectors.claim_line_blockers(claim=claim, user=user, lines=lines),
        recommendations=selectors.line_recommendations(lines=lines),
    )
    materials = list(claim.materials.select_related("uploaded_by"))
    is_claimant = claim_policy.can(user, "change", claim)
    is_officer = claim_policy.can(user, "review", claim)
    reviewing = claim.status in selectors.WAITING
    enterprise = material_services.claim_requires_materials(claim)
    present = {m.kind for m in materials}
    training = (claim.class_snapshot or {}).get("training")  # an enterprise direct claim's training
    can_approve = is_officer and claim.status == S.UNDER_REVIEW and not summary["pending"]
    deciding = is_officer and reviewing
    recommending = reviewing and claim_policy.can(user, "recommend", claim)
    can_recover = is_officer and claim.status in (S.APPROVED, S.PAID)
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "rows": rows,
            "line_rows": claim_line_rows(
                rows,
                request=request,
                claim_pk=claim.pk,
                start=page.start_index(),
                deciding=deciding,
                can_recover=can_recover,
                recommending=recommending,
                # The options of every line's 理由规则 select, written once for the page's lines.
                rule_options=format_html_join("", '<option value="{}">{}</option>', RULE_CHOICES)
                if deciding or recommending
                else "",
            ),
            "page": page,
            "line_count": summary["count"],
            "materials": materials,
            "required_materials": [(key, label, key in present) for key, label in MATERIALS.items()]
            if enterprise
            else [],
            "classified": claim.employer is not None and claim.employer.is_classified,
            "differences": data_lock.claim_data_lock(claim)
            if claim.status in (*lifecycle.EDITABLE, S.SUBMITTED)
            else [],
            "history": selectors.claim_history(claim=claim),
            "actions": _actions(user, claim),
            "editable": is_claimant and claim.status in lifecycle.EDITABLE,
            "can_edit_rows": is_claimant and claim.status in lifecycle.EDITABLE and claim.kind in EDIT_PAGES,
            "can_delete": is_claimant and claim.status == S.DRAFT,
            "return_reason": selectors.claim_return_reason(claim=claim),
            "year_basis": selectors.YEAR_BASIS.get(claim.kind, ""),
            "deciding": deciding,
            "can_approve": can_approve,
            # What the final approval asks the officer to acknowledge (open audit findings), asked
            # only when the form is shown.
            "pending_matters": claim_pending_matters(claim) if can_approve else [],
            "pending": summary["pending"],
            # Why the pending lines may not be approved at once (a sampled claim), asked only when
            # the bulk form would show.
            "bulk_refusals": claim_bulk_refusals(claim) if deciding and summary["pending"] else [],
            "can_reveal": any(r.can_reveal for r in rows),
            "can_recommend": recommending,
            "material_form": MaterialForm(),
            **material_messages(request),
            "next_step": selectors.NEXT_STEP.get(claim.status, ""),
            "training": training,
            "training_level": level_label(training["level"]) if training else "",
            "sections": [render_to_string(x.template, x.context, request=request) for x in extras.sections],
        },
    )
