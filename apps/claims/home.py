"""Home-page panels: the officer's claim queue by age, the third party's claims awaiting its
recommendation, the claimant's claims by kind and status with next steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Min
from django.utils import timezone

from apps.institutions.models import ContractScope
from apps.institutions.permissions import contract_districts

from .permissions import claim_policy
from .selectors import (
    claim_kind_status_counts,
    claim_queue_by_age,
    claim_status_counts,
    claimable_classes,
    claims_awaiting_recommendation,
    returned_claims_with_reasons,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

# The age bars: SVG units of the fullest band and per row; older bands in warmer colours.
BAR_WIDTH, ROW_HEIGHT = 200, 24
BAND_COLOURS = ("#8fb3de", "#e0a84f", "#c0392b")


def claim_queue_panel(user: User) -> dict[str, Any]:
    queue = claim_queue_by_age(user=user)
    largest = max((n for _, n in queue["bands"]), default=0)
    bands = [
        {
            "label": label,
            "count": n,
            "width": n * BAR_WIDTH // largest if largest else 0,
            "y": index * ROW_HEIGHT,
            "colour": BAND_COLOURS[index],
        }
        for index, (label, n) in enumerate(queue["bands"])
    ]
    return {
        "title": "待审核补贴申领",
        "total": queue["total"],
        "bands": bands,
        "height": len(bands) * ROW_HEIGHT + 4,
    }


def reviewer_panel(user: User) -> dict[str, Any]:
    awaiting = claims_awaiting_recommendation(user=user)
    oldest = awaiting.aggregate(at=Min("submitted_at"))["at"]
    return {
        "title": "待提出审核意见的补贴申领",
        "count": awaiting.count(),
        "oldest_days": (timezone.now() - oldest).days if oldest else None,
        "districts": list(
            contract_districts(user, ContractScope.CLAIM_AUDIT)
            .order_by("sort_order")
            .values_list("name", flat=True)
        ),
    }


def claimant_panel(user: User) -> dict[str, Any]:
    counts = claim_status_counts(user=user)
    return {
        "title": "本单位补贴申领",
        "kinds": claim_kind_status_counts(user=user),
        "returned": counts.get("returned", 0),
        "returned_items": returned_claims_with_reasons(user=user) if counts.get("returned") else [],
        "drafts": counts.get("draft", 0),
        "claimable": list(claimable_classes(user=user)[:5]) if claim_policy.can(user, "add_class") else [],
        "can_add_enterprise": claim_policy.can(user, "add_enterprise"),
    }
