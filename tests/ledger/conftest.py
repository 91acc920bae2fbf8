"""The ledger tests' shared world."""

from __future__ import annotations

from typing import Any

import pytest

from apps.claims.models import ClaimLine
from tests.exports import seed
from tests.factories import UserFactory, district

YUZHONG, WANZHOU = "500103", "500101"
YEARS = (2021, 2022)


@pytest.fixture
def ledger(monkeypatch) -> dict[str, Any]:
    """Four claims of four lines in each of 渝中区 and 万州区 for 2021 and 2022, every line
    approved and booked once; nothing paid. The books reconcile."""
    admin = UserFactory(municipal_admin=True, username="admin.reconcile")
    monkeypatch.setattr(seed, "LINES_PER_CLAIM", 4)
    districts = [district(YUZHONG), district(WANZHOU)]
    seed.seed_ledger(rows=64, districts=districts, years=YEARS, actor=admin)
    return {"admin": admin, "districts": districts, "lines": list(ClaimLine.objects.order_by("pk"))}
