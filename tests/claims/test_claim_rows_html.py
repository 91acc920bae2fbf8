"""The claims list's and the claim page's rows are written in Python (apps.claims.views.rows), not by
the template engine (issue 17: the two pages took about 45 % of the server's CPU under load, the
templates 40 % of that). Every branch the templates had: escaping of every value, the officer's
decision forms (with a reason when a finding asks for judgement), the claims behind a finding,
other apps' notes, the recovery link, the claimant's next step."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from apps.claims.extensions import LineNote
from apps.claims.selectors import Blocker, LineRow
from apps.claims.views.rows import claim_line_rows, claim_list_rows

WHEN = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)  # 2026-05-02 00:30 in Asia/Shanghai
STEPS = [
    {"rule": "R1.2", "text": "标准 <x>", "arithmetic": "1 × 2", "amount": "1200"},
    {"rule": "R2", "text": "无金额"},
]
JUDGED = {"rule": "R3.4", "severity": "W", "message": "同年第 <4> 次"}
FIRM = {"rule": "R3.5", "severity": "E", "message": "月份重复"}


class _Line(SimpleNamespace):
    def get_share_display(self) -> str:
        return "职业培训补贴"

    def get_decision_display(self) -> str:
        return {"pending": "待审核", "approved": "通过", "rejected": "不予补贴"}[self.decision]


class _Officer:
    def __str__(self) -> str:
        return "王<经办>"


def _line(pk: int, **fields: object) -> _Line:
    values: dict[str, object] = {
        "pk": pk,
        "person_id": pk * 10,
        "person": SimpleNamespace(name=f"张<{pk}>&"),
        "share": "training",
        "amount": Decimal("1200.50"),
        "steps": STEPS,
        "rules_version": "2021.1",
        "findings": [],
        "decision": "pending",
        "decision_rule": "",
        "decision_reason": "",
        "decided_by": None,
        "decided_at": None,
    }
    values.update(fields)
    return _Line(**values)


def _render(rows: list[LineRow], *, deciding: bool = True, can_recover: bool = False) -> str:
    return str(
        claim_line_rows(
            rows,
            request=RequestFactory().get("/"),
            claim_pk=99,
            start=11,
            deciding=deciding,
            can_recover=can_recover,
            rule_options='<option value="R9">R9</option>' if deciding else "",
        )
    )


def _row(html: str, pk: int) -> str:
    match = re.search(rf'<tr id="line-{pk}">.*?</tr>', html, re.S)
    assert match, f"no row for line {pk}"
    return match.group(0)


def test_every_value_is_escaped_and_the_rows_are_numbered_from_the_page_start():
    html = _render(
        [
            LineRow(_line(1), "5001**1", person_page=True),
            LineRow(
                _line(
                    2,
                    decision="rejected",
                    decision_rule="R9",
                    decision_reason="理由 <b>",
                    decided_by=_Officer(),
                    decided_at=WHEN,
                ),
                "5001<2>",
            ),
        ]
    )
    assert "<x>" not in html and "<b>" not in html and "<经办>" not in html and "<2>" not in html
    first, second = _row(html, 1), _row(html, 2)
    assert "<td>11</td>" in first and "<td>12</td>" in second
    assert '<a href="/trainees/persons/10/">张&lt;1&gt;&amp;</a>' in first
    assert '<td class="nowrap">张&lt;2&gt;&amp;</td>' in second  # no person page: the name alone
    assert "标准 &lt;x&gt;<br><code>1 × 2</code> = <strong>1,200.00</strong> 元" in first
    assert "无金额</li>" in first  # a step without an amount has no "= … 元"
    assert '<a class="rule" href="/rules/#R9">R9</a> 理由 &lt;b&gt;' in second
    assert "王&lt;经办&gt; 2026-05-02 00:30" in second  # the officer and the time, in Beijing time


def test_an_officer_gets_the_decision_forms_each_with_the_csrf_token():
    html = _render(
        [
            LineRow(_line(1), "a"),
            LineRow(_line(2, findings=[JUDGED]), "b"),
            LineRow(_line(3, amount=Decimal("0")), "c"),
            LineRow(_line(4, decision="approved"), "d"),
            LineRow(_line(5, decision="rejected"), "e"),
        ]
    )
    plain, judged, zero, approved, rejected = (_row(html, pk) for pk in range(1, 6))
    # A line without a finding to judge: approve at once, or reject with a rule, a reason and a tick.
    assert '<form method="post" action="/claims/99/lines/1/decide/" class="inline">' in plain
    assert 'name="csrfmiddlewaretoken"' in plain and plain.count("csrfmiddlewaretoken") == 2
    assert '<select id="rule-1" name="rule" required><option value="R9">R9</option></select>' in plain
    assert '<textarea id="reason-1" name="reason" rows="2" required>' in plain
    # A W or O finding: approving asks for the officer's written reason.
    assert "<details open><summary>通过（须填写理由）…</summary>" in judged
    assert '<textarea id="accept-2" name="reason" rows="2" required>' in judged
    # Quoted at zero: no approving; approved already: only rejecting; rejected: only approving.
    assert 'value="approved"' not in zero and 'value="rejected"' in zero
    assert 'value="approved"' not in approved and 'value="rejected"' in approved
    assert 'value="approved"' in rejected and 'value="rejected"' not in rejected


def test_without_the_review_there_is_no_form_and_the_recovery_link_follows_its_flag():
    rows = [LineRow(_line(1, decision="approved"), "a"), LineRow(_line(2), "b")]
    html = _render(rows, deciding=False, can_recover=True)
    assert "<form" not in html and "csrfmiddlewaretoken" not in html
    assert '<a href="/ledger/lines/1/recover/">追回…</a>' in _row(html, 1)
    assert "追回" not in _row(html, 2)  # only an approved line is recovered
    assert "追回" not in _render(rows, deciding=False, can_recover=False)


def test_findings_name_the_claims_behind_them_and_link_only_those_the_viewer_sees():
    blockers = {
        "R3.5": [
            Blocker(7, "approved", "已通过", "班级申领", True),
            Blocker(8, "paid", "已支付", "以工代训", False),
        ]
    }
    note = LineNote("A1", "W", "稽核 <疑点>", "/rules/#A1", "/audits/1/?a=1&b=2", "查看")
    html = _render(
        [LineRow(_line(1, findings=[JUDGED, FIRM]), "a", (note,), blockers=blockers), LineRow(_line(2), "b")],
        deciding=False,
    )
    row = _row(html, 1)
    assert (
        '<li class="sev-W"><a class="rule" href="/rules/#R3.4">R3.4</a> [W] 同年第 &lt;4&gt; 次</li>' in row
    )
    assert (
        '<small>涉及申领：<a href="/claims/7/">#7</a>'
        '（班级申领，<span class="status status-approved">已通过</span>）、'
        '#8（以工代训，<span class="status status-paid">已支付</span>）</small>'
    ) in row
    assert '<ul class="findings line-notes"><li class="sev-W"><a class="rule" href="/rules/#A1">A1</a>' in row
    assert '稽核 &lt;疑点&gt; <a href="/audits/1/?a=1&amp;b=2">查看</a>' in row
    assert "<td>\n\n—</td>" in _row(html, 2)  # nothing found, nothing noted


@pytest.mark.parametrize("is_claimant", [True, False])
def test_a_claims_list_row(is_claimant):
    class _Claim(SimpleNamespace):
        def get_kind_display(self) -> str:
            return "企业新型学徒制"

        def get_apprenticeship_stage_display(self) -> str:
            return "第一阶段"

        def get_status_display(self) -> str:
            return "已提交"

    claims = [
        _Claim(
            pk=5,
            apprenticeship_stage="first",
            training_class=SimpleNamespace(name="班<1>"),
            claimant=SimpleNamespace(name="机构&"),
            district=SimpleNamespace(name="渝中区"),
            year=2026,
            line_count=3,
            total=Decimal("1234.5"),
            approved_total=Decimal("0"),
            status="submitted",
            submitted_at=WHEN,
            has_findings=True,
            next_step="等待<审核>",
        ),
        _Claim(
            pk=6,
            apprenticeship_stage="",
            training_class=None,
            claimant=SimpleNamespace(name="企业"),
            district=SimpleNamespace(name="万州区"),
            year=2025,
            line_count=0,
            total=Decimal("0"),
            approved_total=Decimal("10"),
            status="draft",
            submitted_at=None,
            has_findings=False,
            next_step="提交",
        ),
    ]
    html = str(claim_list_rows(claims, is_claimant=is_claimant))
    first, second = html.split("</tr>")[:2]
    assert '<td><a href="/claims/5/">#5</a></td>' in first
    assert '<td>企业新型学徒制（第一阶段）<br><small class="muted">班&lt;1&gt;</small></td>' in first
    assert "<td>机构&amp;</td>" in first and "<td>渝中区 · 2026</td>" in first
    assert '<td class="num"><a href="/claims/5/#lines">1,234.50</a></td>' in first
    assert '<td><span class="status status-submitted">已提交</span></td>' in first
    assert "<td>2026-05-02 00:30</td>" in first and "<td>—</td>" in second  # never submitted
    if is_claimant:
        assert "<td>等待&lt;审核&gt;</td>" in first and "<td>提交</td>" in second
    else:
        assert '<td><span class="warn">有</span></td>' in first and second.endswith("<td>—</td>\n")
