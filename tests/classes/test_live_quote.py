"""The class form's live quote (classes:quote): the form as typed → the quote the class page shows
after saving, from the same rules engine; nothing saved; operators only; CSRF-protected; errors in
Chinese naming the field and the row, all in one pass. The form itself still posts without JavaScript."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.classes.engine import class_quote_current
from apps.classes.models import TrainingClass
from apps.core.models import StateChange
from apps.rules import result_to_dict
from tests.classes.test_class_pages import _form
from tests.factories import NumberedInstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("classes:quote")


def test_the_live_quote_gives_the_figures_and_steps_of_the_saved_class_and_saves_nothing(
    client, operator, lathe, rates
):
    client.force_login(operator)
    changes = StateChange.objects.count()

    live = client.post(URL, _form(lathe))

    assert live.status_code == 200
    q = live.json()["quote"]
    # 渝中区 category 6 level 4: S 1,500 over H 60; 54 offline + 6 online class-hours → 1,410.00 each
    assert (q["per_trainee"], q["per_trainee_display"]) == ("1410.00", "1,410.00")
    assert (q["class_total"], q["class_total_display"], q["planned_trainees"]) == (
        "42300.00",
        "42,300.00",
        30,
    )
    assert (q["planned_hours"], q["planned_online"]) == (60, 6)
    assert (
        q["summary"] == "每名合格学员 1,410.00 元；按计划 30 人全部合格，班级合计 42,300.00 元"
        "（共 60 课时，其中线上 6 课时）"
    )
    assert TrainingClass.objects.count() == 0 and StateChange.objects.count() == changes

    # the same form saved: the class page's quote has exactly these steps
    client.post(reverse("classes:create"), _form(lathe))
    saved = TrainingClass.objects.get()
    page_quote = class_quote_current(training_class=saved, sessions=list(saved.sessions.all()))
    expected = result_to_dict(page_quote.per_trainee)
    assert [{k: s[k] for k in ("rule", "text", "arithmetic", "amount")} for s in q["steps"]] == expected[
        "steps"
    ]
    assert q["rules_version"] == expected["rules_version"] and q["steps"]
    assert [s["result"] for s in q["steps"] if s["amount"] is None] == [None] * sum(
        s["amount"] is None for s in q["steps"]
    )
    assert q["steps"][-1]["amount"] == "1410.00" and q["steps"][-1]["result"] == "= 1,410.00 元"


def test_the_quote_follows_what_is_typed_and_needs_no_name_venue_or_teacher(client, operator, lathe, rates):
    client.force_login(operator)
    # one offline day fewer (54 → 45 offline class-hours) and 10 trainees; name, venue, teachers blank
    data = _form(lathe, name="", venue="", teachers="", planned_trainees="10", **{"sessions-0-DELETE": "on"})

    q = client.post(URL, data).json()["quote"]

    assert (q["planned_hours"], q["planned_online"]) == (51, 6)
    assert (
        q["per_trainee"] == "1185.00" and q["class_total"] == "11850.00"
    )  # 45 × 1500/60 + 6 × 1500/60 × 0.8


def test_untouched_extra_rows_are_not_sessions_while_typing(client, operator, lathe, rates):
    client.force_login(operator)
    blank = {f"sessions-{i}-{k}": v for i in (8, 9, 10) for k, v in (("mode", "offline"), ("topic", ""))}
    data = _form(lathe, **{"sessions-TOTAL_FORMS": "11", **blank})

    q = client.post(URL, data).json()["quote"]

    assert (q["planned_hours"], q["class_total"]) == (60, "42300.00")


def test_a_plan_over_30_percent_online_is_flagged_r23(client, operator, lathe, rates):
    client.force_login(operator)
    data = _form(lathe, **{f"sessions-{i}-mode": "live" for i in range(4)})

    q = client.post(URL, data).json()["quote"]

    assert any(f["rule"] == "R2.3" for f in q["findings"])


def test_no_rate_row_says_so_with_the_rule(client, operator, lathe, rates):
    client.force_login(operator)

    response = client.post(URL, _form(lathe, level="5"))

    assert response.status_code == 200
    assert response.json() == {
        "quote": None,
        "detail": "本区县没有适用于该职业和等级的补贴标准，无法测算 (R1.6)。",
    }


def test_bad_input_names_every_field_and_row_in_chinese_in_one_pass(client, operator, lathe, rates):
    client.force_login(operator)
    data = _form(
        lathe,
        start_date="",
        planned_trainees="0",
        **{"sessions-1-end_time": "08:00", "sessions-2-date": "2026-13-40"},
    )

    response = client.post(URL, data)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "请先更正以下内容，再测算补贴"
    texts = [e["text"] for e in body["errors"]]
    assert "开班日期：该字段是必填项。" in texts
    assert any(t.startswith("计划人数：") for t in texts)
    assert "第 2 行 结束时间：结束时间须晚于开始时间" in texts
    assert any(t.startswith("第 3 行 日期：") for t in texts)
    assert {(e["row"], e["field"]) for e in body["errors"]} >= {
        (None, "开班日期"),
        (2, "结束时间"),
        (3, "日期"),
    }
    assert TrainingClass.objects.count() == 0


def test_an_occupation_the_institution_is_not_recognised_for_is_refused(client, operator, lathe, rates):
    from tests.factories import OccupationFactory

    other = OccupationFactory(cook=True)
    client.force_login(operator)

    response = client.post(URL, _form(lathe, occupation=str(other.pk)))

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["职业（工种）"]


@pytest.mark.parametrize(
    "traits",
    [
        {"officer": True},
        {"reviewer": True},
        {"auditor": True},
        {"municipal_admin": True},
        {"filer": True},
    ],
)
def test_only_institution_operators_get_a_quote(client, lathe, rates, traits):
    client.force_login(UserFactory(**traits))

    assert client.post(URL, _form(lathe)).status_code == 403


def test_anonymous_is_sent_to_log_in_and_get_is_not_allowed(client, operator, lathe, rates):
    assert client.post(URL, _form(lathe)).status_code == 302
    client.force_login(operator)
    assert client.get(URL).status_code == 405


def test_on_the_edit_form_only_who_may_change_the_class_gets_its_quote(
    client, operator, lathe, rates, make_class
):
    training_class = make_class()
    url = f"{URL}?class={training_class.pk}"
    client.force_login(operator)
    assert client.post(url, _form(lathe)).json()["quote"]["class_total"] == "42300.00"

    stranger = UserFactory(operator=True)
    NumberedInstitutionFactory().members.add(stranger)
    client.force_login(stranger)
    assert client.post(url, _form(lathe)).status_code == 404  # not even told it exists

    client.force_login(UserFactory(officer=True))  # sees the class, may not change it
    assert client.post(url, _form(lathe)).status_code == 403
    client.force_login(operator)
    assert client.post(f"{URL}?class=x", _form(lathe)).status_code == 400


def test_the_quote_needs_the_forms_csrf_token(operator, lathe, rates):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    assert browser.post(URL, _form(lathe)).status_code == 403

    form_page = browser.get(reverse("classes:create"))
    token = form_page.context["csrf_token"]
    assert browser.post(URL, {**_form(lathe), "csrfmiddlewaretoken": str(token)}).status_code == 200


def test_the_form_carries_the_live_region_and_still_posts_without_javascript(client, operator, lathe, rates):
    client.force_login(operator)
    page = client.get(reverse("classes:create")).content.decode()
    assert f'data-quote-url="{URL}"' in page and 'id="live-quote" aria-live="polite"' in page
    assert "js/class_quote.js" in page
    assert (
        '<section class="card" id="live-quote" aria-live="polite" aria-labelledby="live-quote-title" hidden>'
        in page
    )

    # a plain form post (what a browser without JavaScript sends) saves the class as before
    response = client.post(reverse("classes:create"), _form(lathe))
    training_class = TrainingClass.objects.get()
    assert response.status_code == 302 and response.url == reverse("classes:detail", args=[training_class.pk])
    assert training_class.sessions.count() == 8
