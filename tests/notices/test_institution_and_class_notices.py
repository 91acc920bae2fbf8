"""Decisions on an institution and on its class applications reach the institution's operators
(with the officer's reason and a link), submissions and registrations reach the district's
officers; nobody else is told, and the one who acted is not told what they did."""

from datetime import date

import pytest
from django.urls import reverse

from apps.classes.models import ClassStatus
from apps.classes.services import class_transition
from apps.institutions.models import InstitutionOccupation, InstitutionStatus
from apps.institutions.services import (
    institution_recognition_add,
    institution_recognition_remove,
    institution_register,
    institution_transition,
)
from apps.notices.models import Notice
from tests.factories import NumberedInstitutionFactory, OccupationFactory, UserFactory, district, uscc

pytestmark = pytest.mark.django_db


def told(kind=None):
    """{username: [titles]} of the notices written (of one kind)."""
    qs = Notice.objects.select_related("recipient").order_by("pk")
    if kind:
        qs = qs.filter(kind=kind)
    result: dict[str, list[str]] = {}
    for notice in qs:
        result.setdefault(notice.recipient.username, []).append(notice.title)
    return result


@pytest.fixture
def applied_school(bystanders):
    first = UserFactory(operator=True, username="school.a", email="a@school.cn")
    second = UserFactory(operator=True, username="school.b")
    gone = UserFactory(operator=True, username="school.gone", is_active=False)
    return NumberedInstitutionFactory(applied=True, name="渝中区育才培训学校", members=[first, second, gone])


def test_recognition_reaches_every_active_operator_of_the_institution(applied_school, officer_yuzhong):
    institution_transition(institution=applied_school, actor=officer_yuzhong, to=InstitutionStatus.RECOGNISED)
    title = "渝中区育才培训学校：机构认定（由“已申请”变为“已认定”）"
    assert told() == {"school.a": [title], "school.b": [title]}
    notice = Notice.objects.get(recipient__username="school.a")
    assert notice.kind == "institution_recognise" and notice.body == ""
    assert notice.link == reverse("institutions:institution_detail", args=[applied_school.pk])


def test_a_refusal_carries_the_officers_reason(applied_school, officer_yuzhong):
    institution_transition(
        institution=applied_school, actor=officer_yuzhong, to=InstitutionStatus.REVOKED, reason="场地证明不实"
    )
    notice = Notice.objects.get(recipient__username="school.a")
    assert (notice.kind, notice.body) == ("institution_revoke", "原因：场地证明不实")
    assert "机构撤销" in notice.title and set(told()) == {"school.a", "school.b"}


def test_a_refused_move_tells_nobody(applied_school, officer_yuzhong):
    from apps.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        institution_transition(
            institution=applied_school, actor=officer_yuzhong, to=InstitutionStatus.SUSPENDED, reason="x"
        )
    assert told() == {}


def test_recognised_occupations_added_and_removed_are_told(applied_school, officer_yuzhong):
    cook = OccupationFactory(cook=True)
    recognition = institution_recognition_add(
        institution=applied_school,
        actor=officer_yuzhong,
        occupation=cook,
        level=4,
        recognised_on=date(2026, 12, 1),
    )
    added = Notice.objects.get(recipient__username="school.b", kind="institution_recognition_added")
    assert "4-03-02-01 中式烹调师" in added.title and "2026-12-01" in added.title
    institution_recognition_remove(recognition=recognition, actor=officer_yuzhong, reason="师资不足")
    removed = Notice.objects.get(recipient__username="school.b", kind="institution_recognition_removed")
    assert "已取消认定" in removed.title and removed.body == "原因：师资不足"
    assert not InstitutionOccupation.objects.exists()
    assert set(told()) == {"school.a", "school.b"}


def test_a_registration_reaches_the_districts_officers_only(officer_yuzhong, bystanders):
    second_officer = UserFactory(officer=True, username="officer.yuzhong.2")
    institution_register(
        username="jiangxin",
        password="Peixun-School-2021",
        full_name="李老师",
        phone="13800001111",
        name="渝中区江心培训学校",
        uscc=uscc(777),
        kind="district_private_school",
        district=district("500103"),
        address="渝中区解放碑",
        contact_name="李老师",
        contact_phone="023-63000000",
        bank_name="中国工商银行重庆解放碑支行",
        bank_account="3100021509000000777",
    )
    title = "新的培训机构申请认定：渝中区江心培训学校"
    assert told() == {officer_yuzhong.username: [title], second_officer.username: [title]}


# ---------------------------------------------------------------- class applications


@pytest.fixture
def submitted(make_class, operator, officer_yuzhong, bystanders):
    training_class = make_class()
    return class_transition(training_class=training_class, actor=operator, to=ClassStatus.SUBMITTED)


def test_a_submission_reaches_the_districts_officers(submitted, officer_yuzhong):
    assert told() == {officer_yuzhong.username: [f"开班申请“车工中级周末班”（#{submitted.pk}）提交"]}
    assert Notice.objects.get().link == reverse("classes:detail", args=[submitted.pk])


@pytest.mark.parametrize(
    ("to", "reason", "label", "body"),
    [
        (ClassStatus.RETURNED, "请补充第 3 次课的场地", "退回修改", "原因：请补充第 3 次课的场地"),
        (ClassStatus.REJECTED, "未取得该工种认定", "驳回", "原因：未取得该工种认定"),
        (ClassStatus.APPROVED, "", "审核通过", ""),
    ],
)
def test_a_reviewers_decision_reaches_the_institutions_operators(
    submitted, operator, officer_yuzhong, to, reason, label, body
):
    Notice.objects.all().delete()
    class_transition(training_class=submitted, actor=officer_yuzhong, to=to, reason=reason)
    notice = Notice.objects.get()
    assert notice.recipient == operator
    assert (notice.kind, notice.title, notice.body) == (
        f"class_{to}",
        f"开班申请“车工中级周末班”（#{submitted.pk}）{label}",
        body,
    )


def test_opening_and_completing_tell_nobody(submitted, operator, officer_yuzhong):
    approved = class_transition(training_class=submitted, actor=officer_yuzhong, to=ClassStatus.APPROVED)
    Notice.objects.all().delete()
    class_transition(training_class=approved, actor=operator, to=ClassStatus.RUNNING)
    assert told() == {}
