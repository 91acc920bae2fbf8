"""What confirmations add to a claim (apps.claims.extensions): the claim page's section (who was
asked, who answered what, who must still confirm) and the review guard that holds back approval
until the district's share of trainees confirmed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from apps.accounts.models import User
from apps.catalog.engine import confirmation_share_on
from apps.claims.models import ClaimLine, ClaimStatus
from apps.core import dates

from .models import ConfirmationStatus
from .permissions import confirmation_policy
from .selectors import claim_confirmations, claim_persons, claim_progress

# Rows the section lists one by one: those an officer may act on or must read. The others are
# counted (a class of hundreds who confirmed needs no list of hundreds).
SECTION_LIMIT = 100


def claim_confirmations_section(user: User, claim: Any) -> dict[str, Any] | None:
    if claim.status == ClaimStatus.DRAFT:
        return None
    rows = claim_confirmations(claim)
    persons = claim_persons(claim.pk)
    progress = claim_progress(
        claim_id=claim.pk, district_id=claim.district_id, persons=persons, requests=rows
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts["expired" if row.expired else row.status] += 1
    attention = [
        row
        for row in rows
        if row.expired or row.status not in (ConfirmationStatus.CONFIRMED, ConfirmationStatus.SENT)
    ]
    asked = {row.person_id for row in rows} & persons
    return {
        "claim": claim,
        "progress": progress,
        "counts": dict(counts),
        "rows": attention[:SECTION_LIMIT],
        "more": max(len(attention) - SECTION_LIMIT, 0),
        "unasked": max(progress.persons - len(asked), 0),
        "can_read": confirmation_policy.can(user, "read", claim),
        "can_resend": confirmation_policy.can(user, "resend", claim)
        and claim.status not in (ClaimStatus.REJECTED,),
    }


def lines_short_of_confirmations(line_ids: list[int]) -> dict[int, list[str]]:
    """Lines of claims whose district requires a share of trainees to confirm before approval,
    and too few have: each is held back, saying how many more must confirm."""
    if not line_ids:
        return {}
    by_claim: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, claim_id, district_id in ClaimLine.objects.filter(pk__in=list(line_ids)).values_list(
        "pk", "claim_id", "claim__district_id"
    ):
        by_claim[(claim_id, district_id)].append(pk)
    out: dict[int, list[str]] = {}
    today = dates.today()
    for (claim_id, district_id), ids in by_claim.items():
        if not confirmation_share_on(district=district_id, on=today):
            continue
        progress = claim_progress(claim_id=claim_id, district_id=district_id, on=today)
        if progress.short:
            why = (
                f"学员确认不足：本区县要求 {progress.share:.0%} 的学员确认后才能审核通过，"
                f"{progress.persons} 名学员须 {progress.required} 人确认，已确认 {progress.confirmed} 人"
            )
            for pk in ids:
                out[pk] = [why]
    return out


def no_matters(claim: Any) -> list[str]:
    """Nothing to acknowledge: a dispute is a confirmed finding (the audits' guard holds its lines)."""
    return []
