"""Publishing a notice (公示) of approved claims, filing an objection (异议) to it, answering one.
Each checks who acts (apps.publicity.permissions), writes in one transaction, logs the change
(apps.core.services.state_change_record) and tells whom it concerns."""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import District
from apps.catalog.selectors import publicity_working_days
from apps.claims.models import ClaimLine
from apps.claims.services.notices import claim_notify
from apps.core import dates
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number, mask_name
from apps.core.services import state_change_record
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules.money import yuan

from .models import NoticeLine, Objection, ObjectionStatus, PublicNotice
from .permissions import may_publish_in, objection_policy
from .selectors import notice_running, publishable_lines

if TYPE_CHECKING:
    from apps.accounts.models import User

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _occupation(line: ClaimLine) -> str:
    training_class = line.claim.training_class
    if training_class is not None:
        return training_class.occupation.name
    occupation = (line.inputs or {}).get("occupation")
    if isinstance(occupation, dict):
        return str(occupation.get("name") or occupation.get("code") or "")
    return ""


@transaction.atomic
def notice_publish(*, actor: User, district: District, claim_ids: list[int] | None = None) -> PublicNotice:
    """Publish the district's approved lines not yet published: of the chosen claims, or (None)
    of every approved claim. The period is the district's setting in working days (default 5),
    counted from the day after today; each claimant is told."""
    if not may_publish_in(actor, district):
        raise PermissionDenied("只有本区县经办人员可以发布公示")
    District.objects.select_for_update().get(pk=district.pk)  # one publication of a district at a time
    lines_qs = publishable_lines(district=district)
    if claim_ids is not None:
        if not claim_ids:
            raise ApplicationError("请选择要公示的申领", field="claims")
        lines_qs = lines_qs.filter(claim_id__in=claim_ids)
    lines = list(
        lines_qs.select_related(
            "claim__institution", "claim__employer", "claim__training_class__occupation", "person"
        ).order_by("claim_id", "pk")
    )
    if not lines:
        raise ApplicationError("没有待公示的明细：审核通过且尚未公示、尚未拨付的明细才能公示", field="claims")
    if claim_ids is not None:
        missing = sorted(set(claim_ids) - {line.claim_id for line in lines})
        if missing:
            raise ApplicationError(
                "以下申领没有待公示的明细：" + "、".join(f"#{pk}" for pk in missing), field="claims"
            )
    today = dates.today()
    days = publicity_working_days(district=district, on=today)
    period = dates.working_days_after(today, days)
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    sequence = PublicNotice.objects.filter(district=district, published_on__year=today.year).count() + 1
    notice = PublicNotice.objects.create(
        district=district,
        title=f"{district.name}{today.year}年职业技能提升补贴公示（第{sequence}批）",
        published_on=today,
        working_days=days,
        ends_on=period.end,
        calendar_known=period.calendar_known,
        line_count=len(lines),
        amount=amount,
        published_by=actor,
    )
    NoticeLine.objects.bulk_create(
        NoticeLine(
            notice=notice,
            claim_line=line,
            claimant=str(line.claim.claimant),
            class_name=line.claim.training_class.name
            if line.claim.training_class
            else line.claim.get_kind_display(),
            occupation=_occupation(line),
            masked_name=mask_name(line.person.name),
            masked_id_number=mask_id_number(line.person.id_number),
            amount=line.amount,
        )
        for line in lines
    )
    state_change_record(
        obj=notice,
        actor=actor,
        from_state="",
        to_state="published",
        reason=notice.title,
        changes={
            "lines": len(lines),
            "amount": str(amount),
            "ends_on": period.end.isoformat(),
            "claims": sorted({line.claim_id for line in lines}),
        },
    )
    by_claim: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        by_claim[line.claim_id].append(line)
    for claim_lines in by_claim.values():
        claim_notify(
            claim=claim_lines[0].claim,
            actor=actor,
            kind="claim_published",
            what=f"{len(claim_lines)} 条明细已公示，公示期至 {period.end.isoformat()}",
            body=f"{notice.title}。公示期满且无未处理的异议后方可拨付。{period.note}",
        )
    return notice


