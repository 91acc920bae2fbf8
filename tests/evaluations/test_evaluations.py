"""考评 of third-party agencies (issue 18, part 4): a quarterly scorecard per agency (workload, time
to recommendation, agreement with the officers' decisions, recommendations contradicted by
confirmed findings, inspections on time), a page with a chart, an Excel export, and the district's
evaluation (once a quarter), with the way to the blacklist."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.claims.models import ClaimStatus, LineDecision
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide, claim_line_recommend
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.evaluations import services
from apps.evaluations.models import AgencyEvaluation
from apps.evaluations.selectors import Quarter, scorecards
from apps.inspections.models import Inspection, InspectionDraw, InspectionStatus
from apps.notices.models import Notice
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(completed_class, operator, officer):
    reviewer = UserFactory(reviewer=True, engaged=[district("500103")])
    agency = reviewer.agency_staff.agency
    claim = claim_transition(
        claim=claim_create_for_class(actor=operator, training_class=completed_class),
        actor=operator,
        to=ClaimStatus.SUBMITTED,
    )
    lines = {line.person.name: line for line in claim.lines.select_related("person")}
    claim_line_recommend(line=lines["张全勤"], actor=reviewer, verdict="approve", reason="材料齐全")
    claim_line_recommend(
        line=lines["王未过"], actor=reviewer, verdict="reject", rule="R2.6", reason="考核不合格"
    )
    claim_line_recommend(
        line=lines["李部分"], actor=reviewer, verdict="reject", rule="R2.1", reason="课时不足"
    )
    claim_line_decide(line=lines["张全勤"], actor=officer, decision=LineDecision.APPROVED)
    claim_line_decide(
        line=lines["王未过"], actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="考核不合格"
    )
    claim_line_decide(line=lines["李部分"], actor=officer, decision=LineDecision.APPROVED)
    session = completed_class.sessions.order_by("date", "start_time").first()
    draw = InspectionDraw.objects.create(
        district=district("500103"),
        week_start=session.date - timedelta(days=session.date.weekday()),
        seed=1,
        rate=1,
        sessions_total=1,
        inputs={},
    )
    Inspection.objects.create(
        draw=draw,
        session=session,
        training_class=completed_class,
        district=district("500103"),
        stratum="ordinary",
        inspector=reviewer,
        status=InspectionStatus.VISITED,
        head_count=3,
        signed_in=3,
        visited_at=timezone.make_aware(datetime.combine(session.date, time(9, 30))),
    )
    return {"reviewer": reviewer, "agency": agency, "claim": claim, "lines": lines, "session": session}


def test_the_scorecard_counts_what_the_agency_did_in_the_quarter(world, monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: date(2099, 1, 1))
    quarter = Quarter.of(timezone.localdate())
    card = scorecards(quarter=quarter, districts=None, agency_ids=[world["agency"].pk])[world["agency"].pk]
    assert (card.recommendations, card.decided, card.agreed) == (3, 3, 2)
    assert str(card.agreement) == "66.7" and card.median_hours is not None and card.median_hours >= 0
    assert card.contradicted == 0
    # Inspections are counted by their session's quarter.
    visit = Quarter.of(world["session"].date)
    card = scorecards(quarter=visit, districts=[district("500103").pk], agency_ids=[world["agency"].pk])[
        world["agency"].pk
    ]
    assert (card.inspections, card.due, card.on_time, str(card.on_time_share)) == (1, 1, 1, "100.0")
    # Another district's figures hold none of this.
    other = scorecards(quarter=quarter, districts=[district("500101").pk], agency_ids=[world["agency"].pk])
    assert other[world["agency"].pk].recommendations == 0


def test_an_approval_advised_then_contradicted_by_a_confirmed_finding_counts(world):
    from apps.confirmations import services as confirmations
    from apps.confirmations.models import ConfirmationRequest

    person = world["lines"]["张全勤"].person
    request = ConfirmationRequest.objects.get(claim=world["claim"], person=person)
    request.token_digest, request.status = "x" * 64, "sent"  # as if its message had gone out
    request.save(update_fields=["token_digest", "status"])
    confirmations.confirmation_answer(request=request, confirmed=False, reason="没参加")
    card = scorecards(
        quarter=Quarter.of(timezone.localdate()), districts=None, agency_ids=[world["agency"].pk]
    )
    assert card[world["agency"].pk].contradicted == 1


def test_the_page_the_chart_the_export_and_the_evaluation(world, officer):
    client = Client()
    client.force_login(officer)
    quarter = Quarter.of(timezone.localdate())
    html = client.get(reverse("evaluations:list")).content.decode()
    assert world["agency"].name in html and "66.7%（2/3）" in html
    detail = reverse("evaluations:detail", args=[world["agency"].pk])
    page = client.get(detail).content.decode()
    assert "<svg" in page and "图表数据" in page and "列入黑名单" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("evaluations:export")).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "第三方社会机构" and rows[2][0] == world["agency"].name and rows[2][7] == 66.7
    # The evaluation: a grade and a reason, once a quarter; the agency's staff are told.
    response = client.post(
        f"{detail}?quarter={quarter.key}", {"grade": "good", "comment": "意见及时，一致率偏低"}
    )
    assert response.status_code == 302
    evaluation = AgencyEvaluation.objects.get()
    assert evaluation.district == district("500103") and evaluation.figures["agreed"] == 2
    assert Notice.objects.filter(recipient=world["reviewer"], kind="agency_evaluated").exists()
    again = client.post(
        f"{detail}?quarter={quarter.key}", {"grade": "fail", "comment": "再评"}
    ).content.decode()
    assert "已考评过该机构" in again and AgencyEvaluation.objects.count() == 1


def test_who_may_read_and_evaluate(world, admin_user, operator, filer):
    detail = reverse("evaluations:detail", args=[world["agency"].pk])
    other_officer = UserFactory(officer=True, district=district("500101"))
    expect = {
        admin_user: (200, 200, True),
        UserFactory(auditor=True): (200, 200, False),
        other_officer: (200, 404, False),  # 万州区 never contracted it: not on its list
        world["reviewer"]: (403, 403, False),
        operator: (403, 403, False),
        filer: (403, 403, False),
    }
    for user, (listing, page, form) in expect.items():
        client = Client()
        client.force_login(user)
        assert client.get(reverse("evaluations:list")).status_code == listing, user.role
        assert client.get(reverse("evaluations:export")).status_code == listing, user.role
        response = client.get(detail)
        assert response.status_code == page, user.role
        if page == 200:
            assert ('name="grade"' in response.content.decode()) == form, user.role
    assert Client().get(reverse("evaluations:list")).status_code == 302
    assert Client().get(reverse("evaluations:export")).status_code == 302
    with pytest.raises(PermissionDenied):
        services.evaluation_record(
            actor=UserFactory(auditor=True),
            agency=world["agency"],
            quarter=Quarter(2026, 4),
            grade="good",
            comment="x",
        )
    with pytest.raises(ApplicationError, match="请选择考评等次"):
        services.evaluation_record(
            actor=admin_user, agency=world["agency"], quarter=Quarter(2026, 4), grade="", comment="x"
        )
    assert User.objects.filter(agency_staff__agency=world["agency"]).count() == 1


def test_quarters_parse_and_step_back():
    assert Quarter.parse("2026q4", date(2020, 1, 1)) == Quarter(2026, 4)
    assert Quarter.parse("bad", date(2026, 5, 6)) == Quarter(2026, 2)
    assert (Quarter(2026, 1).previous, Quarter(2026, 4).end, Quarter(2026, 2).start) == (
        Quarter(2025, 4),
        date(2027, 1, 1),
        date(2026, 4, 1),
    )
