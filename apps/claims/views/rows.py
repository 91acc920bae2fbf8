"""The rows of the two busiest tables, written in Python: the claims list and a claim page's lines.

Under load these two pages took about 45 % of the server's CPU, and Django's template engine
about 40 % of that: a claims list row resolved some 40 variables and filters, a line row of a
claim under review some 150 (the decision forms). Here each row is one string built from escaped
values, to the byte what the templates wrote before (tests/claims/test_claim_rows_html.py walks
every branch). The tables' headers, footers and the rest of each page stay in the templates.

Every value from the database or a user goes through `_e` (Django's escaping); the words are
marked for translation and translated once a page.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from apps.core.templatetags.money import yuan

from ..models import Verdict
from ..selectors import LineRow


def _e(value: Any) -> str:
    """A value as the template's {{ value }} writes it: as text, HTML-escaped."""
    return html.escape(str(value))


def _markup(parts: list[str]) -> SafeString:
    """The rows as markup: every value in them went through _e or is a number."""
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


def _when(value: datetime | None) -> str:
    """`|date:"Y-m-d H:i"` in the current time zone; empty for none."""
    return localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _url(name: str, arity: int = 1) -> Callable[..., str]:
    """reverse(name, args=…) for integer arguments, reversed once a page rather than once a row."""
    marks = ("918273645", "918273646")[:arity]
    pattern = reverse(name, args=marks)
    for index, mark in enumerate(marks):
        pattern = pattern.replace(mark, f"{{{index}}}")  # a reversed path holds no braces

    def build(*args: int) -> str:
        if len(args) != arity:
            raise TypeError(f"{name} takes {arity} arguments")
        return pattern.format(*(int(arg) for arg in args))

    return build


def claim_list_rows(claims: Iterable[Any], *, is_claimant: bool) -> SafeString:
    """The <tr> of each claim of the claims list (claims/claim_list.html)."""
    detail = _url("claims:detail")
    has = _e(_("有"))
    out = []
    for c in claims:
        url = detail(c.pk)
        kind = _e(c.get_kind_display())
        if c.apprenticeship_stage:
            kind += f"（{_e(c.get_apprenticeship_stage_display())}）"
        if c.training_class:
            kind += f'<br><small class="muted">{_e(c.training_class.name)}</small>'
        if is_claimant:
            step = _e(c.next_step)
        elif c.has_findings:
            step = f'<span class="warn">{has}</span>'
        else:
            step = "—"
        out.append(
            f'<tr>\n<td><a href="{url}">#{c.pk}</a></td>\n'
            f"<td>{kind}</td>\n"
            f"<td>{_e(c.claimant.name)}</td>\n"
            f"<td>{_e(c.district.name)} · {c.year}</td>\n"
            f'<td class="num">{c.line_count}</td>\n'
            f'<td class="num"><a href="{url}#lines">{yuan(c.total)}</a></td>\n'
            f'<td class="num">{yuan(c.approved_total)}</td>\n'
            f'<td><span class="status status-{_e(c.status)}">{_e(c.get_status_display())}</span></td>\n'
            f"<td>{_when(c.submitted_at) or '—'}</td>\n"
            f"<td>{step}</td>\n</tr>"
        )
    return _markup(out)


class _Words:
    """The words of every line row, translated once a page."""

    def __init__(self) -> None:
        self.reject = _e(_("不予补贴"))
        self.reject_more = _e(_("不予补贴…"))
        self.reason = _e(_("审核理由（必填）"))
        self.confirm = _e(_("我已核对以上内容，确认执行"))
        self.involved = _e(_("涉及申领："))
        self.rule = _e(_("理由规则"))
        self.version = _e(_("规则版本"))
        self.recover = _e(_("追回…"))
        self.approve = _e(_("通过"))
        self.approve_reason = _e(_("通过理由（必填：本明细有须审核人员判断的校验结果）"))
        self.approve_more = _e(_("通过（须填写理由）…"))
        self.advice = _e(_("第三方意见："))
        self.recommend_more = _e(_("提出审核意见…"))
        self.verdict = _e(_("审核意见"))
        self.verdict_rule = _e(_("理由规则（建议不予补贴时必选）"))
        self.verdict_reason = _e(_("理由（必填）"))
        self.recommend = _e(_("提交意见"))
        self.verdicts = "".join(
            f'<option value="{_e(value)}">{_e(label)}</option>' for value, label in Verdict.choices
        )


