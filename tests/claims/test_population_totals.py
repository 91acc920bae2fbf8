"""The benchmarks' generated city keeps its claims' totals as the portal does (claimed: the sum of
the lines; approved: the sum of a booked claim's approved lines), so the reconciliation of a
generated district-year reports no claim whose approved total is not its lines' (it had reported
425 in 渝中区 2021 of the load benchmark's city)."""

from decimal import Decimal

import pytest
from django.db.models import Q, Sum

from apps.claims.models import Claim, ClaimStatus

pytestmark = pytest.mark.django_db


def test_generated_claims_carry_their_lines_totals(tmp_path):
    from benchmarks._population import generate

    generate(3000, tmp_path)
    approved = Q(lines__decision="approved")
    claims = Claim.objects.annotate(
        lines_sum=Sum("lines__amount"),
        approved_sum=Sum("lines__amount", filter=approved),
    )
    assert claims.count() > 10
    booked = (ClaimStatus.APPROVED, ClaimStatus.PAID)
    for claim in claims:
        assert claim.total == (claim.lines_sum or Decimal("0")), claim.pk
        expected = (claim.approved_sum or Decimal("0")) if claim.status in booked else Decimal("0")
        assert claim.approved_total == expected, claim.pk
