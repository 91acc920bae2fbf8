"""`make run` loads this demo world; every demo user logs in and gets a home page for its role."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.catalog.models import RateRow
from apps.institutions.models import InstitutionStatus

pytestmark = pytest.mark.django_db

HOME_TEXT = {
    "admin": ["市人力社保局管理员工作台", "区县补贴标准", "渝中区", "万州区"],
    "officer.yuzhong": ["区县人力社保局经办人员工作台", "渝中区补贴标准", "新增标准"],
    "officer.wanzhou": ["区县人力社保局经办人员工作台", "万州区补贴标准", "新增标准"],
    "reviewer": ["第三方社会机构审核人员工作台", "渝中区补贴标准"],
    "school": ["培训机构经办人工作台", "重庆市渝中区匠心职业培训学校", "已认定"],
    "school.wanzhou": ["培训机构经办人工作台", "重庆市万州区平湖职业培训学校", "已认定"],
    "enterprise": ["企业申报人工作台", "重庆三峡智能装备有限公司"],
    "auditor": ["审计人员工作台", "区县补贴标准"],
}


@pytest.fixture
def demo():
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def test_demo_data_prints_the_logins_and_is_idempotent(demo):
    for username in HOME_TEXT:
        assert username in demo
    rows = RateRow.objects.count()
    call_command("demo_data", stdout=io.StringIO())
    assert RateRow.objects.count() == rows
    assert User.objects.count() == len(HOME_TEXT)


def test_both_districts_have_rate_tables(demo):
    assert RateRow.objects.filter(district__code="500103").count() >= 15
    assert RateRow.objects.filter(district__code="500101").count() >= 15
    w1_like = RateRow.objects.get(district__code="500103", major_category=6, level=3)
    assert (w1_like.standard, w1_like.rate, w1_like.class_hours) == (2500, 180, 83)


@pytest.mark.parametrize("username", list(HOME_TEXT))
def test_every_demo_user_logs_in_and_sees_its_home(client, demo, username):
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": "Demo-2021"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    for text in HOME_TEXT[username]:
        assert text in body, f"{username}: {text!r} missing"


def test_demo_school_is_recognised_in_yuzhong(demo):
    school = User.objects.get(username="school").institutions.get()
    assert (school.status, school.district.name) == (InstitutionStatus.RECOGNISED, "渝中区")


def test_officer_wanzhou_does_not_see_yuzhong(client, demo):
    client.force_login(User.objects.get(username="officer.wanzhou"))
    assert client.get(reverse("catalog:rate_table", args=["500103"])).status_code == 404


def test_both_districts_have_allocations_for_2021_and_this_year(demo):
    from django.utils import timezone

    from apps.ledger.models import Allocation

    years = {2021, timezone.localdate().year}
    assert {(a.district.code, a.year) for a in Allocation.objects.all()} == {
        (code, year) for code in ("500103", "500101") for year in years
    }


def test_demo_claims_wait_for_review_and_give_the_batch_audit_its_findings(
    client, demo, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.audits.models import AuditRun
    from apps.claims.models import Claim
    from config.celery import app

    # As `make run` runs it: tasks in the request's process (`make test` configures a broker).
    monkeypatch.setitem(app.conf, "task_always_eager", True)

    claims = Claim.objects.filter(employer__uscc="91500101MA5U12345B")
    assert sorted(claims.values_list("kind", "apprenticeship_stage", "status")) == [
        ("apprenticeship", "advance", "submitted"),
        ("apprenticeship", "early_end", "submitted"),
        ("enterprise_direct", "", "submitted"),
        ("enterprise_direct", "", "submitted"),
        ("work_for_training", "", "approved"),
        ("work_for_training", "", "submitted"),
    ]
    call_command("demo_data", stdout=io.StringIO())
    assert claims.count() == 6  # idempotent

    client.force_login(User.objects.get(username="officer.wanzhou"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:runs"), {"scope": "district"})
    run = AuditRun.objects.exclude(
        scope__in=["inspection", "confirmation"]
    ).get()  # a visit, a dispute: their own
    assert response.status_code == 302 and run.status == "finished"
    findings = run.findings.order_by("rule")
    assert [(f.rule, f.person.name) for f in findings] == [("R10.2", "李春梅"), ("R3.4", "王建国")]
    page = client.get(reverse("claims:detail", args=[findings[1].claim_id])).content.decode()
    assert 'id="audit-findings"' in page and "R3.4</a> [E]" in page


def test_every_demo_line_requotes_to_its_amount_from_its_own_inputs(demo):
    """Issue 13: each stored line carries everything its quote depends on (district settings,
    history, what was booked before), so the engine alone gives its stored figures back."""
    from apps.claims.models import ClaimLine
    from tests.requote import stored_and_requoted

    lines = list(ClaimLine.objects.all())
    assert len(lines) >= 8
    for line in lines:
        stored, again = stored_and_requoted(line)
        assert again == stored, line.pk


def test_the_demo_apprenticeship_books_5000_in_either_order(demo):
    """Issue 13, tried as the README says: officer.wanzhou approves the demo apprentice's advance
    and early end; whichever is approved first, 5,000 are booked in all."""
    from decimal import Decimal

    from apps.claims.models import Claim, LineDecision
    from apps.claims.services.review import claim_line_decide
    from apps.core.errors import ApplicationError
    from apps.ledger.models import LedgerEntry
    from apps.ledger.services import claim_approve

    officer = User.objects.get(username="officer.wanzhou")
    claims = Claim.objects.filter(kind="apprenticeship").order_by("pk")
    for claim in claims:
        line = claim.lines.get()
        try:
            claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
        except ApplicationError:
            claim_line_decide(
                line=line, actor=officer, decision=LineDecision.REJECTED, rule="R5.5", reason="已结算"
            )
        claim_approve(claim=claim, actor=officer)
    total = sum(e.amount for e in LedgerEntry.objects.filter(claim_line__claim__in=claims))
    assert total == Decimal("5000.00")


def test_the_demo_publishes_its_approved_claim_with_an_answered_objection(client, demo):
    from apps.publicity.models import Objection, PublicNotice

    notice = PublicNotice.objects.get()
    assert notice.district.code == "500101" and 1 <= notice.line_count <= 2
    assert Objection.objects.get(notice=notice).status == "rejected"
    page = client.get(f"/publicity/{notice.pk}/").content.decode()
    assert notice.title in page and "*" in page


def test_demo_inspections_a_drawn_week_in_yuzhong_with_one_visit_that_found_an_absence(client, demo):
    from apps.audits.models import AuditFinding
    from apps.inspections.models import Inspection, InspectionDraw

    draw = InspectionDraw.objects.get()
    assert (draw.district.code, draw.sessions_total) == ("500103", 12)
    inspections = Inspection.objects.order_by("pk")
    assert [i.inspector.username for i in inspections] == ["officer.yuzhong", "reviewer"]
    assert sorted(inspections.values_list("status", flat=True)) == ["assigned", "visited"]
    (finding,) = AuditFinding.objects.filter(rule="A7")
    assert (finding.status, finding.details["absent_signed_in"]) == ("confirmed", 1)
    call_command("demo_data", stdout=io.StringIO())
    assert (InspectionDraw.objects.count(), Inspection.objects.count()) == (1, 2)  # idempotent
    client.force_login(User.objects.get(username="officer.yuzhong"))
    visited = inspections.get(status="visited")
    page = client.get(reverse("inspections:detail", args=[visited.pk])).content.decode()
    assert "孙缺勤" in page and "稽核疑点（A7）" in page


def test_the_demo_trainees_confirm_and_dispute_the_april_claim(demo):
    from apps.audits.models import AuditFinding
    from apps.confirmations.models import ConfirmationRequest

    answers = {
        r.person.name: r.status
        for r in ConfirmationRequest.objects.exclude(status="superseded").select_related("person")
        if r.status in ("confirmed", "disputed")
    }
    assert answers == {"王建国": "confirmed", "李春梅": "disputed"}
    (finding,) = AuditFinding.objects.filter(rule="A8")
    assert finding.person.name == "李春梅" and finding.status == "confirmed" and finding.current


def test_the_demo_living_allowance_of_wanzhou_replays_20_yuan_a_day_higher(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 19's walk on the demo: the admin drafts "living allowance 20 元 a day higher in 万州区"
    for 2021; the two trainees' lines change, 600.00 → 720.00 and 500.00 → 600.00, and the
    scenario's difference is the sum of the re-quoted lines."""
    from decimal import Decimal

    from apps.claims.models import Claim
    from apps.scenarios.services import scenario_create
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    claim = Claim.objects.get(kind="living_allowance", district__code="500101", year=2021)
    assert claim.status == "submitted"
    assert sorted(claim.lines.values_list("person__name", "amount")) == [
        ("杨请假", Decimal("500.00")),
        ("陈全勤", Decimal("600.00")),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        scenario = scenario_create(
            actor=User.objects.get(username="admin"),
            name="万州区生活费补贴每天提高 20 元",
            district=claim.district,
            year=2021,
            changes=[{"field": "daily_amount", "op": "add", "value": "20"}],
        )
    scenario.refresh_from_db()
    assert scenario.status == "finished", scenario.error
    changed = sorted(scenario.lines.values_list("before", "after"))
    assert changed == [(Decimal("500.00"), Decimal("600.00")), (Decimal("600.00"), Decimal("720.00"))]
    assert scenario.after_total - scenario.before_total == Decimal("220.00")