def _steps(line: Any) -> str:
    out = []
    for s in line.steps or ():
        rule = _e(s.get("rule", ""))
        text = f'<li><a class="rule" href="/rules/#{rule}">{rule}</a> {_e(s.get("text", ""))}'
        if s.get("arithmetic"):
            text += f"<br><code>{_e(s['arithmetic'])}</code>"
        if s.get("amount") is not None:
            text += f" = <strong>{_e(yuan(s['amount']))}</strong> 元"
        out.append(text + "</li>")
    return "".join(out)


def _findings(row: LineRow, words: _Words, detail: Callable[..., str]) -> str:
    out = []
    for f in row.findings:
        rule, severity = _e(f.get("rule", "")), _e(f.get("severity", ""))
        text = (
            f'<li class="sev-{severity}"><a class="rule" href="/rules/#{rule}">{rule}</a> '
            f"[{severity}] {_e(f.get('message', ''))}"
        )
        if f["blockers"]:
            claims = []
            for b in f["blockers"]:
                ref = f'<a href="{detail(b.claim_id)}">#{b.claim_id}</a>' if b.visible else f"#{b.claim_id}"
                claims.append(
                    f'{ref}（{_e(b.kind_label)}，<span class="status status-{_e(b.status)}">'
                    f"{_e(b.status_label)}</span>）"
                )
            text += f"<br><small>{words.involved}{'、'.join(claims)}</small>"
        out.append(text + "</li>")
    return f'<ul class="findings">{"".join(out)}</ul>'


def _notes(row: LineRow) -> str:
    return (
        '<ul class="findings line-notes">'
        + "".join(
            f'<li class="sev-{_e(n.severity)}"><a class="rule" href="{_e(n.rule_url)}">{_e(n.rule)}</a> '
            f'[{_e(n.severity)}] {_e(n.message)} <a href="{_e(n.url)}">{_e(n.link_label)}</a></li>'
            for n in row.notes
        )
        + "</ul>"
    )


def claim_line_rows(
    rows: Sequence[LineRow],
    *,
    request: HttpRequest,
    claim_pk: int,
    start: int,
    deciding: bool,
    can_recover: bool,
    rule_options: str,
    recommending: bool = False,
) -> SafeString:
    """The <tr> of each line on a claim page (claims/claim_detail.html): the person, the quote
    with its steps, the findings and notes, the decision with the third party's latest
    recommendation beside it, and the officer's decision forms (or the reviewer's recommendation
    form)."""
    words = _Words()
    person_url, detail = _url("roster:person_detail"), _url("claims:detail")
    recover_url, decide = _url("ledger:line_recover"), _url("claims:line_decide", 2)
    recommend = _url("claims:line_recommend", 2)
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(get_token(request))}">'
        if deciding or recommending
        else ""
    )
    out = []
    for number, row in enumerate(rows, start):
        line = row.line
        pk = line.pk
        name = _e(line.person.name)
        person = f'<a href="{person_url(line.person_id)}">{name}</a>' if row.person_page else name
        findings = _findings(row, words, detail) if line.findings else ""
        notes = _notes(row) if row.notes else ""
        decision = line.decision
        decided = f'<span class="status status-{_e(decision)}">{_e(line.get_decision_display())}</span>\n'
        if line.decision_rule:
            rule = _e(line.decision_rule)
            decided += f'<br><a class="rule" href="/rules/#{rule}">{rule}</a>'
        if line.decision_reason:
            decided += f" {_e(line.decision_reason)}"
        decided += "\n"
        if line.decided_by:
            decided += f'<br><small class="muted">{_e(line.decided_by)} {_when(line.decided_at)}</small>'
        decided += "\n"
        if can_recover and decision == "approved":
            decided += f'<br><a href="{recover_url(pk)}">{words.recover}</a>'
        decided += "\n"
        if row.recommendation is not None:
            decided += _recommendation(row.recommendation, words)
        if deciding:
            decided += _decision_forms(line, row, words, csrf, decide(claim_pk, pk), rule_options)
        if recommending:
            decided += _recommendation_form(pk, words, csrf, recommend(claim_pk, pk), rule_options)
        out.append(
            f'<tr id="line-{pk}">\n'
            f"<td>{number}</td>\n"
            f'<td class="nowrap">{person}</td>\n'
            f'<td class="code">{_e(row.id_number)}</td>\n'
            f"<td>{_e(line.get_share_display())}</td>\n"
            f'<td class="num"><details><summary><strong>{yuan(line.amount)}</strong></summary>\n'
            f'<ol class="steps">{_steps(line)}</ol>\n'
            f'<small class="muted">{words.version} {_e(line.rules_version)}</small></details></td>\n'
            f"<td>{findings}\n{notes}\n{'' if line.findings or row.notes else '—'}</td>\n"
            f"<td>{decided}</td>\n</tr>"
        )
    return _markup(out)


