"""The changes feed: the state-change log, in order, as far as a user may see it.

Every change of state of a class, claim, institution, payment, audit run … is one ``StateChange``
row (`apps.core.services.state_change_record`). A client that synchronises with the portal reads
``GET /api/v1/events?after=<cursor>`` and gets the changes after its cursor, of objects it may see:
an object is visible when the permission policy of its model (each app's ``permissions.py``) lists
it for the user. Changes of a model no policy covers are not in the feed.

The cursor is the log row's id. Ids are handed out when a transaction writes its row, not when it
commits, so a row may become visible after a higher one. The feed therefore holds back the rows of
the last ``EVENTS_SETTLE_SECONDS`` (5 by default): a client that pages with the cursor misses
nothing written by a transaction shorter than that.
"""

from __future__ import annotations

import functools
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import StateChange
from .permissions import PermissionPolicy

if TYPE_CHECKING:
    from apps.accounts.models import User

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


@functools.cache
def policies() -> dict[type[models.Model], PermissionPolicy[Any]]:
    """Every app's permission policies, by the model they govern (found once per process)."""
    autodiscover_modules("permissions")
    found: dict[type[models.Model], PermissionPolicy[Any]] = {}
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.permissions")
        for value in vars(module).values() if module else ():
            if isinstance(value, PermissionPolicy) and getattr(value, "model", None) is not None:
                found[value.model] = value
    return found


def event_type(content_type: ContentType) -> str:
    """The name a client sees for a kind of object: ``claims.claim``, ``classes.trainingclass`` …"""
    return f"{content_type.app_label}.{content_type.model}"


def events_visible(*, user: User) -> QuerySet[StateChange]:
    """The state changes of objects ``user`` may see, oldest first; the cursor and the kinds of
    object are the feed's FilterSet (`apps.core.filters.EventFilter`)."""
    # Each kind's rows are asked of its policy one by one, by primary key (an EXISTS per row of the
    # log as the feed walks it in order), never by listing every object the user may see: a page
    # of the feed costs the same over a city of persons and claims as over a handful.
    visible = Q(pk__in=[])
    object_pk = Cast(OuterRef("object_id"), output_field=BigIntegerField())
    for model, policy in policies().items():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        visible |= Q(content_type=content_type) & Q(Exists(policy.visible(user).filter(pk=object_pk)))
    settle = timedelta(seconds=getattr(settings, "EVENTS_SETTLE_SECONDS", 5))
    return (
        StateChange.objects.filter(visible, created_at__lte=timezone.now() - settle)
        .select_related("content_type", "actor")
        .order_by("pk")
    )


def event_types() -> list[str]:
    """The kinds of object the feed covers, for the API's documentation and its ``type`` filter."""
    return sorted(f"{model._meta.app_label}.{model._meta.model_name}" for model in policies())
