"""`make run` shows the 消息 inbox at work: the demo's decisions, made through the services, left
notices for the school, the enterprise and both districts' officers; loading again adds none."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.notices.models import Notice

pytestmark = pytest.mark.django_db


def test_the_demo_users_find_notices_in_their_inbox(client):
    call_command("demo_data", stdout=io.StringIO())
    kinds = {}
    for notice in Notice.objects.select_related("recipient"):
        kinds.setdefault(notice.recipient.username, set()).add(notice.kind)
    assert kinds == {
        # the inspection demo's class was approved, and its visit found an absence (A7)
        "school": {"institution_recognition_added", "class_approved", "inspection_findings"},
        "enterprise": {"claim_approved", "claim_published"},  # its claim on the public notice
        "officer.yuzhong": {"institution_applied", "class_submitted"},
        # an objection to the notice; a trainee disputed the April staff-training claim (A8); the
        # living allowance demo's class was submitted to it
        "officer.wanzhou": {"claim_submitted", "class_submitted", "objection_filed", "confirmation_disputed"},
        # the living allowance demo's school: recognised for 中式烹调师, its class approved
        "school.wanzhou": {"institution_recognition_added", "class_approved"},
        # attached to the demo's third-party agency; one inspection of the drawn week is theirs
        "reviewer": {"agency_staff", "inspection_assigned"},
    }
    count = Notice.objects.count()
    call_command("demo_data", stdout=io.StringIO())
    assert Notice.objects.count() == count

    client.force_login(User.objects.get(username="officer.yuzhong"))
    body = client.get(reverse("notices:inbox")).content.decode()
    assert "新的培训机构申请认定：重庆市渝中区启航职业技能培训学校" in body
    assert '<span class="badge"' in body
