"""The audit findings export: the current findings (those of the latest run covering them, as the
audit pages show them) with their messages and handling, opened with openpyxl; the lines they
concern against the ledger; masking per role; filters; injection."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audits.engine import catalogue
from apps.audits.models import AuditFinding, AuditRun, Change, RunStatus, Scope
from apps.audits.services import audit_finding_resolve, findings_currency_rebuild
from apps.institutions.models import HighSkillBase
from apps.ledger.selectors.accounts import balances
from tests.factories import NumberedInstitutionFactory, district

from .conftest import WANZHOU, YUZHONG, export, open_workbook, sheet_rows, summary_table, summary_value, yuan

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings(world):
    """A finished city-wide run: A4 on 渝中区's "=1+2" line, A5 on 万州区's "@李四" line
    (confirmed with a reason beginning with "-"), R6.1 on a 渝中区 base's 2021, and a cleared
    A4 that no longer counts; an older run's finding that the newer run covers."""
    older = AuditRun.objects.create(
        scope=Scope.ALL,
        scope_key="all",
        status=RunStatus.FINISHED,
        rules_version="old",
        finished_at=timezone.now(),
    )
    run = AuditRun.objects.create(
        scope=Scope.ALL,
        scope_key="all",
        status=RunStatus.FINISHED,
        rules_version="test-rules",
        started_by=world.admin,
        finished_at=timezone.now(),
    )
    yz = world.claims["yuzhong"].lines.get(person=world.persons["equals"])
    wz = world.claims["wanzhou_wft"].lines.get(person=world.persons["at"])
    wz_other = world.claims["wanzhou_wft"].lines.get(person=world.persons["minus"])
    base = NumberedInstitutionFactory(
        high_skill_base=HighSkillBase.NATIONAL, name="=重庆市高技能人才培训基地"
    )

    def on_line(run, rule, line, details, **more):
        return AuditFinding.objects.create(
            run=run,
            rule=rule,
            subject=f"line:{line.pk}",
            line=line,
            claim=line.claim,
            person=line.person,
            district=line.claim.district,
            details=details,
            **more,
        )

    on_line(older, "A4", wz_other, {"claimed": 99, "planned": 40})  # covered by the newer run
    made = {
        "a4": on_line(run, "A4", yz, {"claimed": 50, "planned": 40}),
        "a5": on_line(
            run,
            "A5",
            wz,
            {"year": 2021, "quota": 10, "count": 12, "nth": 12},
            other_line=wz_other,
            other_claim=wz_other.claim,
        ),
        "r61": AuditFinding.objects.create(
            run=run,
            rule="R6.1",
            subject=f"institution:{base.pk}:2021",
            institution=base,
            district=base.district,
            details={"tier": "national", "person_times": 100, "year": 2021},
        ),
        "cleared": on_line(run, "A4", wz_other, {"claimed": 45, "planned": 40}, change=Change.CLEARED),
    }
    findings_currency_rebuild()  # written by hand: which are current, as a run's finish keeps it
    made["a5"] = audit_finding_resolve(
        finding=made["a5"], actor=world.admin, to="confirmed", reason="-确认：超出额度"
    )
    made["run"] = run
    made["base"] = base
    return made


def _rows(job):
    book = open_workbook(job)
    return book, [r for s in book.worksheets if s.title.startswith("稽核疑点") for r in sheet_rows(s)]


def test_the_current_findings_with_their_messages_handling_and_lines(world, findings):
    job = export(world.users["auditor"], kind="audit_findings")
    book, rows = _rows(job)
    assert book.sheetnames == ["汇总与对账", "稽核疑点"]
    assert book["稽核疑点"].freeze_panes == "A2"
    assert [r["疑点编号"] for r in rows] == [findings["a5"].pk, findings["a4"].pk, findings["r61"].pk]
    a5 = rows[0]
    line = findings["a5"].line
    number = world.persons["at"].id_number
    assert a5 == {
        "疑点编号": findings["a5"].pk,
        "规则": "A5",
        "规则名称": "培训机构超出年度培训计划额度",
        "严重程度": "W",
        "疑点说明": "2021 年度培训计划额度 10 人次，已申领 12 人次，本条为第 12 人次，超出额度 (A5)",
        "区县": "万州区",
        "培训机构 / 用人单位": line.claim.employer.name,
        "申领编号": line.claim_id,
        "资金年度": 2021,
        "明细编号": line.pk,
        "资金类别": "以工代训",
        "学员姓名": "'@李四",
        "身份证号码": f"{number[:4]}{'*' * 10}{number[-4:]}",
        "测算金额（元）": 500,
        "台账净额（元）": 500,
        "关联申领编号": line.claim_id,
        "关联明细编号": findings["a5"].other_line_id,
        "较上次稽核": "新增",
        "处理状态": "已确认",
        "处理意见": "'-确认：超出额度",
        "处理人": str(world.admin),
        "处理时间": a5["处理时间"],
        "发现时间": a5["发现时间"],
        "稽核批次": findings["run"].pk,
        "规则版本": "test-rules",
    }
    assert a5["处理时间"] is not None and a5["发现时间"] is not None
    r61 = rows[2]
    assert r61["疑点说明"] == catalogue.message("R6.1", findings["r61"].details)
    assert (r61["培训机构 / 用人单位"], r61["资金年度"], r61["明细编号"]) == (
        "'=重庆市高技能人才培训基地",
        2021,
        None,
    )
    assert r61["测算金额（元）"] is None and r61["台账净额（元）"] is None and r61["身份证号码"] is None


