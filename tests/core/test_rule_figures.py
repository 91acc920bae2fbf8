"""Pages, forms, help texts and audit readings write the rules' figures in force, never typed ones
(issue 15, item 3): a parameter given a new value from 2022-01-01 changes what they say from then."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template

from apps.audits.engine.catalogue import rule_of
from apps.catalog.forms.catalogue import RateRowForm
from apps.claims.forms import ApprenticeshipForm, EnterpriseTrainingForm
from apps.core import dates
from apps.rules import parameters
from apps.rules.parameters import params_on

LATER = date(2022, 1, 1)
NEW_VALUES = {
    "apprenticeship_advance_share": Decimal("0.40"),
    "online_share_cap": Decimal("0.20"),
    "class_hours_per_day": 8,
    "class_hour_minutes": 40,
}


@pytest.fixture
def later_parameters(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    changed = tuple(
        replace(p, values=(*p.values, (LATER, NEW_VALUES[p.name]))) if p.name in NEW_VALUES else p
        for p in parameters.PARAMETERS
    )
    monkeypatch.setattr(parameters, "PARAMETERS", changed)
    params_on.cache_clear()
    yield
    params_on.cache_clear()


def _on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(dates, "today", lambda: day)


def test_r5_5_r2_3_r1_5_forms_say_the_figures_in_force_today(later_parameters, monkeypatch) -> None:
    _on(monkeypatch, date(2021, 12, 31))
    assert dict(ApprenticeshipForm().fields["stage"].choices)["advance"] == "开班预拨（不超过 50%，R5.5）"
    assert EnterpriseTrainingForm().fields["planned_online"].help_text == "不超过计划总课时的 30% (R2.3)"
    assert "H = ⌊S × 6 ÷ r⌋" in RateRowForm().fields["class_hours"].help_text

    _on(monkeypatch, LATER)
    assert dict(ApprenticeshipForm().fields["stage"].choices)["advance"] == "开班预拨（不超过 40%，R5.5）"
    assert EnterpriseTrainingForm().fields["planned_online"].help_text == "不超过计划总课时的 20% (R2.3)"
    assert (
        RateRowForm().fields["class_hours"].help_text
        == "仅新职业填写；其他职业按 H = ⌊S × 8 ÷ r⌋ 计算 (R1.5)"
    )
    assert RateRowForm().fields["standard"].help_text == "新职业不填，按 r × H ÷ 8 计算 (R1.5)"


def test_r2_1_r2_5_templates_say_the_figures_of_the_day_they_are_about(later_parameters) -> None:
    template = Template(
        "{% load rule_figures %}{% rule_figures on as f %}{{ f.class_hour_minutes }}/{{ f.online_share }}"
    )
    assert template.render(Context({"on": date(2021, 6, 1)})) == "45/30%"
    assert template.render(Context({"on": date(2022, 6, 1)})) == "40/20%"


def test_a4_the_audit_reading_divides_by_the_minutes_in_force(later_parameters, monkeypatch) -> None:
    _on(monkeypatch, date(2021, 12, 31))
    assert "每课次分钟数 ÷ 45 取整" in rule_of("A4").reading
    _on(monkeypatch, LATER)
    assert "每课次分钟数 ÷ 40 取整" in rule_of("A4").reading
