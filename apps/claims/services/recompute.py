"""Quoting a draft or returned claim's lines again from the current inputs."""

from __future__ import annotations

from django.db import transaction

from apps.classes.models import TrainingClass
from apps.core.errors import ApplicationError

from ..engine import (
    facts_for,
    line_months_sync,
    standing,
    store_quote,
    with_standing,
)
from ..models import (
    Claim,
    ClaimKind,
)
from .class_claims import CLASS_CLAIMS
from .data_lock import class_snapshot
from .lifecycle import EDITABLE
from .lines import claim_recount, line_quote, material_kinds_on_file


@transaction.atomic
def claim_recompute(*, claim: Claim) -> Claim:
    """Quote every line again from the current inputs (draft or returned claims only)."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status not in EDITABLE:
        raise ApplicationError("只有草稿或退回修改的申领可以重新测算")
    if claim.kind in CLASS_CLAIMS:
        assert claim.training_class_id is not None, "a class claim names its class"
        training_class = TrainingClass.objects.select_related("institution", "occupation").get(
            pk=claim.training_class_id
        )
        claim.class_snapshot = class_snapshot(training_class)
        claim.save(update_fields=["class_snapshot", "updated_at"])
        CLASS_CLAIMS[claim.kind][1](claim, training_class)
    else:
        lines = list(claim.lines.select_related("person").order_by("pk"))
        facts = facts_for([line.person_id for line in lines], exclude_claim_id=claim.pk, booked_only=False)
        materials = material_kinds_on_file(claim) if claim.kind == ClaimKind.ENTERPRISE_DIRECT else None
        for line in lines:
            inputs = dict(line.inputs, materials=materials) if materials is not None else line.inputs
            inputs = with_standing(
                inputs,
                standing(facts[line.person_id], key=line.training_key, kind=claim.kind),
                kind=claim.kind,
            )
            line.inputs = inputs
            store_quote(line, line_quote(inputs, who=f"{line.person.name}："))
            line.save()
        line_months_sync(claim, lines)
        claim_recount(claim)
    return claim
