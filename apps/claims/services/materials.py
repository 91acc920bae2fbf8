"""The materials of a claim (R4.3): uploaded and deleted while it is a draft or returned; the
enterprise kinds are quoted again, since R4.3 depends on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.classes.models import TrainingClass, TrainingType
from apps.core.services import state_change_record
from apps.core.uploads import stored_unless_failed

from ..models import (
    Claim,
    ClaimKind,
    ClaimMaterial,
    MaterialKind,
)
from ..validators import check_upload
from .lifecycle import claim_lock, claim_require_editable
from .recompute import claim_recompute

if TYPE_CHECKING:
    from apps.accounts.models import User


def claim_requires_materials(claim: Claim) -> bool:
    """Whether R4.3 applies to the claim's lines (an enterprise's own training), so that its
    materials feed the quote."""
    if claim.kind == ClaimKind.ENTERPRISE_DIRECT:
        return True
    return (
        claim.kind == ClaimKind.CLASS_COMPLETION
        and claim.training_class_id is not None
        and TrainingClass.objects.filter(
            pk=claim.training_class_id, training_type=TrainingType.ENTERPRISE_STAFF
        ).exists()
    )


@transaction.atomic
def claim_material_upload(*, claim: Claim, actor: User, kind: str, upload: UploadedFile) -> ClaimMaterial:
    """Attach one material to a draft or returned claim: type, content and size checked
    (apps.claims.validators), stored under a random name through the default storage. For the
    enterprise kinds the lines are quoted again, since R4.3 depends on the materials."""
    claim = claim_lock(claim)
    claim_require_editable(claim, actor, "上传申领材料")
    checked = check_upload(kind=kind, file=upload, name=upload.name or "", size=upload.size or 0)
    material = ClaimMaterial(
        claim=claim,
        kind=kind,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor,
    )
    with stored_unless_failed(material.file, checked.storage_name, upload):
        material.save()
        state_change_record(
            obj=claim,
            actor=actor,
            from_state=claim.status,
            to_state=claim.status,
            reason=f"上传材料：{MaterialKind(kind).label}“{checked.name}”",
            changes={"material": material.pk, "kind": kind, "name": checked.name, "size": checked.size},
        )
        if claim_requires_materials(claim):
            claim_recompute(claim=claim)
    return material


@transaction.atomic
def claim_material_delete(*, material: ClaimMaterial, actor: User) -> Claim:
    """Remove a material from a draft or returned claim; the stored file goes once the
    transaction commits. The enterprise kinds are quoted again (R4.3)."""
    claim = claim_lock(material.claim)
    material = ClaimMaterial.objects.select_for_update().get(pk=material.pk, claim=claim)
    claim_require_editable(claim, actor, "删除申领材料")
    stored, storage = material.file.name, material.file.storage
    assert stored is not None, "a material has its file"
    label, name = MaterialKind(material.kind).label, material.original_name
    material.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    state_change_record(
        obj=claim,
        actor=actor,
        from_state=claim.status,
        to_state=claim.status,
        reason=f"删除材料：{label}“{name}”",
        changes={"material": material.pk, "kind": material.kind, "name": name},
    )
    if claim_requires_materials(claim):
        claim_recompute(claim=claim)
    return claim