def _recommendation(advice: Any, words: _Words) -> str:
    """The third party's latest word on the line: what it advises, the rule, why, who and when."""
    rule = _e(advice.rule)
    ruled = f'（<a class="rule" href="/rules/#{rule}">{rule}</a>）' if advice.rule else ""
    return (
        f'<p class="recommendation"><small>{words.advice}<strong>{_e(advice.get_verdict_display())}</strong>'
        f"{ruled} {_e(advice.reason)} · {_e(advice.recommended_by)} {_when(advice.created_at)}</small></p>\n"
    )


def _recommendation_form(pk: int, words: _Words, csrf: str, url: str, rule_options: str) -> str:
    """A third-party reviewer's form: advise approving or rejecting the line (R7.1)."""
    return (
        f"<details><summary>{words.recommend_more}</summary>\n"
        f'<form method="post" action="{url}">{csrf}\n'
        f'<div class="field"><label for="verdict-{pk}">{words.verdict}</label>'
        f'<select id="verdict-{pk}" name="verdict" required>{words.verdicts}</select></div>\n'
        f'<div class="field"><label for="advice-rule-{pk}">{words.verdict_rule}</label>'
        f'<select id="advice-rule-{pk}" name="rule">{rule_options}</select></div>\n'
        f'<div class="field"><label for="advice-reason-{pk}">{words.verdict_reason}</label>'
        f'<textarea id="advice-reason-{pk}" name="reason" rows="2" required></textarea></div>\n'
        f'<button type="submit">{words.recommend}</button></form></details>\n'
    )


def _decision_forms(line: Any, row: LineRow, words: _Words, csrf: str, url: str, rule_options: str) -> str:
    """Approve (with a reason when a finding asks for judgement) and reject, for an officer."""
    pk = line.pk
    out = "\n"
    if line.decision != "approved" and line.amount > 0:
        if row.judged:
            out += (
                f"<details open><summary>{words.approve_more}</summary>\n"
                f'<form method="post" action="{url}">{csrf}'
                f'<input type="hidden" name="decision" value="approved">\n'
                f'<div class="field"><label for="accept-{pk}">{words.approve_reason}</label>'
                f'<textarea id="accept-{pk}" name="reason" rows="2" required></textarea></div>\n'
                f'<button type="submit">{words.approve}</button></form></details>\n'
            )
        else:
            out += (
                f'<form method="post" action="{url}" class="inline">{csrf}'
                f'<input type="hidden" name="decision" value="approved">'
                f'<button type="submit">{words.approve}</button></form>'
            )
    out += "\n"
    if line.decision != "rejected":
        out += (
            f"<details><summary>{words.reject_more}</summary>\n"
            f'<form method="post" action="{url}">{csrf}'
            f'<input type="hidden" name="decision" value="rejected">\n'
            f'<div class="field"><label for="rule-{pk}">{words.rule}</label>'
            f'<select id="rule-{pk}" name="rule" required>{rule_options}</select></div>\n'
            f'<div class="field"><label for="reason-{pk}">{words.reason}</label>'
            f'<textarea id="reason-{pk}" name="reason" rows="2" required></textarea></div>\n'
            f'<div class="field"><label><input type="checkbox" name="confirm" required> '
            f"{words.confirm}</label></div>\n"
            f'<button type="submit" class="danger">{words.reject}</button></form></details>'
        )
    return out + "\n"
