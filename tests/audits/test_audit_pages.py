"""The audit pages as an officer uses them: start an audit of the district, watch it, read the
findings with their links, decide on one; the admin's scopes; the claim's findings; the rules."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from apps.audits import services
from apps.audits.models import AuditFinding, AuditRun
from tests.factories import UserFactory

D = date


@pytest.fixture
def client_as(db):
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def _cross_district_person(world):
    """Two trainings in 万州区, then two in 渝中区: the fourth, in 渝中区, breaks R10.1."""
    p = world.person("张跨区")
    lines = [world.training(p, D(2021, m, 1), D(2021, m, 20), district=world.wanzhou) for m in (3, 5)]
    lines += [world.training(p, D(2021, m, 1), D(2021, m, 20)) for m in (7, 9)]
    return lines


def test_an_officer_starts_an_audit_of_the_district_and_reads_its_findings(
    world, officer, client_as, django_capture_on_commit_callbacks
):
    lines = _cross_district_person(world)
    client = client_as(officer)
    page = client.get(reverse("audits:runs")).content.decode()
    assert "稽核渝中区全部在办申领" in page and "还没有批量稽核" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:runs"), {"scope": "district"})
    run = AuditRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audits:run", args=[run.pk])
    assert (run.scope, run.district, run.started_by, run.status) == (
        "district",
        world.yuzhong,
        officer,
        "finished",
    )
    page = client.get(response["Location"]).content.decode()
    assert f"批量稽核 #{run.pk}：渝中区在办申领" in page
    assert f'<span class="status status-approved" data-audit-status="{run.pk}">已完成</span>' in page
    assert "疑点</dt><dd><strong>1</strong> 条（该范围的第一次稽核）" in page
    assert 'href="/rules/#R10.1"' in page and "[E]" in page
    assert f'href="/claims/{lines[3].claim_id}/#line-{lines[3].pk}"' in page
    assert "张跨区（5001**********" in page
    # The other claim involved is in 万州区: its number and district, but no link the officer cannot open.
    assert f"#{lines[0].claim_id} · 明细 #{lines[0].pk}" in page and "其他区县，无查看权限" in page
    assert f'href="/claims/{lines[0].claim_id}/' not in page
    assert "<progress" not in page and 'http-equiv="refresh"' not in page


def test_a_run_in_progress_shows_its_bar_and_reloads_without_javascript(world, officer, client_as):
    run = services.audit_run_start(actor=officer, scope="district", district=world.yuzhong)
    page = client_as(officer).get(reverse("audits:run", args=[run.pk])).content.decode()
    assert f'<span class="status status-submitted" data-audit-status="{run.pk}">排队中</span>' in page
    assert f'<progress max="100" value="0" data-audit-run="{run.pk}"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "js/audit_progress.js" in page


def test_the_admin_audits_any_scope_and_a_bad_one_is_answered_next_to_the_field(
    world, admin, client_as, django_capture_on_commit_callbacks
):
    _cross_district_person(world)
    client = client_as(admin)
    response = client.post(reverse("audits:runs"), {"scope": "district", "district": ""})
    assert response.status_code == 400
    assert "请选择要稽核的区县" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:runs"), {"scope": "district", "district": "500101"})
    assert AuditRun.objects.get().district == world.wanzhou
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("audits:runs"), {"scope": "all"})
    page = client.get(reverse("audits:runs")).content.decode()
    assert "全市全部在办申领" in page and "万州区在办申领" in page


def test_an_officer_cannot_audit_a_claim_of_another_district(world, officer, client_as):
    lines = _cross_district_person(world)
    client = client_as(officer)
    assert (
        client.post(reverse("audits:runs"), {"scope": "claim", "claim": lines[0].claim_id}).status_code == 404
    )
    assert client.post(reverse("audits:runs"), {"scope": "all"}).status_code == 400
    assert not AuditRun.objects.exists()


def test_findings_are_filtered_by_rule_district_and_status(world, admin, officer, client_as, audit):
    _cross_district_person(world)
    p = world.person("李两次")
    world.training(p, D(2021, 3, 1), D(2021, 3, 20), occupation="6-18-01-01", level=4, district=world.wanzhou)
    world.training(p, D(2022, 3, 1), D(2022, 3, 20), occupation="6-18-01-01", level=4, district=world.wanzhou)
    audit()
    client = client_as(admin)
    url = reverse("audits:findings")
    assert client.get(url).content.decode().count('<td><a href="/audits/findings/') == 2
    only_r102 = client.get(url, {"rule": "R10.2"}).content.decode()
    assert "李两次" in only_r102 and "张跨区" not in only_r102
    yuzhong = client.get(url, {"district": "500103"}).content.decode()
    assert "张跨区" in yuzhong and "李两次" not in yuzhong
    assert "没有符合条件的稽核疑点" in client.get(url, {"status": "dismissed"}).content.decode()
    officer_page = client_as(officer).get(url).content.decode()
    assert "张跨区" in officer_page and "李两次" not in officer_page
    assert '<select name="district">' not in officer_page


def test_an_officer_confirms_a_finding_with_a_reason(world, officer, client_as, audit):
    _cross_district_person(world)
    finding = audit().findings.get()
    client = client_as(officer)
    url = reverse("audits:finding", args=[finding.pk])
    page = client.get(url).content.decode()
    assert "2021 年已有 3 次补贴性培训，本次为第 4 次" in page and "提交处理结论" in page
    refused = client.post(url, {"to": "confirmed", "reason": "", "confirm": "on"})
    assert refused.status_code == 400 and "该字段是必填项" in refused.content.decode()
    assert client.post(url, {"to": "confirmed", "reason": "已核实"}).status_code == 400  # no confirmation
    response = client.post(url, {"to": "confirmed", "reason": "已核实，第四次不予补贴", "confirm": "on"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.resolution_reason, finding.resolved_by) == (
        "confirmed",
        "已核实，第四次不予补贴",
        officer,
    )
    page = client.get(url).content.decode()
    assert "待处理 → 已确认" in page and "已核实，第四次不予补贴" in page


def test_the_claims_findings_and_its_audit_button(
    world, officer, client_as, audit, django_capture_on_commit_callbacks
):
    lines = _cross_district_person(world)
    claim = lines[3].claim
    client = client_as(officer)
    url = reverse("audits:claim", args=[claim.pk])
    assert "该申领尚未经过批量稽核。" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:claim_start", args=[claim.pk]))
    run = AuditRun.objects.get()
    assert (run.scope, run.claim) == ("claim", claim)
    assert response["Location"] == reverse("audits:run", args=[run.pk])
    page = client.get(url).content.decode()
    assert f'href="/claims/{claim.pk}/#line-{lines[3].pk}">明细 #{lines[3].pk}</a>' in page
    assert "R10.1</a> [E] 2021 年已有 3 次补贴性培训" in page
    assert client.get(reverse("audits:claim", args=[lines[0].claim_id])).status_code == 404


def test_the_audit_rules_page_lists_every_rule_with_its_anchor(client):
    page = client.get(reverse("audits:rules")).content.decode()
    for rule_id in ("R10.1", "R10.2", "R10.3", "R3.4", "R6.1", "A1", "A2", "A3", "A4", "A5", "A6"):
        assert f'id="{rule_id}"' in page
    assert 'href="/audits/rules/#A3"' in page and 'href="/rules/#R10.1"' in page


def test_home_pages_show_the_findings_waiting_and_the_latest_runs(world, officer, admin, client_as, audit):
    _cross_district_person(world)
    run = audit()
    officer_home = client_as(officer).get("/").content.decode()
    assert "稽核疑点" in officer_home and "条待处理" in officer_home
    assert '/audits/findings/?rule=R10.1&amp;status=open">1</a>' in officer_home
    assert f'最近一次批量稽核 <a href="/audits/runs/{run.pk}/">#{run.pk}</a>' in officer_home
    auditor_home = client_as(UserFactory(auditor=True)).get("/").content.decode()
    assert "最近的批量稽核" in auditor_home and "疑点 1" in auditor_home
    assert "批量稽核" in client_as(admin).get("/").content.decode()


def test_a_run_page_lists_what_cleared_since_the_previous_run(world, admin, client_as, audit):
    lines = _cross_district_person(world)
    audit()
    lines[3].decision = "rejected"
    lines[3].save()
    run = audit()
    page = client_as(admin).get(reverse("audits:run", args=[run.pk])).content.decode()
    assert "比上次同范围稽核新增 0 条，仍存在 0 条，已消除 1 条" in page
    assert "本次稽核没有符合条件的疑点" in page
    cleared = (
        client_as(admin).get(reverse("audits:run", args=[run.pk]), {"change": "cleared"}).content.decode()
    )
    assert "已消除</span>" in cleared and "本次已不再出现" in cleared
    assert AuditFinding.objects.filter(run=run, change="cleared").count() == 1


def test_the_claim_page_shows_its_findings_on_its_lines_to_audit_roles_only(
    world, officer, admin, client_as, audit
):
    lines = _cross_district_person(world)
    finding = audit().findings.get()
    flagged = lines[3]
    page = client_as(officer).get(reverse("claims:detail", args=[flagged.claim_id])).content.decode()
    section = page[page.index('id="audit-findings"') : page.index('id="lines"')]
    assert f'href="/claims/{flagged.claim_id}/#line-{flagged.pk}">明细 #{flagged.pk}</a>' in section
    assert "R10.1</a> [E] 2021 年已有 3 次补贴性培训，本次为第 4 次" in section
    assert "其他区县，无查看权限" in section  # the earlier trainings are in 万州区
    assert "立即稽核该申领" in section
    # The line's own row carries the finding, linked to the finding's page.
    row = page[page.index(f'<tr id="line-{flagged.pk}">') :]
    row = row[: row.index("</tr>")]
    assert 'class="findings line-notes"' in row
    assert f'<a href="/audits/findings/{finding.pk}/">稽核疑点 #{finding.pk} · 待处理</a>' in row

    # The admin opens the earlier claim in 万州区: the finding on the 渝中区 claim names its line.
    earlier = client_as(admin).get(reverse("claims:detail", args=[lines[0].claim_id])).content.decode()
    section = earlier[earlier.index('id="audit-findings"') : earlier.index('id="lines"')]
    assert "其他申领的疑点涉及本申领" in section
    assert f'href="/claims/{lines[0].claim_id}/#line-{lines[0].pk}">明细 #{lines[0].pk}</a>' in section
    assert f'href="/claims/{flagged.claim_id}/#line-{flagged.pk}">申领 #{flagged.claim_id}</a>' in section
    row = earlier[earlier.index(f'<tr id="line-{lines[0].pk}">') :]
    assert "line-notes" not in row[: row.index("</tr>")]


def test_the_claim_page_has_no_audit_section_for_roles_without_audit_pages(world, client_as, audit):
    lines = _cross_district_person(world)
    audit()
    claim = lines[3].claim
    auditor = client_as(UserFactory(auditor=True)).get(reverse("claims:detail", args=[claim.pk]))
    assert 'id="audit-findings"' in auditor.content.decode()
    assert "立即稽核该申领" not in auditor.content.decode()  # the auditor reads, never starts
    filer = UserFactory(filer=True)
    world.employer.members.add(filer)  # the enterprise that filed the claim
    page = client_as(filer).get(reverse("claims:detail", args=[claim.pk]))
    assert page.status_code == 200
    assert 'id="audit-findings"' not in page.content.decode()
    assert "line-notes" not in page.content.decode() and "稽核疑点" not in page.content.decode()


def test_the_claim_page_lists_twenty_findings_and_links_to_the_rest(world, officer, client_as, audit):
    big = world.claim("enterprise_direct")
    lines = []
    for n in range(22):
        person = world.person(f"学员{n:02d}")
        for month in (2, 3, 4):
            world.training(person, D(2021, month, 1), D(2021, month, 20))
        lines.append(world.line(big, person, D(2021, 6, 1), D(2021, 6, 20)))
    audit()
    client = client_as(officer)
    page = client.get(reverse("claims:detail", args=[big.pk])).content.decode()
    section = page[page.index('id="audit-findings"') : page.index('id="lines"')]
    assert section.count('<li class="sev-E">') == 20
    assert "另有 2 条疑点，查看该申领的全部疑点" in section
    # every line's row still carries its own finding
    assert page.count('class="findings line-notes"') == 22
    everything = client.get(reverse("audits:claim", args=[big.pk])).content.decode()
    assert everything.count('<li class="sev-E">') == 22 and "另有" not in everything
