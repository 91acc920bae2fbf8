"""A claim's materials over HTTP (R4.3): upload, list, delete."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.apis import validated
from apps.core.parsers import FormParser, MultiPartParser
from apps.core.permissions import signed_in

from .. import selectors
from ..models import MaterialKind
from ..services import materials as material_services
from .claims import MaterialOutSerializer, material_data


class MaterialsApi(APIView):
    """POST multipart {"kind": "plan" | "sign_in" | "video" | "other", "file": …}: 201 with the
    material; the claimant only, while the claim is a draft or returned."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="MaterialUpload")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=MaterialKind.choices)
        file = serializers.FileField()

    @extend_schema(
        summary="上传申领材料 / Upload a material",
        request={"multipart/form-data": InputSerializer},
        responses={201: MaterialOutSerializer},
        tags=["claims"],
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
        data = validated(self.InputSerializer, request.data)
        material = material_services.claim_material_upload(
            claim=claim, actor=signed_in(request), kind=data["kind"], upload=data["file"]
        )
        return Response(material_data(material), status=status.HTTP_201_CREATED)


class MaterialDetailApi(APIView):
    @extend_schema(summary="删除申领材料 / Delete a material", responses={204: None}, tags=["claims"])
    def delete(self, request: Request, pk: int, material_pk: int) -> Response:
        claim = selectors.claim_get_for(claim_id=pk, user=signed_in(request), action="change")
        material = claim.materials.filter(pk=material_pk).first()
        if material is None:
            raise NotFound("申领材料不存在")
        material_services.claim_material_delete(material=material, actor=signed_in(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
