"""Adopting a scenario (issue 19, part 1): its changes become dated parameter changes — district
settings and new versions of rate-table rows from a future day — proposed with a reason, checked
in one pass, and made only when another officer approves them; the people concerned are told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.catalog.engine import settings_table
from apps.catalog.models import DistrictSetting, RateRow, SettingKey
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.notices.models import Notice
from apps.scenarios import services
from apps.scenarios.models import Scenario, ScenarioAdoption
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db
LIVING_PLUS_20 = [{"field": "daily_amount", "op": "add", "value": "20"}]
RATE_PLUS_10 = [{"field": "rate", "op": "add", "value": "10"}]


@pytest.fixture(autouse=True)
def eager_tasks(monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


@pytest.fixture
def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def finished(actor, changes, capture, code="500103"):
    with capture(execute=True):
        scenario = services.scenario_create(
            actor=actor, name="生活费补贴每天提高 20 元", district=district(code), year=2026, changes=changes
        )
    scenario = Scenario.objects.get(pk=scenario.pk)
    assert scenario.status == "finished"
    return scenario


def _living(on):
    row = {r["key"]: r for r in settings_table(district=district("500103"), on=on)}[
        SettingKey.LIVING_ALLOWANCE_DAILY
    ]
    return Decimal(row["value"])


def test_a_setting_change_is_proposed_then_made_when_another_approves(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    scenario = finished(officer, LIVING_PLUS_20, django_capture_on_commit_callbacks)
    before = _living(tomorrow)
    adoption = services.adoption_propose(
        actor=officer, scenario=scenario, effective_from=tomorrow, reason="物价上涨，提高生活费补贴"
    )
    (item,) = adoption.items
    assert (item["kind"], item["key"], item["district"]) == (
        "setting",
        SettingKey.LIVING_ALLOWANCE_DAILY,
        "渝中区",
    )
    assert (Decimal(item["before"]), Decimal(item["after"])) == (before, before + 20)
    # Proposed only: nothing changed yet; the reviewers are told.
    assert _living(tomorrow) == before
    assert not DistrictSetting.objects.filter(key=SettingKey.LIVING_ALLOWANCE_DAILY).exists()
    assert Notice.objects.filter(recipient=admin_user, kind="scenario_adoption").count() == 1
    assert not Notice.objects.filter(
        recipient=officer, kind="scenario_adoption"
    ).exists()  # the proposer knows
    # Its proposer cannot approve it.
    with pytest.raises(PermissionDenied, match="提出人以外"):
        services.adoption_decide(actor=officer, adoption=adoption, approve=True, reason="同意")
    with pytest.raises(ApplicationError, match="请填写审核意见"):
        services.adoption_decide(actor=admin_user, adoption=adoption, approve=True, reason=" ")
    services.adoption_decide(actor=admin_user, adoption=adoption, approve=True, reason="同意，按期执行")
    adoption.refresh_from_db()
    assert (adoption.status, adoption.decided_by) == ("approved", admin_user)
    setting = DistrictSetting.objects.get(key=SettingKey.LIVING_ALLOWANCE_DAILY)
    assert (setting.value, setting.effective_from) == (before + 20, tomorrow)
    assert f"采纳测算推演 #{scenario.pk}" in setting.note
    assert _living(tomorrow) == before + 20 and _living(timezone.localdate()) == before
    assert Notice.objects.filter(
        recipient=officer, kind="scenario_adoption", title__contains="已审核通过"
    ).exists()
    log = list(StateChange.objects.filter(object_id=str(scenario.pk)).values_list("to_state", flat=True))
    assert "adoption_proposed" in log and "adoption_approved" in log
    with pytest.raises(ApplicationError, match="已审核"):
        services.adoption_decide(actor=admin_user, adoption=adoption, approve=False, reason="x")


def test_a_rate_change_makes_new_versions_of_the_rows_in_force(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    scenario = finished(officer, RATE_PLUS_10, django_capture_on_commit_callbacks)
    in_force = list(RateRow.objects.filter(district=district("500103"), effective_to__isnull=True))
    assert in_force
    adoption = services.adoption_propose(
        actor=officer, scenario=scenario, effective_from=tomorrow, reason="提标"
    )
    assert {item["row_id"] for item in adoption.items} == {row.pk for row in in_force}
    services.adoption_decide(actor=admin_user, adoption=adoption, approve=True, reason="同意")
    for row in in_force:
        row.refresh_from_db()
        assert row.effective_to == timezone.localdate()  # closed the day before
        new = RateRow.objects.get(
            district=row.district, occupation=row.occupation, level=row.level, effective_from=tomorrow
        )
        assert (new.rate, new.standard, new.effective_to) == (row.rate + 10, row.standard, None)


def test_a_returned_adoption_changes_nothing_and_a_new_one_may_follow(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    scenario = finished(officer, LIVING_PLUS_20, django_capture_on_commit_callbacks)
    first = services.adoption_propose(
        actor=officer, scenario=scenario, effective_from=tomorrow, reason="提高"
    )
    with pytest.raises(ApplicationError, match="已有待审核"):
        services.adoption_propose(actor=officer, scenario=scenario, effective_from=tomorrow, reason="再提")
    services.adoption_decide(actor=admin_user, adoption=first, approve=False, reason="预算不足，明年再议")
    assert not DistrictSetting.objects.exists()
    assert Notice.objects.filter(recipient=officer, title__contains="已退回").exists()
    second = services.adoption_propose(
        actor=officer, scenario=scenario, effective_from=tomorrow + timedelta(days=30), reason="延后执行"
    )
    assert second.status == "pending"


def test_the_proposal_is_checked_in_one_pass(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    scenario = finished(officer, LIVING_PLUS_20, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError, match="生效日期须晚于今天"):
        services.adoption_propose(
            actor=officer, scenario=scenario, effective_from=timezone.localdate(), reason="x"
        )
    with pytest.raises(ApplicationError, match="请填写采纳理由"):
        services.adoption_propose(actor=officer, scenario=scenario, effective_from=tomorrow, reason="  ")
    other = UserFactory(officer=True, district=district("500101"))
    with pytest.raises(PermissionDenied):
        services.adoption_propose(actor=other, scenario=scenario, effective_from=tomorrow, reason="x")
    # The apprenticeship amount cut below the notice's floor (R5.2) is refused when proposed,
    # named by district and item, and nothing is written.
    low = finished(
        officer, [{"field": "annual_amount", "op": "set", "value": "100"}], django_capture_on_commit_callbacks
    )
    with pytest.raises(
        ApplicationError,
        match=r"第 1 项（渝中区 企业新型学徒制年补贴标准.*）：企业新型学徒制年补贴标准不得低于",
    ):
        services.adoption_propose(actor=officer, scenario=low, effective_from=tomorrow, reason="降低")
    assert not ScenarioAdoption.objects.filter(scenario=low).exists() and not DistrictSetting.objects.exists()
    # Another district's officer may not decide a district's adoption; its own colleague may.
    adoption = services.adoption_propose(
        actor=officer, scenario=scenario, effective_from=tomorrow, reason="提高"
    )
    assert not services.may_decide(other, adoption) and not services.may_decide(officer, adoption)
    colleague = UserFactory(officer=True, district=district("500103"))
    assert services.may_decide(colleague, adoption) and services.may_decide(admin_user, adoption)
    with pytest.raises(PermissionDenied):
        services.adoption_decide(actor=other, adoption=adoption, approve=True, reason="同意")


def test_adopting_in_the_browser_pages(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    scenario = finished(officer, LIVING_PLUS_20, django_capture_on_commit_callbacks)
    url = reverse("scenarios:detail", args=[scenario.pk])
    client = Client()
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert "提交采纳方案" in page and "尚未采纳" in page
    bad = client.post(url, {"adopt": "1", "adopt-effective_from": "", "adopt-reason": ""})
    assert bad.status_code == 400 and bad.content.decode().count('class="field-error"') == 2
    response = client.post(
        url, {"adopt": "1", "adopt-effective_from": tomorrow.isoformat(), "adopt-reason": "物价上涨"}
    )
    adoption = ScenarioAdoption.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#adoption-{adoption.pk}")
    page = client.get(url).content.decode()
    assert "待审核" in page and 'value="approve"' not in page  # the proposer sees it, may not decide it
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert 'value="approve"' in page and "生活费补贴" in page and tomorrow.isoformat() in page
    empty = client.post(url, {"decide": "approve", "adoption": adoption.pk, "decide-reason": ""})
    assert empty.status_code == 400
    done = client.post(url, {"decide": "approve", "adoption": adoption.pk, "decide-reason": "同意"})
    assert done.status_code == 302
    assert ScenarioAdoption.objects.get().status == "approved"
    assert DistrictSetting.objects.filter(
        key=SettingKey.LIVING_ALLOWANCE_DAILY, effective_from=tomorrow
    ).exists()
    # Who sees the form: the auditor reads, never adopts.
    client.force_login(UserFactory(auditor=True))
    page = client.get(url).content.decode()
    assert "已生效" in page and "提交采纳方案" not in page
    assert (
        client.post(
            url, {"adopt": "1", "adopt-effective_from": tomorrow.isoformat(), "adopt-reason": "x"}
        ).status_code
        == 403
    )


def test_a_narrowed_rate_change_is_adopted_on_its_own_rows_only(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    from tests.factories import RateRowFactory

    training = reviewed.training_class
    code, level = training.occupation.code, str(training.level)
    narrowed = [RATE_PLUS_10[0] | {"occupation": code, "level": level, "from": "2026-01-01"}]
    own = finished(officer, narrowed, django_capture_on_commit_callbacks)
    # Its classes take the whole major category's row: there is no row of its own to change, and
    # the category's is not changed for it.
    with pytest.raises(ApplicationError, match=f"渝中区：职业（工种）{code}.级没有在用的单独补贴标准行"):
        services.adoption_propose(actor=officer, scenario=own, effective_from=tomorrow, reason="提标")
    row = RateRowFactory(
        occupation=training.occupation,
        level=training.level,
        standard=Decimal("1500"),
        rate=Decimal("150"),
        class_hours=60,
    )
    adoption = services.adoption_propose(actor=officer, scenario=own, effective_from=tomorrow, reason="提标")
    (item,) = adoption.items
    assert item["row_id"] == row.pk and item["after"] == {"standard": "1500.00", "rate": "160.00"}


def test_a_cap_is_adopted_as_a_whole_number(
    reviewed, officer, admin_user, tomorrow, django_capture_on_commit_callbacks
):
    scenario = finished(
        officer, [{"field": "max_months", "op": "add", "value": "3"}], django_capture_on_commit_callbacks
    )
    adoption = services.adoption_propose(
        actor=officer, scenario=scenario, effective_from=tomorrow, reason="延长"
    )
    (item,) = adoption.items
    assert item["key"] == SettingKey.WFT_MAX_MONTHS and int(item["after"]) == int(item["before"]) + 3
    assert "." not in item["after"]
    services.adoption_decide(actor=admin_user, adoption=adoption, approve=True, reason="同意")
    assert DistrictSetting.objects.get(key=SettingKey.WFT_MAX_MONTHS).value == int(item["after"])
