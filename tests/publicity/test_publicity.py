"""Public notices (公示) of approved claims: the working-day period with the State Council's
holidays, the masked lines, objections and their answers, and the ledger's payment held until the
notice is over with no objection open (docs/money.md)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse

from apps.catalog.engine import settings_table
from apps.catalog.services import district_setting_set
from apps.claims.models import LineDecision
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number, mask_name
from apps.core.models import StateChange
from apps.ledger.models import Payment
from apps.ledger.services import claim_approve, payment_record
from apps.notices.models import Notice
from apps.publicity.models import NoticeLine, Objection, ObjectionStatus, PublicNotice
from apps.publicity.services import notice_publish, objection_answer, objection_file
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


def on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(dates, "today", lambda: day)


@pytest.fixture
def approved(reviewed, officer, allocation):
    claim = claim_approve(claim=reviewed, actor=officer)
    return claim, list(claim.lines.filter(decision=LineDecision.APPROVED).order_by("pk"))


def pay(officer, lines, reference="GS-1"):
    return payment_record(
        actor=officer,
        district=district("500103"),
        reference=reference,
        paid_on=date(2025, 10, 20),
        line_ids=[line.pk for line in lines],
    )


# Working days ------------------------------------------------------------------------------------


def test_national_day_2025_and_its_working_saturday():
    # 2025: 10-01..10-08 off, Saturday 10-11 a working day (调休).
    period = dates.working_days_after(date(2025, 9, 30), 5)
    assert period == (date(2025, 10, 14), True) and period.note == ""
    assert dates.working_days_after(date(2025, 9, 26), 1).end == date(2025, 9, 28)  # Sunday 09-28 worked


def test_national_day_2026_and_its_working_saturday():
    # 2026: 10-01..10-07 off, Saturday 10-10 a working day (调休).
    assert dates.working_days_after(date(2026, 9, 30), 3).end == date(2026, 10, 10)
    assert dates.working_days_after(date(2026, 9, 30), 5).end == date(2026, 10, 13)


def test_a_year_without_an_arrangement_counts_monday_to_friday():
    period = dates.working_days_after(date(2026, 12, 30), 5)  # 12-31, then 2027: unknown
    assert period.end == date(2027, 1, 6) and not period.calendar_known
    assert period.note == "节假日安排未公布，按周一至周五计"


def test_masked_names():
    assert [mask_name(n) for n in ("张三", "欧阳娜娜", "李", "")] == ["张*", "欧***", "*", ""]


def test_the_period_is_a_district_setting(officer, monkeypatch):
    rows = {row["key"]: row for row in settings_table(district=district("500103"), on=date(2025, 9, 1))}
    assert rows["publicity_working_days"]["value"] == Decimal(5)
    with pytest.raises(ApplicationError, match="1 至 30"):
        district_setting_set(
            actor=officer,
            district=district("500103"),
            key="publicity_working_days",
            value=Decimal(0),
            effective_from=date(2025, 1, 1),
        )
    district_setting_set(
        actor=officer,
        district=district("500103"),
        key="publicity_working_days",
        value=Decimal(3),
        effective_from=date(2025, 1, 1),
    )
    rows = {row["key"]: row for row in settings_table(district=district("500103"), on=date(2025, 9, 1))}
    assert rows["publicity_working_days"]["value"] == Decimal(3)


# Publishing --------------------------------------------------------------------------------------


def test_publishing_lists_masked_lines_and_tells_the_claimant(approved, officer, operator, monkeypatch):
    claim, lines = approved
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    assert (notice.published_on, notice.ends_on, notice.working_days) == (
        date(2025, 9, 30),
        date(2025, 10, 14),
        5,
    )
    assert notice.line_count == 2 and notice.amount == sum(line.amount for line in lines)
    rows = list(NoticeLine.objects.filter(notice=notice).order_by("claim_line_id"))
    for row, line in zip(rows, lines, strict=True):
        assert row.masked_name == mask_name(line.person.name) and row.masked_name.endswith("*")
        assert row.masked_id_number == mask_id_number(line.person.id_number)
        assert row.claimant == str(claim.claimant) and row.amount == line.amount
        assert row.class_name == claim.training_class.name and row.occupation
    assert StateChange.objects.filter(
        content_type__model="publicnotice", object_id=notice.pk, to_state="published"
    ).exists()
    assert Notice.objects.filter(recipient=operator, kind="claim_published").count() == 1
    with pytest.raises(ApplicationError, match="没有待公示的明细"):
        notice_publish(actor=officer, district=district("500103"))


def test_only_the_districts_officers_publish(approved, admin_user):
    wanzhou_officer = UserFactory(officer=True, district=district("500101"))
    for actor in (admin_user, wanzhou_officer):
        with pytest.raises(PermissionDenied):
            notice_publish(actor=actor, district=district("500103"))
    assert not PublicNotice.objects.exists()


# The payment waits -------------------------------------------------------------------------------


def test_a_line_is_paid_only_after_its_notice_ends_with_no_open_objection(approved, officer, monkeypatch):
    _, lines = approved
    on(monkeypatch, date(2025, 9, 29))
    with pytest.raises(ApplicationError, match=f"明细 #{lines[0].pk}：未公示"):
        pay(officer, lines)
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    on(monkeypatch, date(2025, 10, 14))  # the last day of the period (National Day week skipped)
    with pytest.raises(ApplicationError, match=r"公示期未满（至 2025-10-14）"):
        pay(officer, lines)
    on(monkeypatch, date(2025, 10, 9))
    row = NoticeLine.objects.get(claim_line=lines[0])
    objection = objection_file(
        notice=notice, line_id=row.pk, name="王五", contact="13800001111", text="此人未参加培训"
    )
    assert objection.number.startswith("YY20251009")
    on(monkeypatch, date(2025, 10, 15))
    with pytest.raises(ApplicationError) as refused:
        pay(officer, lines)
    assert f"明细 #{lines[0].pk}：有未处理的异议" in refused.value.message
    assert f"明细 #{lines[1].pk}" not in refused.value.message
    assert Payment.objects.count() == 0
    pay(officer, lines[1:], reference="GS-0")  # the other line is payable
    objection_answer(actor=officer, objection=objection, upheld=False, answer="经核实签到记录完整")
    pay(officer, lines[:1])
    assert Payment.objects.count() == 2


def test_an_objection_to_the_whole_notice_holds_every_line_and_an_upheld_one_for_good(
    approved, officer, monkeypatch
):
    _, lines = approved
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    objection = objection_file(notice=notice, name="赵六", contact="a@example.cn", text="机构资质存疑")
    on(monkeypatch, date(2025, 10, 15))
    with pytest.raises(ApplicationError) as refused:
        pay(officer, lines)
    assert all(f"明细 #{line.pk}：有未处理的异议" in refused.value.message for line in lines)
    objection_answer(actor=officer, objection=objection, upheld=True, answer="资质已过期")
    with pytest.raises(ApplicationError, match="异议成立"):
        pay(officer, lines)


def test_objections_are_validated_and_taken_only_while_the_notice_runs(approved, officer, monkeypatch):
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    for contact, message in (("", "请填写联系电话"), ("12345", "11 位手机号码"), ("a@b", "电子邮箱格式")):
        with pytest.raises(ApplicationError, match=message):
            objection_file(notice=notice, name="王五", contact=contact, text="x")
    with pytest.raises(ApplicationError, match="请填写异议内容"):
        objection_file(notice=notice, name="王五", contact="023-63891234", text=" ")
    with pytest.raises(ApplicationError, match="不属于本公示"):
        objection_file(notice=notice, name="王五", contact="13800001111", text="x", line_id=10**6)
    on(monkeypatch, date(2025, 10, 15))
    with pytest.raises(ApplicationError, match="当前不受理异议"):
        objection_file(notice=notice, name="王五", contact="13800001111", text="x")
    assert not Objection.objects.exists()


def test_objections_reach_the_districts_officers_and_only_they_answer(
    approved, officer, admin_user, monkeypatch
):
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    wanzhou_officer = UserFactory(officer=True, district=district("500101"))
    objection = objection_file(notice=notice, name="王五", contact="13800001111", text="x")
    assert Notice.objects.filter(recipient=officer, kind="objection_filed").count() == 1
    assert not Notice.objects.filter(recipient=wanzhou_officer).exists()
    for actor in (wanzhou_officer, admin_user):
        with pytest.raises(PermissionDenied):
            objection_answer(actor=actor, objection=objection, upheld=False, answer="x")
    with pytest.raises(ApplicationError, match="请填写处理理由"):
        objection_answer(actor=officer, objection=objection, upheld=False, answer=" ")
    objection_answer(actor=officer, objection=objection, upheld=False, answer="不属实")
    objection.refresh_from_db()
    assert (objection.status, objection.answered_by) == (ObjectionStatus.REJECTED, officer)
    assert list(
        StateChange.objects.filter(content_type__model="objection", object_id=objection.pk)
        .order_by("pk")
        .values_list("from_state", "to_state")
    ) == [("", "open"), ("open", "rejected")]
    with pytest.raises(ApplicationError, match="已处理"):
        objection_answer(actor=officer, objection=objection, upheld=True, answer="x")


# Public pages ------------------------------------------------------------------------------------


def test_the_public_pages_show_masked_data_only(
    approved, officer, monkeypatch, django_assert_max_num_queries
):
    _, lines = approved
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    client = Client()
    with django_assert_max_num_queries(6):
        listing = client.get(reverse("publicity:notices"))
    with django_assert_max_num_queries(6):
        page = client.get(reverse("publicity:notice", args=[notice.pk]))
    for response in (listing, page):
        assert response.status_code == 200 and "Content-Security-Policy" in response
    text = page.content.decode()
    assert notice.title in listing.content.decode()
    for line in lines:
        assert line.person.name not in text and line.person.id_number not in text
        assert mask_name(line.person.name) in text and mask_id_number(line.person.id_number) in text
    assert "提出异议" in text
    form = client.get(reverse("publicity:objection_create", args=[notice.pk]))
    assert form.status_code == 200 and line.person.name not in form.content.decode()
    assert client.get(reverse("accounts:login")).content.decode().count(reverse("publicity:notices")) == 1


def test_an_anonymous_visitor_files_an_objection_and_gets_a_number(approved, officer, monkeypatch):
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    client = Client(enforce_csrf_checks=False)
    url = reverse("publicity:objection_create", args=[notice.pk])
    bad = client.post(url, {"name": "王五", "contact": "abc", "text": "x"})
    assert bad.status_code == 200 and "11 位手机号码" in bad.content.decode()
    done = client.post(url, {"name": "王五", "contact": "13800001111", "text": "此人未参加培训"}, follow=True)
    objection = Objection.objects.get()
    assert objection.number in done.content.decode() and objection.line is None


@override_settings(PUBLIC_PAGES_PER_MINUTE=3, PUBLIC_OBJECTIONS_PER_HOUR=1)
def test_the_public_pages_are_throttled_per_address(approved, officer, monkeypatch):
    cache.clear()
    on(monkeypatch, date(2025, 9, 30))
    notice = notice_publish(actor=officer, district=district("500103"))
    client = Client()
    answers = [client.get(reverse("publicity:notices")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert other.get(reverse("publicity:notices")).status_code == 200
    url = reverse("publicity:objection_create", args=[notice.pk])
    data = {"name": "王五", "contact": "13800001111", "text": "x"}
    assert other.post(url, data).status_code == 302
    too_many = other.post(url, data)
    assert too_many.status_code == 429 and too_many["Retry-After"] == "3600"
    assert Objection.objects.count() == 1
    cache.clear()


def test_the_payment_form_says_why_a_line_waits(approved, officer, monkeypatch):
    _, lines = approved
    on(monkeypatch, date(2025, 9, 30))
    notice_publish(actor=officer, district=district("500103"))
    client = Client()
    client.force_login(officer)
    text = client.get(reverse("ledger:payment_create")).content.decode()
    assert "尚不能拨付的明细" in text and "公示期未满（至 2025-10-14）" in text
    on(monkeypatch, date(2025, 10, 15))
    text = client.get(reverse("ledger:payment_create")).content.decode()
    assert "尚不能拨付的明细" not in text and f'value="{lines[0].pk}"' in text
