"""The import jobs a user may see: their own uploads, and an officer's district's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import ImportJob
from ..permissions import import_job_policy

if TYPE_CHECKING:
    from apps.accounts.models import User


def import_job_get(*, user: User, job_id: int) -> ImportJob:
    """The job, or 404 for anyone but its uploader and the officers of its class's district."""
    return import_job_policy.get_visible(
        user, ImportJob.objects.select_related("training_class", "requested_by"), pk=job_id
    )
