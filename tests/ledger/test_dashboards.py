"""Dashboards: every district side by side, the officer's queue by age, the high-skill bases
against their targets (R6.1), and each role's home page with its panels."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import District
from apps.claims.models import Claim, ClaimStatus, LineDecision
from apps.claims.selectors import claim_queue_by_age
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.institutions.selectors import high_skill_bases
from apps.ledger.selectors.dashboards import bar, district_chart, district_summaries
from apps.ledger.services import allocation_set, claim_approve, payment_record
from apps.trainees.models import Enrolment
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.claims.conftest import person
from tests.factories import UserFactory, district, notice_over

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def approved_claim(reviewed, officer, allocation):
    return claim_approve(claim=reviewed, actor=officer)


def test_districts_side_by_side_in_four_queries(approved_claim, officer, admin_user):
    allocation_set(actor=admin_user, district=district("500101"), year=2026, amount=Decimal("50000"))
    line = approved_claim.lines.filter(decision=LineDecision.APPROVED).order_by("amount").first()
    notice_over([line.pk])
    payment_record(
        actor=officer,
        district=district("500103"),
        reference="P1",
        paid_on=date(2026, 12, 30),
        line_ids=[line.pk],
    )
    with CaptureQueriesContext(connection) as queries:
        summaries = district_summaries(user=admin_user, year=2026)
    # districts, allocations, bookings with their payments, the waiting claims
    assert len(queries) == 4
    assert len(summaries) == District.objects.count()
    by_code = {s.district.code: s for s in summaries}
    yuzhong, wanzhou = by_code["500103"], by_code["500101"]
    assert (yuzhong.allocated, yuzhong.booked, yuzhong.paid, yuzhong.remaining) == (
        Decimal("100000.00"),
        Decimal("2535.00"),
        Decimal("1125.00"),
        Decimal("97465.00"),
    )
    assert (wanzhou.allocated, wanzhou.booked, wanzhou.waiting) == (Decimal("50000.00"), Decimal("0.00"), 0)
    chart = district_chart(summaries)
    assert [row["summary"].district.code for row in chart["rows"]] == ["500101", "500103"]
    assert [row["allocated"] for row in chart["rows"]] == [120, 240] and chart["height"] == 56
    # an officer sees their own district only
    assert [s.district.code for s in district_summaries(user=officer, year=2026)] == ["500103"]


def test_bars_scale_to_the_largest_value():
    assert (bar(Decimal("50"), Decimal("100")), bar(0, 100), bar(Decimal("1"), 0)) == (120, 0, 0)


def test_queue_by_age_bands(completed_class, operator, make_class):
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=S.SUBMITTED,
    )
    now = timezone.now()
    officer = UserFactory(officer=True)
    for days, expected in ((0, [1, 0, 0]), (7, [1, 0, 0]), (8, [0, 1, 0]), (30, [0, 1, 0]), (31, [0, 0, 1])):
        Claim.objects.filter(pk=claim.pk).update(submitted_at=now - timedelta(days=days, hours=1))
        queue = claim_queue_by_age(user=officer, now=now)
        assert [n for _, n in queue["bands"]] == expected, days
        assert queue["total"] == 1
    Claim.objects.filter(pk=claim.pk).update(status=S.APPROVED)
    assert claim_queue_by_age(user=officer, now=now)["total"] == 0


def test_high_skill_bases_count_senior_person_times_of_the_year(school, make_class, operator):
    school.high_skill_base = "national"
    school.save()
    senior = make_class(level=3)  # ends 2026-12-20
    for serial in ("101", "102"):
        Enrolment.objects.create(training_class=senior, person=person(f"学员{serial}", serial))
    Enrolment.objects.create(training_class=senior, person=person("退出者", "103"), status="withdrawn")
    intermediate = make_class(level=4)
    Enrolment.objects.create(training_class=intermediate, person=person("中级工", "104"))
    bases = high_skill_bases(year=2026, on=date(2026, 12, 31))
    assert [(b.institution, b.tier, b.person_times, b.target) for b in bases] == [
        (school, "national", 2, 600)
    ]
    assert bases[0].below and bases[0].finding.rule == "R6.1" and bases[0].finding.severity == "W"
    assert high_skill_bases(year=2027, on=date(2027, 1, 1))[0].person_times == 0


def test_a_municipal_base_at_its_target_is_not_flagged(school, make_class, monkeypatch):
    school.high_skill_base = "municipal"
    school.save()
    senior = make_class(level=3)
    for serial in range(300):
        Enrolment.objects.create(training_class=senior, person=person(f"学员{serial}", f"{serial:03d}"))
    (base,) = high_skill_bases(year=2026, on=date(2026, 12, 31))
    assert (base.person_times, base.target, base.below) == (300, 300, False)


# Home pages ------------------------------------------------------------------------------------


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_each_roles_home_shows_its_panels(
    client, approved_claim, officer, admin_user, operator, filer, school
):
    year = timezone.localdate().year
    allocation_set(actor=admin_user, district=district("500103"), year=year, amount=Decimal("80000"))
    school.high_skill_base = "municipal"
    school.save()

    body = _home(client, officer)
    assert "待审核补贴申领" in body and f"渝中区专账资金（{year} 年度）" in body and "80,000.00" in body
    body = _home(client, admin_user)
    assert f"各区县专账资金（{year} 年度）" in body and "<svg" in body and "渝中区" in body
    assert "高技能人才培训基地" in body and school.name in body and "R6.1" in body
    body = _home(client, UserFactory(auditor=True))
    assert f"各区县专账资金（{year} 年度）" in body and "高技能人才培训基地（" not in body
    body = _home(client, UserFactory(reviewer=True, engaged=[district("500103")]))
    assert "待提出审核意见的补贴申领" in body and reverse("ledger:balances") not in body
    body = _home(client, operator)
    assert "本单位补贴申领" in body and "已拨付" not in body and "审核通过，等待拨付" in body
    body = _home(client, filer)
    assert "本单位补贴申领" in body and reverse("claims:create_work_for_training") in body
