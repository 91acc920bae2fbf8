"""Text messages to a person's phone (短信): the trainee's one-time confirmation link and code
(apps.confirmations). The backend is pluggable, as Django's e-mail backends are: the setting
TEXT_MESSAGE_BACKEND names a class with `send(phone, text)`, which raises `DeliveryFailed` when the
message was not accepted (the caller's task retries).

- `ConsoleBackend` (the zero-setup default): writes the message to standard output, for a
  developer to follow the link. The phone is masked; the text holds the link, nothing else personal.
- `LocmemBackend` (tests): keeps the messages in `outbox`.
- `HttpSmsBackend`: POSTs JSON `{"phone": ..., "text": ...}` to TEXT_MESSAGE_HTTP_URL with
  `Authorization: Bearer TEXT_MESSAGE_HTTP_TOKEN`; any answer but 2xx is a failure. The shape most
  SMS gateways accept, or a small adapter in front of the district's own.
- `EmailGatewayBackend`: sends the text as an e-mail (Django's EMAIL_BACKEND) to
  TEXT_MESSAGE_EMAIL_TO with `{phone}` filled in, for an e-mail-to-SMS gateway.

Neither the phone nor the text is ever logged (the link is a credential until used).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from .masking import mask_phone


class DeliveryFailed(Exception):
    """The backend did not accept the message; the message says why, without the phone or text."""


class TextMessageBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"[短信 → {mask_phone(phone)}] {text}\n")
        sys.stdout.flush()


@dataclass(frozen=True)
class SentMessage:
    phone: str
    text: str


class LocmemBackend:
    outbox: ClassVar[list[SentMessage]] = []

    def send(self, phone: str, text: str) -> None:
        type(self).outbox.append(SentMessage(phone, text))


class HttpSmsBackend:
    def send(self, phone: str, text: str) -> None:
        url = settings.TEXT_MESSAGE_HTTP_URL
        if not url.startswith(("https://", "http://")):
            raise DeliveryFailed("未配置短信网关地址 TEXT_MESSAGE_HTTP_URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.TEXT_MESSAGE_HTTP_TOKEN}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"短信网关拒绝：HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryFailed(f"短信网关无法连接：{type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"短信网关拒绝：HTTP {status}")


class EmailGatewayBackend:
    def send(self, phone: str, text: str) -> None:
        pattern = settings.TEXT_MESSAGE_EMAIL_TO
        if "{phone}" not in pattern:
            raise DeliveryFailed("未配置短信邮件网关地址 TEXT_MESSAGE_EMAIL_TO（须含 {phone}）")
        try:
            send_mail("", text, None, [pattern.format(phone=phone)])
        except OSError as exc:
            raise DeliveryFailed(f"邮件发送失败：{type(exc).__name__}") from None


def backend() -> TextMessageBackend:
    return import_string(settings.TEXT_MESSAGE_BACKEND)()


def send_text(phone: str, text: str) -> None:
    """Send one text message through the configured backend (DeliveryFailed if not accepted)."""
    backend().send(phone, text)
