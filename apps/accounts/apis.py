from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.permissions import signed_in

from .services import auth_token_issue


class TokenObtainApi(APIView):
    """POST username + password → {"token": "…"}; later calls send `Authorization: Token …`.
    Shares the lock-out of the login page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        summary="取得令牌 / Obtain a token",
        request=InputSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        examples=[
            OpenApiExample(
                "请求 / Request",
                value={"username": "school", "password": "…"},  # nosec B105  # a schema example
                request_only=True,
            ),
            OpenApiExample(
                "响应 / Response",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},  # nosec B105  # a schema example
            ),
        ],
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = auth_token_issue(request=request._request, **data.validated_data)
        return Response({"token": token})


class MeApi(APIView):
    """The caller: username, name, role and district."""

    @extend_schema(
        summary="当前用户 / The caller",
        responses={
            200: inline_serializer(
                "Me",
                {
                    "username": serializers.CharField(),
                    "full_name": serializers.CharField(),
                    "role": serializers.CharField(),
                    "district": serializers.CharField(allow_null=True),
                },
            )
        },
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        return Response(
            {
                "username": user.username,
                "full_name": user.full_name,
                "role": user.role,
                "district": user.district.code if user.district is not None else None,
            }
        )