def _contact(value: str) -> str:
    text = value.strip()
    if not text:
        raise ApplicationError("请填写联系电话或电子邮箱", field="contact")
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError as exc:
            raise ApplicationError("电子邮箱格式不正确", field="contact") from exc
        return text
    digits = text.replace(" ", "")
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    raise ApplicationError("请填写 11 位手机号码、带区号的固定电话或电子邮箱", field="contact")


@transaction.atomic
def objection_file(
    *, notice: PublicNotice, name: str, contact: str, text: str, line_id: int | None = None
) -> Objection:
    """Anyone files an objection to a running notice, or to one of its lines; the district's
    officers are told. Returns it with its confirmation number (受理编号)."""
    notice = PublicNotice.objects.select_for_update().select_related("district").get(pk=notice.pk)
    if not notice_running(notice):
        raise ApplicationError(
            f"该公示的公示期为 {notice.published_on.isoformat()} 至 {notice.ends_on.isoformat()}，"
            "当前不受理异议"
        )
    name = name.strip()
    if not name:
        raise ApplicationError("请填写姓名", field="name")
    if len(name) > 64:
        raise ApplicationError("姓名不超过 64 个字", field="name")
    contact = _contact(contact)
    text = text.strip()
    if not text:
        raise ApplicationError("请填写异议内容", field="text")
    if len(text) > 2000:
        raise ApplicationError("异议内容不超过 2000 个字", field="text")
    line = None
    if line_id is not None:
        line = NoticeLine.objects.filter(notice=notice, pk=line_id).first()
        if line is None:
            raise ApplicationError("该明细不属于本公示", field="line")
    objection = None
    for _attempt in range(5):
        number = f"YY{dates.today():%Y%m%d}{secrets.randbelow(10**6):06d}"
        try:
            with transaction.atomic():
                objection = Objection.objects.create(
                    notice=notice, line=line, number=number, name=name, contact=contact, text=text
                )
            break
        except IntegrityError:  # the number was taken: draw again
            continue
    if objection is None:
        raise ApplicationError("暂时无法受理，请稍后再试")
    state_change_record(
        obj=objection,
        actor=None,
        from_state="",
        to_state=ObjectionStatus.OPEN,
        reason="",
        changes={"notice": notice.pk, "line": line.pk if line else None},
    )
    what = f"明细 #{line.pk}（{line.masked_name}）" if line else "整个公示"
    notify(
        recipients=district_officers(district_id=notice.district_id),
        kind="objection_filed",
        title=f"{notice.title} 收到异议 {objection.number}",
        body=f"异议对象：{what}。异议处理前，相关明细不能拨付。",
        link=reverse("publicity:objection", args=[objection.pk]),
    )
    return objection


@transaction.atomic
def objection_answer(*, actor: User, objection: Objection, upheld: bool, answer: str) -> Objection:
    """An officer of the district answers an objection: 成立 (upheld: its line, or naming none
    every line of the notice, is not paid) or 不成立, with a written reason."""
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice__district", "line__claim_line__claim")
        .get(pk=objection.pk)
    )
    objection_policy.check(actor, "answer", objection)
    if objection.status != ObjectionStatus.OPEN:
        raise ApplicationError(f"异议 {objection.number} 已处理（{objection.get_status_display()}）")
    answer = answer.strip()
    if not answer:
        raise ApplicationError("请填写处理理由", field="answer")
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.answer = answer
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["status", "answer", "answered_by", "answered_at", "updated_at"])
    state_change_record(
        obj=objection, actor=actor, from_state=ObjectionStatus.OPEN, to_state=objection.status, reason=answer
    )
    verdict = objection.get_status_display()
    notify(
        recipients=district_officers(district_id=objection.notice.district_id),
        kind="objection_answered",
        title=f"异议 {objection.number} 已处理：{verdict}",
        body=answer,
        link=reverse("publicity:objection", args=[objection.pk]),
        exclude=actor,
    )
    if upheld and objection.line is not None:
        line = objection.line.claim_line
        claim_notify(
            claim=line.claim,
            actor=actor,
            kind="claim_objection_upheld",
            what=f"明细 #{line.pk} 的公示异议成立，暂不拨付 {yuan(line.amount)} 元",
            body=answer,
        )
    return objection
