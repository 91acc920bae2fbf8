"""The trainee's word (issue 18, part 7): each trainee on a submitted claim is sent a one-time link
and code; they see the sessions they are recorded as attending and the subsidy claimed for them,
and confirm or dispute. A dispute is a confirmed A8 finding on their lines; a district may require
a share of trainees to confirm before approval."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from apps.audits.models import AuditFinding, FindingStatus
from apps.audits.services import findings_currency_rebuild
from apps.catalog.models import SettingKey
from apps.claims.models import ClaimLine, ClaimStatus, LineDecision
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_line_decide
from apps.confirmations import services
from apps.confirmations.models import ConfirmationRequest, ConfirmationStatus
from apps.core import messaging
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.notices.models import Notice
from tests.factories import DistrictSettingFactory, district

from .conftest import PHONES, sent

pytestmark = pytest.mark.django_db


def request_of(claim, name):
    return ConfirmationRequest.objects.exclude(status="superseded").get(claim=claim, person__name=name)


def test_submitting_a_claim_sends_each_trainee_a_link_and_a_code_and_stores_only_digests(submitted, outbox):
    messages = sent(outbox)
    assert set(messages) == {PHONES["full"], PHONES["partial"]}
    full = request_of(submitted, "张全勤")
    assert full.status == ConfirmationStatus.SENT and full.phone_masked == "138****0001"
    assert full.attempts == 1 and full.expires_at > timezone.now() + timedelta(days=14)
    token, code = messages[PHONES["full"]].token, messages[PHONES["full"]].code
    assert full.token_digest == services.digest(token) and token not in full.token_digest
    assert full.code_digest == services.digest(code.replace("-", ""))
    # The one without a phone is recorded, not sent.
    assert request_of(submitted, "王未过").status == ConfirmationStatus.NO_PHONE
    text = outbox[0].text
    assert "张*" in text and "有异议" in text and "张全勤" not in text
    # Each step is in the log.
    assert StateChange.objects.filter(object_id=str(full.pk), to_state="sent").exists()


def test_the_link_shows_the_sessions_and_the_amount_and_takes_one_confirmation(submitted, outbox):
    token = sent(outbox)[PHONES["full"]].token
    url = reverse("confirmations:link", args=[token])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    line = ClaimLine.objects.get(claim=submitted, person__name="张全勤")
    assert "张*" in html and "张全勤" not in html
    assert f"{line.amount:,.2f}" in html or f"{line.amount}" in html
    attended = line.enrolment.attendances.count()
    assert html.count("<td>线") + html.count("<td>线下") >= 1
    assert attended > 0 and html.count('name="absent_sessions"') == attended
    response = client.post(url, {"answer": "confirm"})
    assert response.status_code == 302
    assert request_of(submitted, "张全勤").status == ConfirmationStatus.CONFIRMED
    again = client.get(url).content.decode()
    assert "确认以上记录属实" in again and 'name="answer"' not in again
    # Once: a second answer is refused.
    client.post(url, {"answer": "dispute", "reason": "改主意"})
    assert request_of(submitted, "张全勤").status == ConfirmationStatus.CONFIRMED


def test_a_dispute_by_code_is_an_a8_finding_that_holds_the_line(submitted, outbox, officer):
    code = sent(outbox)[PHONES["partial"]].code
    client = Client()
    wrong = client.post(reverse("confirmations:code"), {"code": code, "id_tail": "0000"})
    assert "确认码或身份证号码后四位不正确" in wrong.content.decode()
    person = request_of(submitted, "李部分").person
    response = client.post(
        reverse("confirmations:code"),
        {"code": code.lower().replace("-", " "), "id_tail": person.id_number[-4:]},
    )
    assert response.status_code == 302 and response["Location"] == reverse("confirmations:mine")
    # Disputing needs a reason, said on the field.
    page = client.post(reverse("confirmations:mine"), {"answer": "dispute"}).content.decode()
    assert "请说明异议理由" in page
    request = request_of(submitted, "李部分")
    session = request.claim.training_class.sessions.order_by("date", "start_time").first()
    client.post(
        reverse("confirmations:mine"),
        {"answer": "dispute", "absent_sessions": [session.pk], "reason": "第一天我没去"},
    )
    request = request_of(submitted, "李部分")
    assert request.status == ConfirmationStatus.DISPUTED and request.absent_sessions == [session.pk]
    (finding,) = AuditFinding.objects.filter(rule="A8")
    line = ClaimLine.objects.get(claim=submitted, person=person)
    assert finding.line == line and finding.status == FindingStatus.CONFIRMED and finding.current
    assert finding.details["reason"] == "第一天我没去" and len(finding.details["sessions"]) == 1
    # The officers are told; the line cannot be approved.
    assert Notice.objects.filter(recipient=officer, kind="confirmation_disputed").exists()
    with pytest.raises(ApplicationError, match="A8"):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
    # The officer's claim page shows it on the line and in the section, with the trainee's words.
    client.force_login(officer)
    html = client.get(reverse("claims:detail", args=[submitted.pk])).content.decode()
    assert "第一天我没去" in html and "A8" in html and 'id="confirmations"' in html
    # A batch audit's currency rebuild keeps the trainee's finding current.
    findings_currency_rebuild()
    finding.refresh_from_db()
    assert finding.current


def test_the_claimant_sees_who_confirmed_but_not_what_a_trainee_disputed(submitted, outbox, operator):
    services.confirmation_answer(request=request_of(submitted, "李部分"), confirmed=False, reason="没去过")
    client = Client()
    client.force_login(operator)
    html = client.get(reverse("claims:detail", args=[submitted.pk])).content.decode()
    assert 'id="confirmations"' in html and "已确认 0 人" in html
    assert "没去过" not in html and "有异议" not in html.split('id="confirmations"')[1].split("</section>")[0]


def test_a_district_may_require_a_share_of_trainees_to_confirm_before_approval(submitted, outbox, officer):
    DistrictSettingFactory(
        district=district("500103"),
        key=SettingKey.CONFIRMATION_SHARE,
        value=Decimal("0.5"),
        effective_from=date(2021, 1, 1),
    )
    line = ClaimLine.objects.get(claim=submitted, person__name="张全勤")
    with pytest.raises(ApplicationError, match=r"学员确认不足.*3 名学员须 2 人确认，已确认 0 人"):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
    services.confirmation_answer(request=request_of(submitted, "张全勤"), confirmed=True)
    with pytest.raises(ApplicationError, match="已确认 1 人"):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
    services.confirmation_answer(request=request_of(submitted, "李部分"), confirmed=True)
    assert claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED).decision == "approved"
    # Rejecting a line was never held back.


def test_an_officer_sends_again_the_old_link_answers_nothing(
    submitted, outbox, officer, django_capture_on_commit_callbacks
):
    old = sent(outbox)[PHONES["partial"]]
    outbox.clear()
    client = Client()
    client.force_login(officer)
    person = request_of(submitted, "李部分").person
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("confirmations:resend", args=[submitted.pk]), {"person": person.pk})
    assert response.status_code == 302 and response["Location"].endswith("#confirmations")
    new = sent(outbox)[PHONES["partial"]]
    assert new.token != old.token
    assert ConfirmationRequest.objects.filter(claim=submitted, person=person).count() == 2
    stale = Client().get(reverse("confirmations:link", args=[old.token])).content.decode()
    assert "该链接已失效" in stale and 'name="answer"' not in stale
    # An answer is final: no sending again after it.
    services.confirmation_answer(request=request_of(submitted, "李部分"), confirmed=True)
    with pytest.raises(ApplicationError, match="已答复"):
        services.confirmation_resend(actor=officer, claim=submitted, person_id=person.pk)


def test_a_phone_added_later_is_asked_by_sending_again(
    submitted, outbox, officer, django_capture_on_commit_callbacks
):
    request = request_of(submitted, "王未过")
    request.person.phone = "13900000003"
    request.person.save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_resend(actor=officer, claim=submitted, person_id=request.person_id)
    assert "13900000003" in sent(outbox)
    assert request_of(submitted, "王未过").status == ConfirmationStatus.SENT


def test_an_expired_link_is_refused_and_a_resubmission_asks_again(submitted, outbox, officer, operator):
    token = sent(outbox)[PHONES["full"]].token
    ConfirmationRequest.objects.filter(claim=submitted).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = Client().get(reverse("confirmations:link", args=[token])).content.decode()
    assert "已过期" in page and 'name="answer"' not in page
    with pytest.raises(ApplicationError, match="失效"):
        services.confirmation_answer(request=request_of(submitted, "张全勤"), confirmed=True)
    outbox.clear()
    claim = claim_transition(claim=submitted, actor=officer, to=ClaimStatus.RETURNED, reason="补材料")
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED)
    services.confirmations_deliver(
        list(ConfirmationRequest.objects.filter(status="queued").values_list("pk", flat=True))
    )
    assert set(sent(outbox)) == {PHONES["full"], PHONES["partial"]}


class FailingBackend:
    def send(self, phone, text):
        raise messaging.DeliveryFailed("短信网关拒绝：HTTP 503")


def test_a_refused_message_is_tried_three_times_then_left_failed_for_the_officer(
    submitted, officer, settings, django_capture_on_commit_callbacks
):
    settings.TEXT_MESSAGE_BACKEND = "tests.confirmations.test_confirmations.FailingBackend"
    person = request_of(submitted, "张全勤").person
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_resend(actor=officer, claim=submitted, person_id=person.pk)
    request = request_of(submitted, "张全勤")
    assert request.status == ConfirmationStatus.FAILED and request.attempts == services.MAX_ATTEMPTS
    assert request.error == "短信网关拒绝：HTTP 503"
    assert StateChange.objects.filter(object_id=str(request.pk), to_state="failed").count() == 3


def test_unknown_links_and_tokens_do_not_open_anything(submitted):
    client = Client()
    assert client.get(reverse("confirmations:link", args=["x" * 32])).status_code == 404
    assert client.get(reverse("confirmations:mine")).status_code == 302


@override_settings(PUBLIC_OBJECTIONS_PER_HOUR=2)
def test_the_code_form_is_throttled(submitted):
    cache.clear()
    client = Client()
    for _ in range(2):
        assert (
            client.post(reverse("confirmations:code"), {"code": "AAAA-AAAA", "id_tail": "1234"}).status_code
            == 200
        )
    assert (
        client.post(reverse("confirmations:code"), {"code": "AAAA-AAAA", "id_tail": "1234"}).status_code
        == 429
    )
    cache.clear()


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()


def test_the_http_backend_posts_json_with_the_token_and_reports_a_refusal(gateway):
    with override_settings(TEXT_MESSAGE_HTTP_URL=gateway, TEXT_MESSAGE_HTTP_TOKEN="k"):
        messaging.HttpSmsBackend().send("13800000001", "你好")
        assert Gateway.received == [("Bearer k", {"phone": "13800000001", "text": "你好"})]
        Gateway.status = 500
        try:
            with pytest.raises(messaging.DeliveryFailed, match="HTTP 500"):
                messaging.HttpSmsBackend().send("13800000001", "你好")
        finally:
            Gateway.status = 200
    with override_settings(TEXT_MESSAGE_HTTP_URL=""), pytest.raises(messaging.DeliveryFailed, match="未配置"):
        messaging.HttpSmsBackend().send("13800000001", "你好")


def test_the_email_gateway_backend_fills_in_the_phone(mailoutbox):
    with override_settings(TEXT_MESSAGE_EMAIL_TO="{phone}@sms.example.cn"):
        messaging.EmailGatewayBackend().send("13800000001", "你好")
    assert mailoutbox[0].to == ["13800000001@sms.example.cn"] and mailoutbox[0].body == "你好"
    with override_settings(TEXT_MESSAGE_EMAIL_TO=""), pytest.raises(messaging.DeliveryFailed):
        messaging.EmailGatewayBackend().send("13800000001", "你好")


def test_the_console_backend_masks_the_phone(capsys):
    messaging.ConsoleBackend().send("13800000001", "请打开链接")
    assert capsys.readouterr().out == "[短信 → 138****0001] 请打开链接\n"
