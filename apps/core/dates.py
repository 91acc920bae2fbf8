"""Today, for the checks that refuse what lies in the future (attendance of a session not yet
held, a certificate not yet issued). One function, so that a test of a world set in a given month
pins it (`monkeypatch.setattr(dates, "today", …)`) instead of depending on the wall clock."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    """Today in the portal's time zone (Asia/Shanghai)."""
    return timezone.localdate()
