from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.permissions import signed_in

from .services import auth_token_issue, auth_token_revoke, auth_token_rotate, token_expires_at

TOKEN_EXAMPLE = {
    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",  # nosec B105  # a schema example
    "expires_at": "2021-06-01T18:00:00+08:00",
}


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌 / The token")
    expires_at = serializers.DateTimeField(help_text="令牌失效时间 / When the token expires")


def _token_body(token: Token) -> dict[str, str]:
    return {"token": token.key, "expires_at": timezone.localtime(token_expires_at(token)).isoformat()}


class TokenObtainApi(APIView):
    """POST username + password → {"token": "…", "expires_at": "…"}; later calls send
    `Authorization: Token …`. Shares the lock-out of the login page. Each call issues a new token
    and ends the previous one."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        summary="取得令牌 / Obtain a token",
        request=InputSerializer,
        description=(
            "每次取得新令牌，原令牌随即失效；令牌在 expires_at 失效（API_TOKEN_HOURS，默认 8 小时）。"
            "密码错误与门户登录共用锁定：同一用户名在同一地址失败 5 次锁定 15 分钟（429）。"
            "密码被重置后须先在门户修改临时密码（403）。/ "
            "Each call issues a new token and ends the previous one; a token expires at expires_at. "
            "Wrong passwords share the portal login's lock-out: 5 for one username from one address "
            "lock it there for 15 minutes (429). After a password reset, the temporary password must "
            "first be changed in the portal (403)."
        ),
        responses={200: TokenSerializer},
        examples=[
            OpenApiExample(
                "请求 / Request",
                value={"username": "school", "password": "…"},  # nosec B105  # a schema example
                request_only=True,
            ),
            OpenApiExample("响应 / Response", value=TOKEN_EXAMPLE, response_only=True),
        ],
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = auth_token_issue(request=request._request, **data.validated_data)
        return Response(_token_body(token))


class TokenRotateApi(APIView):
    """POST (signed in) → a new token for the caller; the one used until now stops working."""

    @extend_schema(
        summary="更换令牌 / Rotate the token",
        description=(
            "签发新令牌并使原令牌立即失效（有效期重新计算）。/ Issues a new token (a fresh lifetime) "
            "and ends the one used until now."
        ),
        request=None,
        responses={200: TokenSerializer},
        examples=[OpenApiExample("响应 / Response", value=TOKEN_EXAMPLE, response_only=True)],
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        return Response(_token_body(auth_token_rotate(user=signed_in(request))))


class TokenRevokeApi(APIView):
    """POST (signed in) → the caller's token stops working (the API's logout)."""

    @extend_schema(
        summary="注销令牌 / Revoke the token",
        description="令牌立即失效（退出登录）。/ The caller's token stops working at once (log out).",
        request=None,
        responses={204: None},
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        auth_token_revoke(user=signed_in(request))
        return Response(status=204)


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
