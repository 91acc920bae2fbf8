"""The materials of a claim (R4.3): uploaded, downloaded and deleted from the claim page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import signed_in

from .. import selectors
from ..forms import MaterialForm
from ..models import ClaimMaterial
from ..services import materials as material_services
from .claims import MATERIALS_TAG, claim_url


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(
                    request, f"{label}：{error}" if label else str(error), extra_tags=MATERIALS_TAG
                )
        return redirect(f"{claim_url(pk)}#materials")
    try:
        material = material_services.claim_material_upload(
            claim=claim,
            actor=signed_in(request),
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc), extra_tags=MATERIALS_TAG)
    else:
        messages.success(request, f"已上传“{material.original_name}”", extra_tags=MATERIALS_TAG)
    return redirect(f"{claim_url(pk)}#materials")


def _material(claim: Any, material_pk: int) -> ClaimMaterial:
    try:
        return claim.materials.get(pk=material_pk)
    except ClaimMaterial.DoesNotExist as exc:
        raise Http404("申领材料不存在") from exc


@login_required
def material_download(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    """Streams the file to anyone who may see the claim; 404 for everyone else."""
    claim = selectors.claim_get(claim_id=pk, user=signed_in(request))
    material = _material(claim, material_pk)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def material_delete(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
    material = _material(claim, material_pk)
    if not request.POST.get("confirm"):
        messages.error(request, "请勾选确认后再删除材料", extra_tags=MATERIALS_TAG)
        return redirect(f"{claim_url(pk)}#materials")
    try:
        material_services.claim_material_delete(material=material, actor=signed_in(request))
    except ApplicationError as exc:
        messages.error(request, str(exc), extra_tags=MATERIALS_TAG)
    else:
        messages.success(request, f"已删除“{material.original_name}”", extra_tags=MATERIALS_TAG)
    return redirect(f"{claim_url(pk)}#materials")
