from typing import Any, TypedDict

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.Choices], value: str, default: str | None = None) -> str:
    """The Chinese label of ``value`` among ``choices``; a value that is none of them is shown as
    it is (or as ``default``), e.g. the empty state of a creation in the state-change log."""
    if value in choices.values:
        return str(choices(value).label)
    return value if default is None else default


class MoneyDigits(TypedDict):
    """The size of a money column, spread into a ``DecimalField`` as ``**money_digits(14)``."""

    max_digits: int
    decimal_places: int


def money_digits(max_digits: int) -> MoneyDigits:
    """Yuan with fen: ``max_digits`` digits, two of them after the point."""
    return {"max_digits": max_digits, "decimal_places": 2}


_CHOICE_LABELS: dict[Any, dict[Any, Any]] = {}


class ChoiceLabels:
    """`get_FOO_display` without rebuilding the field's choices at every call. Django's makes a
    dict of every choice (each made hashable) for each call: 40–50 µs a cell, the costliest cell
    of a list's row. A model field's choices are fixed in code, so the dict is built once per field
    and process; the label is still translated at each call. Mixed in before models.Model."""

    def _get_FIELD_display(self, field: Any) -> Any:
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStampedModel(ChoiceLabels, models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class StateChange(models.Model):
    """One row per change of state of any lifecycle object: who, when, from, to, why.

    Rows are only ever inserted (by `apps.core.services.state_change_record`); the admin shows
    them read-only. `changes` carries field-level before/after values for edits that are not a
    status move (e.g. a rate-table row edited by an officer).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32)
    reason = models.TextField(_("原因"), blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.from_state}→{self.to_state}"


class IdempotencyRecord(models.Model):
    """The first response to an API POST sent with an ``Idempotency-Key`` header, kept 24 hours per
    caller (token or signed-in user), so that a client may retry after a network failure without
    filing twice (`apps.core.idempotency`). ``status_code`` is empty while the first request runs."""

    scope = models.CharField(_("调用方"), max_length=80)
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求指纹"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    content_type = models.CharField(_("响应类型"), max_length=100, blank=True)
    body = models.BinaryField(_("响应内容"), blank=True, default=b"")
    headers = models.JSONField(_("响应头"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求记录")
        verbose_name_plural = _("幂等请求记录")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
