"""notify: one notice per active recipient, in the caller's transaction; e-mail after commit, only
where an address is known, sent once, and a refusing mail server neither raises nor logs the
address."""

import logging

import pytest
from django.core import mail
from django.db import transaction

from apps.notices.models import Notice
from apps.notices.services import notify
from apps.notices.tasks import send_notice_emails
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_one_notice_per_active_recipient_and_never_the_actor():
    with_mail = UserFactory(operator=True, email="a@example.cn")
    without_mail = UserFactory(operator=True, email="")
    gone = UserFactory(operator=True, is_active=False, email="gone@example.cn")
    actor = UserFactory(officer=True, email="officer@example.cn")

    notices = notify(
        recipients=[with_mail, without_mail, with_mail, gone, actor],
        kind="class_returned",
        title="开班申请退回修改",
        body="原因：课时不足",
        link="/classes/1/",
        exclude=actor,
    )

    assert sorted(n.recipient_id for n in notices) == sorted([with_mail.pk, without_mail.pk])
    notice = Notice.objects.get(recipient=with_mail)
    assert (notice.kind, notice.title, notice.body, notice.link, notice.read_at) == (
        "class_returned",
        "开班申请退回修改",
        "原因：课时不足",
        "/classes/1/",
        None,
    )


def test_email_goes_after_commit_only_to_those_with_an_address(django_capture_on_commit_callbacks):
    with_mail = UserFactory(operator=True, email="a@example.cn")
    without_mail = UserFactory(operator=True, email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            recipients=[with_mail, without_mail],
            kind="k",
            title="已审核通过",
            body="核定 100.00 元",
            link="/x/",
        )
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["a@example.cn"]
    assert sent.subject == "【培训补贴】已审核通过"
    assert "核定 100.00 元" in sent.body and "http://127.0.0.1:8000/x/" in sent.body
    assert Notice.objects.get(recipient=with_mail).emailed_at is not None
    assert Notice.objects.get(recipient=without_mail).emailed_at is None


def test_a_rolled_back_decision_leaves_no_notice_and_sends_nothing(django_capture_on_commit_callbacks):
    user = UserFactory(operator=True, email="a@example.cn")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[user], kind="k", title="t")
        raise RuntimeError("the decision failed")
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_nobody_to_tell_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify(recipients=[], kind="k", title="t") == []
    assert callbacks == [] and not Notice.objects.exists()


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "claims/1/"])
def test_a_link_outside_the_portal_is_refused(link):
    with pytest.raises(ValueError, match="portal path"):
        notify(recipients=[UserFactory()], kind="k", title="t", link=link)
    assert not Notice.objects.exists()


def test_a_redelivered_task_sends_each_notice_once():
    user = UserFactory(operator=True, email="a@example.cn")
    (notice,) = notify(recipients=[user], kind="k", title="t")
    assert send_notice_emails([notice.pk]) == 1
    assert send_notice_emails([notice.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_refusing_mail_server_is_logged_without_the_address(settings, caplog):
    settings.EMAIL_BACKEND = "tests.notices.test_notify.RefusingBackend"
    user = UserFactory(operator=True, email="private@example.cn", full_name="张三")
    (notice,) = notify(recipients=[user], kind="k", title="t")
    with caplog.at_level(logging.WARNING, logger="apps.notices.tasks"):
        assert send_notice_emails([notice.pk]) == 0
    assert f"notice {notice.pk}: e-mail not sent (ConnectionRefusedError)" in caplog.text
    assert "private@example.cn" not in caplog.text and "张三" not in caplog.text
    notice.refresh_from_db()
    assert notice.emailed_at is None  # not sent: nothing pretends it was


def test_a_long_title_is_cut_to_fit():
    (notice,) = notify(recipients=[UserFactory()], kind="k", title="长" * 250)
    assert len(notice.title) == 200 and notice.title.endswith("…")


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail.example.cn refused private@example.cn")