def test_the_summary_counts_by_rule_and_sets_the_lines_against_the_ledger(world, findings):
    job = export(world.users["auditor"], kind="audit_findings", districts=(YUZHONG, WANZHOU), years=(2021,))
    assert job.row_count == 3
    summary = open_workbook(job)["汇总与对账"]
    assert summary_value(summary, "明细行数") == 3
    by_rule = summary_table(summary)
    assert [(r["区县"], r["规则"], r["疑点数"], r["待处理"], r["已确认"], r["已排除"]) for r in by_rule] == [
        ("万州区", "A5", 1, 0, 1, 0),
        ("渝中区", "R6.1", 1, 1, 0, 0),  # the catalogue's order
        ("渝中区", "A4", 1, 1, 0, 0),
        ("合计", None, 3, 2, 1, 0),
    ]
    rows = list(summary.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[:2] == ("区县", "资金年度"))
    ledger = {}
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        ledger[(r[0], r[1])] = r
    for code, lines, amount in ((YUZHONG, 1, "1125.00"), (WANZHOU, 1, "500.00")):
        where = district(code)
        row = ledger[(where.name, 2021)]
        assert (row[3], yuan(row[4]), yuan(row[5])) == (lines, Decimal(amount), Decimal(amount))
        assert yuan(row[6]) == sum((b.booked for b in balances(district=where, year=2021)), Decimal("0.00"))
    assert ledger[("合计", None)][3] == 2


@pytest.mark.parametrize(
    ("role", "expected", "masked"),
    [
        ("admin", {"a4", "a5", "r61"}, False),
        ("officer", {"a4", "r61"}, False),
        ("officer_wanzhou", {"a5"}, False),
    ],
)
def test_each_role_exports_the_findings_of_its_scope(world, findings, role, expected, masked):
    _, rows = _rows(export(world.users[role], kind="audit_findings"))
    assert {r["疑点编号"] for r in rows} == {findings[name].pk for name in expected}
    for r in rows:
        if r["学员姓名"]:
            assert ("*" in r["身份证号码"]) is masked


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kinds": ("A4",)}, {"a4"}),
        ({"statuses": ("confirmed",)}, {"a5"}),
        ({"years": (2021,)}, {"a4", "a5", "r61"}),
        ({"years": (2022,)}, set()),
        ({"shares": ("work_for_training",)}, {"a5"}),
        ({"districts": (WANZHOU,)}, {"a5"}),
    ],
)
def test_filters(world, findings, filters, expected):
    _, rows = _rows(export(world.admin, kind="audit_findings", **filters))
    assert {r["疑点编号"] for r in rows} == {findings[name].pk for name in expected}


def test_the_description_names_rules_and_handling(world, findings):
    job = export(world.admin, kind="audit_findings", kinds=("A4", "R6.1"), statuses=("open",))
    assert job.description == (
        "区县：全部；年度：全部；稽核规则：A4 申领课时超过培训计划、R6.1 "
        f"{catalogue.rule_of('R6.1').title}；资金类别：全部；处理状态：待处理"
    )


def test_the_export_reads_in_the_same_queries_however_many_findings(world, findings):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export(world.admin, kind="audit_findings", districts=(YUZHONG,), years=(2021,))
        return len(captured)

    few = queries()
    for line in world.claims["yuzhong"].lines.all():
        AuditFinding.objects.create(
            run=findings["run"],
            rule="A1",
            subject=f"line:{line.pk}",
            line=line,
            claim=line.claim,
            person=line.person,
            district=line.claim.district,
            details={},
        )
    findings_currency_rebuild()
    # The districts' names, the count, the job's insert; the build's start (savepoint, lock,
    # update, release); the findings, through one cursor; the lines they concern and their net
    # in the ledger; the districts the filter names and those of the pairs; balances() for the
    # one pair (allocation, bookings with their payments, outstanding recoveries); the finish.
    assert few == queries() == 16
