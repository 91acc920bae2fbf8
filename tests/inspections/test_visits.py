"""A visit with two absentees who signed in: findings (A7) on the class and on their claim lines,
shown on the claim page and blocking those lines' approval until dismissed."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.audits.models import AuditFinding
from apps.audits.services import audit_finding_resolve, findings_currency_rebuild
from apps.claims.extensions import claim_submitted, lines_blocked
from apps.claims.models import Claim, ClaimLine
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.inspections import services
from tests.audits.conftest import at
from tests.factories import UserFactory

from .conftest import draw_week


def _visit(scene, inspector, *, head_count=1, absent=(1, 2)):
    (inspection,) = draw_week(scene, inspector).inspections
    e = scene.enrolments
    return services.inspection_record(
        inspection=inspection,
        actor=inspector,
        visited_at=at(scene.session.date, "09:30"),
        head_count=head_count,
        present=[e[0].pk],
        absent=[e[i].pk for i in absent],
        remarks="现场点名",
    )


def test_two_absentees_who_signed_in_make_findings_that_block_their_lines(scene, officer, client):
    inspection = _visit(scene, officer)
    assert (inspection.status, inspection.head_count, inspection.signed_in) == ("visited", 1, 3)
    findings = AuditFinding.objects.filter(rule="A7", current=True)
    class_finding = findings.get(line__isnull=True)
    assert class_finding.subject == f"class:{scene.session.training_class_id}"
    assert class_finding.details["head_count"] == 1 and class_finding.details["absent_signed_in"] == 2
    absent_lines = [scene.lines[1].pk, scene.lines[2].pk]
    assert sorted(findings.filter(line__isnull=False).values_list("line_id", flat=True)) == absent_lines
    assert set(findings.values_list("status", flat=True)) == {"confirmed"}
    blocked = lines_blocked([line.pk for line in scene.lines])
    assert sorted(blocked) == absent_lines
    # The claim page notes the findings on the two lines.
    client.force_login(officer)
    page = client.get(reverse("claims:detail", args=[scene.claim.pk])).content.decode()
    assert page.count("过程监管检查 #") >= 2 and "A7" in page
    # A later batch audit leaves them current; dismissing one frees its line.
    findings_currency_rebuild()
    assert findings.count() == 3
    one = findings.get(line_id=absent_lines[0])
    audit_finding_resolve(finding=one, actor=officer, to="open", reason="复核")
    audit_finding_resolve(finding=one, actor=officer, to="dismissed", reason="该学员请假，签到已更正")
    assert sorted(lines_blocked(absent_lines)) == [absent_lines[1]]
    assert StateChange.objects.filter(object_id=str(inspection.pk), to_state="visited").exists()


def test_no_finding_when_everyone_signed_in_was_present(scene, officer):
    inspection = _visit(scene, officer, head_count=3, absent=())
    assert inspection.run_id is None
    assert not AuditFinding.objects.filter(rule="A7").exists()


def test_fewer_present_than_signed_in_is_a_class_finding(scene, officer):
    _visit(scene, officer, head_count=2, absent=())
    (finding,) = AuditFinding.objects.filter(rule="A7")
    assert finding.line_id is None and finding.details["signed_in"] == 3


def test_a_claim_made_after_the_visit_gets_the_finding_on_submission(scene, officer):
    ClaimLine.objects.filter(pk__in=[line.pk for line in scene.lines]).delete()
    _visit(scene, officer)
    assert not AuditFinding.objects.filter(rule="A7", line__isnull=False).exists()
    later = Claim.objects.create(
        kind="class_completion",
        district=scene.world.yuzhong,
        year=2021,
        institution=scene.world.school,
        training_class=scene.session.training_class,
        status="submitted",
    )
    line = scene.world.line(
        later, scene.enrolments[1].person, date(2021, 6, 1), date(2021, 6, 30), enrolment=scene.enrolments[1]
    )
    claim_submitted(later)
    claim_submitted(later)  # submitted again: nothing twice
    (finding,) = AuditFinding.objects.filter(rule="A7", line__isnull=False)
    assert (finding.line_id, finding.status, finding.current) == (line.pk, "confirmed", True)
    assert lines_blocked([line.pk])


def test_only_the_assigned_inspector_records_and_only_once(scene, officer):
    (inspection,) = draw_week(scene, officer).inspections
    other = UserFactory(officer=True)
    record = {"visited_at": at(scene.session.date, "09:30"), "head_count": 3, "present": [], "absent": []}
    with pytest.raises(PermissionDenied):
        services.inspection_record(inspection=inspection, actor=other, **record)
    services.inspection_record(inspection=inspection, actor=officer, **record)
    with pytest.raises(PermissionDenied):
        services.inspection_record(inspection=inspection, actor=officer, **record)
    with pytest.raises(ApplicationError):
        services.inspection_draw(district=scene.world.yuzhong, week_start=date(2021, 6, 8), actor=officer)
