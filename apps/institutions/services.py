"""Writes of institutions and employers.

The institution lifecycle is one table, `LIFECYCLE` (apps.core.lifecycle), and one service moves
along it, `institution_transition`; every write locks the institution's row and logs the change
in the same transaction. Self-registration creates the user and the organisation together or
not at all.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.services import user_access_end, user_create
from apps.catalog.models import District, Level, Occupation, level_label
from apps.core.errors import ApplicationError
from apps.core.lifecycle import Guard, Lifecycle, Transition, Who, move, register
from apps.core.masking import mask_bank_account
from apps.core.models import choice_label
from apps.core.selectors import state_changes_for
from apps.core.services import state_change_record
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.rules import RULES, EntityType, RuleViolation, check_uscc, uscc_entity_type
from apps.rules.high_skill import check_district_school_level

from .models import (
    OTHER_RULE,
    AgencyStaff,
    AgencyStatus,
    ContractScope,
    Employer,
    HighSkillBase,
    Institution,
    InstitutionKind,
    InstitutionOccupation,
    InstitutionStatus,
    InstitutionYear,
    PreReviewVerdict,
    ServiceContract,
    ThirdPartyAgency,
)
from .permissions import (
    BLACKLISTED_MESSAGE,
    agency_policy,
    employer_policy,
    institution_policy,
    may_end_contract,
)

S = InstitutionStatus


def _forbidden(institution: Institution, source: str, target: str) -> ApplicationError:
    if source == target:
        message = f"机构已是“{choice_label(S, source)}”状态，无需变更"
    elif source == S.REVOKED:
        message = f"机构已撤销，撤销是最终状态，不能变更为“{choice_label(S, target)}”"
    else:
        message = f"机构状态不能从“{choice_label(S, source)}”变更为“{choice_label(S, target)}”"
    return ApplicationError(message, rule="R4.1", field="to")


def status_before_suspension(institution: Institution) -> str:
    """The status a suspended institution held before it was suspended: reinstating returns it
    there. Without a suspension on record, recognised (filing is then a separate step)."""
    last = (
        state_changes_for(obj=institution).filter(to_state=S.SUSPENDED).order_by("-created_at", "-id").first()
    )
    if last is not None and last.from_state in {S.RECOGNISED, S.FILED}:
        return last.from_state
    return S.RECOGNISED


def _only_centres_are_filed(institution: Institution, actor: User, context: Any) -> ApplicationError | None:
    if institution.kind == InstitutionKind.ENTERPRISE_CENTRE:
        return None
    return ApplicationError(
        f"只有企业职工培训中心须报市人力社保局备案，{institution.get_kind_display()}不能备案；"
        f"机构状态不能从“{choice_label(S, institution.status)}”变更为“{choice_label(S, S.FILED)}”",
        rule="R4.1",
        field="to",
    )


def _back_where_it_was(target: str) -> Guard:
    def check(institution: Institution, actor: User, context: Any) -> ApplicationError | None:
        before = status_before_suspension(institution)
        if target == before:
            return None
        return ApplicationError(
            f"该机构暂停前为“{choice_label(S, before)}”，只能恢复为“{choice_label(S, before)}”，"
            f"不能从“暂停”变更为“{choice_label(S, target)}”",
            rule="R4.1",
            field="to",
        )

    return Guard("只能恢复为暂停前的状态", check, offered=True)


def _admit(institution: Institution, actor: User) -> None:
    institution_policy.check(actor, "change_status", institution)


def _unknown(to: str) -> ApplicationError:
    return ApplicationError(f"未知的机构状态“{to}”", field="to")


def _by_district(
    source: str, target: str, label: str, action: str, *, reason: bool = True, guards: tuple[Guard, ...] = ()
) -> Transition:
    return Transition(
        source, target, label, "district", reason, guards=guards, notice="机构经办人", action=action
    )


# The institution lifecycle (R4.1). Anything else is refused. The officer of the institution's
# district or the municipal admin makes every move but filing with the municipal bureau, which
# is the municipal admin's alone.
LIFECYCLE: Lifecycle[Institution] = register(
    Lifecycle(
        name="培训机构",
        model=Institution,
        states=S,
        transitions=(
            _by_district(S.APPLIED, S.RECOGNISED, "认定", "recognise", reason=False),
            Transition(
                S.RECOGNISED,
                S.FILED,
                "备案",
                "municipal",
                guards=(Guard("只有企业职工培训中心备案", _only_centres_are_filed, offered=True),),
                notice="机构经办人",
                action="file",
            ),
            _by_district(S.RECOGNISED, S.SUSPENDED, "暂停", "suspend"),
            _by_district(S.FILED, S.SUSPENDED, "暂停", "suspend"),
            _by_district(
                S.SUSPENDED, S.RECOGNISED, "恢复", "reinstate", guards=(_back_where_it_was(S.RECOGNISED),)
            ),
            _by_district(S.SUSPENDED, S.FILED, "恢复", "reinstate", guards=(_back_where_it_was(S.FILED),)),
            _by_district(S.APPLIED, S.REVOKED, "撤销", "revoke"),
            _by_district(S.RECOGNISED, S.REVOKED, "撤销", "revoke"),
            _by_district(S.FILED, S.REVOKED, "撤销", "revoke"),
            _by_district(S.SUSPENDED, S.REVOKED, "撤销", "revoke"),
        ),
        roles={
            "district": Who(
                "本区县经办人员或市级管理员",
                lambda actor, obj: institution_policy.can(actor, "change_status", obj),
            ),
            "municipal": Who(
                "市人力社保局管理员", lambda actor, obj: institution_policy.can(actor, "file", obj)
            ),
        },
        admit=_admit,
        unknown_state=_unknown,
        refuse_move=_forbidden,
        refuse_actor=lambda institution, step: PermissionDenied("您无权执行此操作"),
        refuse_reason=lambda step: ApplicationError(f"{step.label}机构须填写原因", field="reason"),
        description="认定、备案（企业职工培训中心）、暂停、恢复、撤销 (R4.1)。撤销是最终状态；"
        "恢复只能回到暂停前的状态。",
    )
)
TRANSITIONS = LIFECYCLE.table

# Credit codes registered by these authorities (characters 1) are government bodies, public
# institutions or military units, not the enterprises of clause 四 (R4.2).
REFUSED_EMPLOYER_AUTHORITIES = {
    "1": "机关、事业单位等机构编制单位",
    "A": "军队单位",
}

BANK_ACCOUNT = re.compile(r"^\d{8,32}$")
PHONE = re.compile(r"^[0-9][0-9-]{6,19}$")
MOBILE = re.compile(r"^1\d{10}$")


def institution_users(institution: Institution) -> QuerySet[User]:
    """Who is told of a decision on the institution: its active operators."""
    return institution.members.filter(is_active=True)


def _notify_institution(institution: Institution, actor: User, *, kind: str, title: str, reason: str) -> None:
    notify(
        recipients=institution_users(institution),
        kind=kind,
        title=f"{institution.name}：{title}",
        body=f"原因：{reason}" if reason else "",
        link=reverse("institutions:institution_detail", args=[institution.pk]),
        exclude=actor,
    )


def _lock(institution: Institution) -> Institution:
    return Institution.objects.select_for_update().get(pk=institution.pk)


def transition_refusal(institution: Institution, target: str) -> Exception | None:
    """Why the table, the kind or the history refuses moving `institution` to `target` (whoever
    asks), or None when the move is possible."""
    return LIFECYCLE.refusal(institution, target)


def institution_transition(
    *, institution: Institution, actor: User, to: str, reason: str = ""
) -> Institution:
    """Move an institution along its lifecycle (R4.1): recognition by the district, filing of an
    enterprise training centre with the municipal bureau, suspension, reinstatement, revocation.

    Raises PermissionDenied when the actor may not change this institution's status at all (or
    may not file), ApplicationError (rule R4.1) when the table refuses the move.
    """

    def tell(locked: Institution, step: Transition) -> None:
        _notify_institution(
            locked,
            actor,
            kind=f"institution_{step.action}",
            title=(
                f"机构{step.label}（由“{choice_label(S, step.source)}”变为“{choice_label(S, step.target)}”）"
            ),
            reason=reason.strip(),
        )

    return move(
        LIFECYCLE,
        institution,
        actor=actor,
        to=to,
        reason=reason,
        update_fields=["updated_at"],
        after_save=tell,
    )


# Registration ---------------------------------------------------------------------------------


def _finding_error(message: str, rule: str, field: str) -> ApplicationError:
    """A rules-engine finding as an error; its message ends with the rule ID, which the error
    carries (and shows) on its own."""
    return ApplicationError(message.removesuffix(f" ({rule})"), rule=rule, field=field)


def _valid_uscc(value: str, *, field: str) -> str:
    try:
        return check_uscc(value or "")
    except RuleViolation as exc:
        raise _finding_error(exc.finding.message, "R11.3", field) from exc


def _clean(value: str, pattern: re.Pattern[str], message: str, *, field: str, required: bool = True) -> str:
    text = (value or "").replace(" ", "").strip()
    if not text and not required:
        return ""
    if not pattern.match(text):
        raise ApplicationError(message, field=field)
    return text


def _clean_bank_account(value: str, *, required: bool = True) -> str:
    return _clean(value, BANK_ACCOUNT, "银行账号应为 8–32 位数字", field="bank_account", required=required)


def _clean_contact_phone(value: str) -> str:
    return _clean(
        value,
        PHONE,
        "联系电话应为 7–20 位数字（可含“-”），例如 023-63000000 或 13800000000",
        field="contact_phone",
        required=False,
    )


def _full_clean(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    """Model validation as one ApplicationError naming the first field at fault."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = getattr(obj._meta.get_field(field), "verbose_name", field) if field != "__all__" else ""
        text = "；".join(messages)
        raise ApplicationError(f"{label}：{text}" if label else text, field=field) from exc


def _registrant_create(
    *, username: str, password: str, full_name: str, phone: str, role: str, district: District
) -> User:
    username = (username or "").strip()
    if not username:
        raise ApplicationError("请填写用户名", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(f"用户名“{username}”已被使用，请换一个", field="username")
    full_name = (full_name or "").strip()
    if not full_name:
        raise ApplicationError("请填写经办人姓名", field="full_name")
    phone = _clean(phone, MOBILE, "手机号码应为 11 位数字，以 1 开头", field="phone")
    try:
        user = user_create(
            username=username, password=password, role=role, full_name=full_name, district=district
        )
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError("；".join(messages), field=field) from exc
    user.phone = phone
    user.save(update_fields=["phone"])
    return user


def _register_with_account(
    organisation: Institution | Employer,
    *,
    account: dict[str, str],
    role: str,
    duplicate_message: str,
    to_state: str,
    reason: str,
) -> User:
    """Save a registering organisation with its first member's account and log it; a concurrent
    registration of the same code becomes the same clear error (and undoes the account)."""
    _full_clean(organisation)
    user = _registrant_create(**account, role=role, district=organisation.district)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        raise ApplicationError(duplicate_message, field="uscc") from exc
    organisation.members.add(user)
    state_change_record(obj=organisation, actor=user, from_state="", to_state=to_state, reason=reason)
    return user


def _institution_duplicate(code: str) -> str:
    return (
        f"统一社会信用代码 {code} 已有培训机构注册，请勿重复注册；"
        "如需增加经办人，请联系该机构或所在区县人力社保局"
    )


@transaction.atomic
def institution_register(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    name: str,
    uscc: str,
    kind: str,
    district: District,
    address: str,
    contact_name: str,
    contact_phone: str,
    bank_name: str,
    bank_account: str,
) -> tuple[User, Institution]:
    """A training institution registers itself: an operator account and the institution in
    status applied, awaiting recognition by its district bureau (R4.1). All or nothing."""
    code = _valid_uscc(uscc, field="uscc")
    if Institution.objects.filter(uscc=code).exists():
        raise ApplicationError(_institution_duplicate(code), field="uscc")
    if kind not in InstitutionKind.values:
        raise ApplicationError("请选择机构类型", field="kind")
    if district is None:
        raise ApplicationError("请选择所在区县", field="district")
    institution = Institution(
        name=(name or "").strip(),
        uscc=code,
        kind=kind,
        district=district,
        address=(address or "").strip(),
        contact_name=(contact_name or "").strip(),
        contact_phone=_clean_contact_phone(contact_phone),
        bank_name=(bank_name or "").strip(),
        bank_account=_clean_bank_account(bank_account),
        status=S.APPLIED,
    )
    if not institution.bank_name:
        raise ApplicationError("请填写开户银行", field="bank_name")
    user = _register_with_account(
        institution,
        account={"username": username, "password": password, "full_name": full_name, "phone": phone},
        role=Role.INSTITUTION_OPERATOR,
        duplicate_message=_institution_duplicate(code),
        to_state=S.APPLIED,
        reason="机构自行注册，等待所在区县人力社保局认定",
    )
    notify(
        recipients=district_officers(district_id=district.pk),
        kind="institution_applied",
        title=f"新的培训机构申请认定：{institution.name}",
        body=f"{institution.get_kind_display()}，统一社会信用代码 {institution.uscc}，等待本区县认定 (R4.1)",
        link=reverse("institutions:institution_detail", args=[institution.pk]),
    )
    return user, institution


def employer_entity_type(uscc: str) -> EntityType:
    """The kind of entity a credit code names (characters 1–2), refusing government bodies,
    public institutions and military units: clause 四 admits enterprises, individual businesses
    (92), private non-enterprise units (52) and the like (R4.2)."""
    code = _valid_uscc(uscc, field="uscc")
    entity = uscc_entity_type(code)
    if entity is None:
        raise ApplicationError(
            f"统一社会信用代码第 1–2 位“{code[:2]}”不是已分配的登记管理部门和机构类别代码，请核对",
            rule="R11.3",
            field="uscc",
        )
    refused = REFUSED_EMPLOYER_AUTHORITIES.get(entity.prefix[0])
    if refused is not None:
        raise ApplicationError(
            f"统一社会信用代码第 1–2 位为 {entity.prefix}（{entity.label}），属于{refused}，"
            "不能注册为用人单位申报企业职工培训补贴",
            rule="R4.2",
            field="uscc",
        )
    return entity


def _employer_duplicate(code: str) -> str:
    return (
        f"统一社会信用代码 {code} 已注册为用人单位，请勿重复注册；"
        "如需增加申报人，请联系该单位或所在区县人力社保局"
    )


@transaction.atomic
def employer_register(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    name: str,
    uscc: str,
    district: District,
    address: str,
    contact_name: str,
    contact_phone: str,
    is_classified: bool,
    parent_uscc: str = "",
) -> tuple[User, Employer]:
    """An enterprise (or individual business, private non-enterprise unit, R4.2) registers
    itself with an enterprise-filer account. All or nothing."""
    code = _valid_uscc(uscc, field="uscc")
    entity = employer_entity_type(code)
    if Employer.objects.filter(uscc=code).exists():
        raise ApplicationError(_employer_duplicate(code), field="uscc")
    if district is None:
        raise ApplicationError("请选择所在区县", field="district")
    parent = None
    if (parent_uscc or "").strip():
        parent_code = _valid_uscc(parent_uscc, field="parent_uscc")
        if parent_code == code:
            raise ApplicationError("上级集团不能是本单位自己", field="parent_uscc")
        parent = Employer.objects.filter(uscc=parent_code).first()
        if parent is None:
            raise ApplicationError(
                f"未找到统一社会信用代码为 {parent_code} 的用人单位，请先由上级集团注册，或不填此项",
                field="parent_uscc",
            )
    employer = Employer(
        name=(name or "").strip(),
        uscc=code,
        district=district,
        address=(address or "").strip(),
        contact_name=(contact_name or "").strip(),
        contact_phone=_clean_contact_phone(contact_phone),
        is_classified=bool(is_classified),
        parent=parent,
    )
    user = _register_with_account(
        employer,
        account={"username": username, "password": password, "full_name": full_name, "phone": phone},
        role=Role.ENTERPRISE_FILER,
        duplicate_message=_employer_duplicate(code),
        to_state="registered",
        reason=f"用人单位自行注册（{entity.label}）",
    )
    return user, employer


# Recognition of occupations and levels, high-skill bases, yearly evaluation -----------------


@transaction.atomic
def institution_recognition_add(
    *,
    institution: Institution,
    actor: User,
    occupation: Occupation,
    level: int | None,
    recognised_on: date | None = None,
    reason: str = "",
) -> InstitutionOccupation:
    """The district recognises the institution for an occupation at a level (R4.1); for a
    district-level private school level 3 is the recognition of R6.2, and levels 2 and 1 are
    refused."""
    locked = _lock(institution)
    institution_policy.check(actor, "recognise", locked)
    if locked.status == S.REVOKED:
        raise ApplicationError("机构已撤销，不能再认定培训职业（工种）", field="occupation")
    if occupation is None:
        raise ApplicationError("请选择职业（工种）", field="occupation")
    if level is not None and level not in Level.values:
        raise ApplicationError("等级应为五级至一级，或留空表示专项职业能力", field="level")
    if locked.kind == InstitutionKind.DISTRICT_PRIVATE_SCHOOL:
        finding = check_district_school_level(level=level, recognised=True)
        if finding is not None:
            raise _finding_error(finding.message, finding.rule, "level")
    day = recognised_on or timezone.localdate()
    if day > timezone.localdate():
        raise ApplicationError("认定日期不能晚于今天", field="recognised_on")
    if InstitutionOccupation.objects.filter(institution=locked, occupation=occupation, level=level).exists():
        raise ApplicationError(
            f"{occupation.code} {occupation.name}（{level_label(level)}）已认定，无需重复认定",
            field="occupation",
        )
    recognition = InstitutionOccupation.objects.create(
        institution=locked, occupation=occupation, level=level, recognised_on=day
    )
    state_change_record(
        obj=locked,
        actor=actor,
        from_state="",
        to_state="recognition_added",
        reason=reason.strip(),
        changes={
            "occupation": occupation.code,
            "occupation_name": occupation.name,
            "level": level,
            "recognised_on": day.isoformat(),
        },
    )
    _notify_institution(
        locked,
        actor,
        kind="institution_recognition_added",
        title=f"已认定培训职业（工种）{occupation.code} {occupation.name}（{level_label(level)}），"
        f"认定日期 {day.isoformat()}",
        reason=reason.strip(),
    )
    return recognition


@transaction.atomic
def institution_recognition_remove(*, recognition: InstitutionOccupation, actor: User, reason: str) -> None:
    locked = _lock(recognition.institution)
    institution_policy.check(actor, "recognise", locked)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("取消认定须填写原因", field="reason")
    row = (
        InstitutionOccupation.objects.select_related("occupation")
        .filter(pk=recognition.pk, institution=locked)
        .first()
    )
    if row is None:
        raise ApplicationError("该认定已被取消")
    row.delete()
    state_change_record(
        obj=locked,
        actor=actor,
        from_state="",
        to_state="recognition_removed",
        reason=reason,
        changes={
            "occupation": row.occupation.code,
            "occupation_name": row.occupation.name,
            "level": row.level,
        },
    )
    _notify_institution(
        locked,
        actor,
        kind="institution_recognition_removed",
        title=f"已取消认定培训职业（工种）{row.occupation.code} {row.occupation.name}"
        f"（{level_label(row.level)}）",
        reason=reason,
    )


@transaction.atomic
def institution_high_skill_set(
    *, institution: Institution, actor: User, base: str, reason: str
) -> Institution:
    """The municipal admin names an institution a national or municipal high-skill training base
    (whose yearly throughput R6.1 checks), or withdraws it."""
    locked = _lock(institution)
    institution_policy.check(actor, "set_high_skill", locked)
    if base not in HighSkillBase.values:
        raise ApplicationError("请选择高技能人才培训基地级别", field="high_skill_base")
    if base == locked.high_skill_base:
        raise ApplicationError(
            f"高技能人才培训基地已是“{locked.get_high_skill_base_display()}”，无需变更",
            field="high_skill_base",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("变更高技能人才培训基地须填写依据或原因", field="reason")
    before = locked.high_skill_base
    locked.high_skill_base = base
    locked.save(update_fields=["high_skill_base", "updated_at"])
    state_change_record(
        obj=locked,
        actor=actor,
        from_state="",
        to_state="high_skill_base_set",
        reason=reason,
        changes={"high_skill_base": [before, base]},
    )
    return locked


FIRST_YEAR = 2021  # the notice is in force from 2021-03-01


OVERRIDE_REASON_REQUIRED = "填写或修改综合评估得分须说明原因（人工覆盖计算得分）"


@transaction.atomic
def institution_year_set(
    *,
    institution: Institution,
    actor: User,
    year: int,
    evaluation_score: Decimal | None,
    plan_quota: int,
    reason: str = "",
) -> InstitutionYear:
    """Record an institution's training-plan quota of a year (clause 八: weak institutions get a
    smaller plan) and, optionally, a score (0–100) typed by the officer. The 综合评估 score is
    computed (apps.evaluations); a typed score only overrides it, so typing or changing one needs
    a reason, logged with it (clearing it, or keeping it as it was, needs none). One row per year,
    updated in place."""
    locked = _lock(institution)
    return _year_save(
        locked,
        actor=actor,
        year=year,
        evaluation_score=evaluation_score,
        plan_quota=plan_quota,
        reason=reason,
    )


@transaction.atomic
def institution_plan_set(
    *, institution: Institution, actor: User, year: int, plan_quota: int, reason: str
) -> InstitutionYear:
    """Set the training-plan quota of a year and keep the year's overriding score, if any, as it
    is (the plan confirmed from the 综合评估, apps.evaluations)."""
    locked = _lock(institution)
    row = InstitutionYear.objects.filter(institution=locked, year=year).first()
    return _year_save(
        locked,
        actor=actor,
        year=year,
        evaluation_score=row.evaluation_score if row else None,
        plan_quota=plan_quota,
        reason=reason,
    )


def _year_save(
    locked: Institution,
    *,
    actor: User,
    year: int,
    evaluation_score: Decimal | None,
    plan_quota: int,
    reason: str,
) -> InstitutionYear:
    institution_policy.check(actor, "recognise", locked)
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= year <= last:
        raise ApplicationError(f"年度应在 {FIRST_YEAR} 至 {last} 之间", field="year")
    if evaluation_score is not None:
        if not Decimal("0") <= evaluation_score <= Decimal("100"):
            raise ApplicationError("综合评估得分应在 0 至 100 之间", field="evaluation_score")
        if evaluation_score != evaluation_score.quantize(Decimal("0.01")):
            raise ApplicationError("综合评估得分最多保留两位小数", field="evaluation_score")
    if plan_quota is None or plan_quota < 0:
        raise ApplicationError("培训计划额度（人次）不能为负数", field="plan_quota")
    reason = (reason or "").strip()
    row = InstitutionYear.objects.filter(institution=locked, year=year).first()
    before = (row.evaluation_score, row.plan_quota) if row else (None, None)
    if evaluation_score is not None and evaluation_score != before[0] and not reason:
        raise ApplicationError(OVERRIDE_REASON_REQUIRED, field="reason")
    if row is None:
        row = InstitutionYear(institution=locked, year=year)
    row.evaluation_score = evaluation_score
    row.plan_quota = plan_quota
    row.save()
    state_change_record(
        obj=locked,
        actor=actor,
        from_state="",
        to_state="year_set",
        reason=reason,
        changes={
            "year": year,
            "evaluation_score": [_text(before[0]), _text(evaluation_score)],
            "plan_quota": [before[1], plan_quota],
        },
    )
    return row


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


# Details kept by the organisation itself ------------------------------------------------------


def _changes(obj: models.Model, values: dict[str, str], *, masked: frozenset[str] = frozenset()) -> dict:
    changes = {}
    for field, value in values.items():
        before = getattr(obj, field)
        if before != value:
            shown = (
                (mask_bank_account(before), mask_bank_account(value)) if field in masked else (before, value)
            )
            changes[field] = list(shown)
            setattr(obj, field, value)
    return changes


@transaction.atomic
def institution_details_update(
    *,
    institution: Institution,
    actor: User,
    address: str,
    contact_name: str,
    contact_phone: str,
    bank_name: str,
    bank_account: str,
) -> Institution:
    """The institution's own operator keeps its address, contacts and bank account up to date.
    The log keeps the bank account masked, as everyone who reads the history would see it."""
    locked = _lock(institution)
    institution_policy.check(actor, "change_details", locked)
    values = {
        "address": (address or "").strip(),
        "contact_name": (contact_name or "").strip(),
        "contact_phone": _clean_contact_phone(contact_phone),
        "bank_name": (bank_name or "").strip(),
        "bank_account": _clean_bank_account(bank_account, required=False),
    }
    changes = _changes(locked, values, masked=frozenset({"bank_account"}))
    if not changes:
        return locked
    _full_clean(locked)
    locked.save(update_fields=[*changes, "updated_at"])
    state_change_record(obj=locked, actor=actor, from_state="", to_state="details_changed", changes=changes)
    return locked


@transaction.atomic
def employer_details_update(
    *, employer: Employer, actor: User, address: str, contact_name: str, contact_phone: str
) -> Employer:
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    employer_policy.check(actor, "change_details", locked)
    values = {
        "address": (address or "").strip(),
        "contact_name": (contact_name or "").strip(),
        "contact_phone": _clean_contact_phone(contact_phone),
    }
    changes = _changes(locked, values)
    if not changes:
        return locked
    _full_clean(locked)
    locked.save(update_fields=[*changes, "updated_at"])
    state_change_record(obj=locked, actor=actor, from_state="", to_state="details_changed", changes=changes)
    return locked


# Third-party agencies (clause 七, R7.1) -------------------------------------------------------
#
# Every change is logged on the agency (apps.core.services.state_change_record: blacklisting and
# lifting as status moves, the rest as events whose `to_state` is one of AGENCY_EVENTS) and its
# staff are told. A reviewer's scope is read from the contracts in force (permissions.contract_
# districts); a blacklisting, or the end of the last contract, ends their access on their next
# request (permissions.agency_access_refusal, asked by apps.accounts.backends).

AGENCY_EVENTS = {
    "agency_created": "登记第三方社会机构",
    "contract_added": "签订服务合同",
    "contract_terminated": "提前终止服务合同",
    "staff_attached": "登记机构人员",
}


BLACKLIST_FIELDS = ["status", "blacklist_reason", "blacklisted_by", "blacklisted_at", "updated_at"]


def _agency_log(agency: ThirdPartyAgency, actor: User, event: str, reason: str = "", **changes: Any) -> None:
    state_change_record(
        obj=agency,
        actor=actor,
        from_state=agency.status,
        to_state=event,
        reason=reason,
        changes=changes or None,
    )


def _notify_staff(agency: ThirdPartyAgency, actor: User, *, kind: str, title: str, body: str = "") -> None:
    notify(
        recipients=[staff.user for staff in agency.staff.select_related("user")],
        kind=kind,
        title=f"{agency.name}：{title}",
        body=body,
        link=reverse("institutions:agency_detail", args=[agency.pk]),
        exclude=actor,
    )


@transaction.atomic
def agency_create(
    *, actor: User, name: str, uscc: str, contact_name: str = "", contact_phone: str = ""
) -> ThirdPartyAgency:
    """Record a third-party organisation (the admin or a district officer)."""
    if not agency_policy.can(actor, "add"):
        raise PermissionDenied("您无权登记第三方社会机构")
    code = uscc.strip().upper()
    try:
        check_uscc(code)
    except RuleViolation as exc:
        raise ApplicationError(exc.finding.message, rule="R11.3", field="uscc") from exc
    if ThirdPartyAgency.objects.filter(uscc=code).exists():
        raise ApplicationError(f"统一社会信用代码 {code} 的第三方社会机构已登记", field="uscc")
    agency = ThirdPartyAgency.objects.create(
        name=name.strip(), uscc=code, contact_name=contact_name.strip(), contact_phone=contact_phone.strip()
    )
    _agency_log(agency, actor, "agency_created")
    return agency


@transaction.atomic
def contract_create(
    *,
    actor: User,
    agency: ThirdPartyAgency,
    number: str,
    district: District,
    districts: list[District],
    scopes: list[str],
    starts_on: date,
    ends_on: date,
    amount: Decimal,
) -> ServiceContract:
    """A contract of government purchase of services (政府购买服务). An officer signs for their own
    district only, to serve it alone; the admin for any. A blacklisted agency gets none (R7.1)."""
    agency = ThirdPartyAgency.objects.select_for_update().get(pk=agency.pk)
    if not agency_policy.can(actor, "add_contract", agency):
        raise PermissionDenied("您无权为该机构签订服务合同")
    if actor.role == Role.DISTRICT_OFFICER and (
        district.pk != actor.district_id or any(d.pk != actor.district_id for d in districts)
    ):
        raise ApplicationError("区县经办人员只能为本区县签订服务合同，服务区县限本区县", field="districts")
    if agency.status == AgencyStatus.BLACKLISTED:
        raise ApplicationError("该机构已被列入黑名单，不能签订服务合同", rule="R7.1")
    if not districts:
        raise ApplicationError("请选择服务区县", field="districts")
    unknown = set(scopes) - set(ContractScope.values)
    if not scopes or unknown:
        raise ApplicationError("请选择服务内容：机构审核、过程监管、申领审核至少一项", field="scopes")
    if ends_on < starts_on:
        raise ApplicationError("结束日期不能早于开始日期", field="ends_on")
    if amount <= 0:
        raise ApplicationError("合同金额必须大于 0 元", field="amount")
    number = number.strip()
    if ServiceContract.objects.filter(district=district, number=number).exists():
        raise ApplicationError(f"{district.name}已有编号为 {number} 的服务合同", field="number")
    contract = ServiceContract.objects.create(
        agency=agency,
        number=number,
        district=district,
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount.quantize(Decimal("0.01")),
        **{scope: scope in scopes for scope in ContractScope.values},
    )
    contract.districts.set(districts)
    names = "、".join(d.name for d in sorted(districts, key=lambda d: (d.sort_order, d.code)))
    scope_words = "、".join(contract.scope_labels)
    summary = f"合同 {number}：{names}，{scope_words}，{starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}"
    _agency_log(agency, actor, "contract_added", summary, contract=contract.pk)
    _notify_staff(agency, actor, kind="agency_contract", title="新的服务合同", body=summary)
    return contract


@transaction.atomic
def contract_terminate(*, actor: User, contract: ServiceContract, reason: str) -> ServiceContract:
    """End a contract before its end date (from today: it is no longer in force). Its staff lose
    the districts it gave at once; with no other contract in force, their access ends."""
    contract = ServiceContract.objects.select_for_update().select_related("agency").get(pk=contract.pk)
    if not may_end_contract(actor, contract):
        raise PermissionDenied("您无权终止该服务合同")
    if not reason.strip():
        raise ApplicationError("请填写终止原因", field="reason")
    today = timezone.localdate()
    if contract.terminated_on is not None:
        raise ApplicationError("该服务合同已终止", field="reason")
    if contract.ends_on < today:
        raise ApplicationError("该服务合同已到期，无需终止", field="reason")
    contract.terminated_on = today
    contract.termination_reason = reason.strip()
    contract.save(update_fields=["terminated_on", "termination_reason", "updated_at"])
    _agency_log(contract.agency, actor, "contract_terminated", f"合同 {contract.number}：{reason.strip()}")
    _notify_staff(
        contract.agency,
        actor,
        kind="agency_contract",
        title=f"服务合同 {contract.number} 已终止",
        body=reason,
    )
    return contract


@transaction.atomic
def agency_staff_attach(*, actor: User, agency: ThirdPartyAgency, username: str) -> AgencyStaff:
    """Attach an account of role third-party reviewer to the agency (one agency per account)."""
    if not agency_policy.can(actor, "attach_staff", agency):
        raise PermissionDenied("您无权为该机构登记人员")
    if agency.status == AgencyStatus.BLACKLISTED:
        raise ApplicationError("该机构已被列入黑名单，不能登记人员", rule="R7.1", field="username")
    user = User.objects.filter(username=username.strip()).first()
    if user is None or user.role != Role.THIRD_PARTY_REVIEWER:
        raise ApplicationError("没有该用户名的第三方社会机构审核人员账号", field="username")
    current = AgencyStaff.objects.filter(user=user).select_related("agency").first()
    if current is not None:
        raise ApplicationError(f"该账号已是“{current.agency.name}”的人员", field="username")
    staff = AgencyStaff.objects.create(agency=agency, user=user)
    _agency_log(agency, actor, "staff_attached", f"账号 {user.username}（{user}）", user=user.pk)
    notify(
        recipients=[user],
        kind="agency_staff",
        title=f"您的账号已登记为“{agency.name}”的人员",
        body="您只能在该机构有效服务合同的区县和服务内容范围内工作 (R7.1)",
        link=reverse("institutions:agency_detail", args=[agency.pk]),
        exclude=actor,
    )
    return staff


@transaction.atomic
def agency_blacklist(*, actor: User, agency: ThirdPartyAgency, reason: str) -> ThirdPartyAgency:
    """List the agency on the blacklist, with a written reason (clause 七: strict supervision,
    evaluation and a blacklist). Its staff's tokens and sessions end now, and any request of
    theirs is refused from the next one (R7.1); no contract can be signed with it."""
    agency = ThirdPartyAgency.objects.select_for_update().get(pk=agency.pk)
    if not agency_policy.can(actor, "blacklist", agency):
        raise PermissionDenied("您无权将该机构列入黑名单")
    if not reason.strip():
        raise ApplicationError("请填写列入黑名单的原因", field="reason")
    if agency.status == AgencyStatus.BLACKLISTED:
        raise ApplicationError("该机构已在黑名单中", field="reason")
    agency.status = AgencyStatus.BLACKLISTED
    agency.blacklist_reason = reason.strip()
    agency.blacklisted_by = actor
    agency.blacklisted_at = timezone.now()
    agency.save(
        update_fields=["status", "blacklist_reason", "blacklisted_by", "blacklisted_at", "updated_at"]
    )
    state_change_record(
        obj=agency, actor=actor, from_state=AgencyStatus.ACTIVE, to_state=agency.status, reason=reason.strip()
    )
    _notify_staff(agency, actor, kind="agency_blacklisted", title="已被列入黑名单", body=f"原因：{reason}")
    user_access_end(user_ids=set(agency.staff.values_list("user_id", flat=True)), message=BLACKLISTED_MESSAGE)
    return agency


@transaction.atomic
def agency_blacklist_lift(*, actor: User, agency: ThirdPartyAgency, reason: str) -> ThirdPartyAgency:
    """Take the agency off the blacklist (the municipal admin, with a reason). Its staff act again
    where a contract is in force."""
    agency = ThirdPartyAgency.objects.select_for_update().get(pk=agency.pk)
    if not agency_policy.can(actor, "lift", agency):
        raise PermissionDenied("只有市人力社保局管理员可以解除黑名单")
    if not reason.strip():
        raise ApplicationError("请填写解除黑名单的原因", field="reason")
    if agency.status != AgencyStatus.BLACKLISTED:
        raise ApplicationError("该机构不在黑名单中", field="reason")
    agency.status = AgencyStatus.ACTIVE
    agency.blacklist_reason = ""
    agency.blacklisted_by = None
    agency.blacklisted_at = None
    agency.save(
        update_fields=["status", "blacklist_reason", "blacklisted_by", "blacklisted_at", "updated_at"]
    )
    state_change_record(
        obj=agency,
        actor=actor,
        from_state=AgencyStatus.BLACKLISTED,
        to_state=agency.status,
        reason=reason.strip(),
    )
    _notify_staff(agency, actor, kind="agency_blacklist_lifted", title="已解除黑名单", body=f"原因：{reason}")
    return agency


# Pre-review (R7.1) ---------------------------------------------------------------------------------
# A third-party agency with the institution-review scope advises on a recognition application here
# and on a class application (apps.classes): a verdict, the rule it rests on (required to advise
# rejecting), and a written reason. Recorded for the officer beside the application; never a decision.

RULE_IDS = frozenset(r.id for r in RULES)


def pre_review_clean(*, verdict: str, rule: str, text: str) -> tuple[str, str, str]:
    """The verdict, rule and reason of a pre-review, checked (every problem at once)."""
    rule, text = rule.strip(), text.strip()
    problems = []
    if verdict not in PreReviewVerdict.values:
        problems.append(("verdict", "请选择审核建议：建议通过、建议退回修改或建议不予通过"))
    if rule and rule != OTHER_RULE and rule not in RULE_IDS:
        problems.append(("rule", f"理由规则“{rule}”不存在，请从列表中选择"))
    if verdict == PreReviewVerdict.REJECT and not rule:
        problems.append(("rule", "建议不予通过须选择理由规则"))
    if not text:
        problems.append(("text", "请填写第三方审核意见"))
    if problems:
        raise ApplicationError("；".join(message for _, message in problems), field=problems[0][0])
    return verdict, rule, text


PRE_REVIEW_FIELDS = (
    "recommendation",
    "recommendation_verdict",
    "recommendation_rule",
    "recommended_by",
    "recommended_at",
    "updated_at",
)


def pre_review_record(obj: Any, *, actor: User, verdict: str, rule: str, text: str) -> str:
    """Check a pre-review and keep it on the application it advises on (an institution or a class
    application: the same five fields), logged; returns the verdict's label. The caller has locked
    the row and checked who may advise."""
    verdict, rule, text = pre_review_clean(verdict=verdict, rule=rule, text=text)
    obj.recommendation, obj.recommendation_verdict, obj.recommendation_rule = text, verdict, rule
    obj.recommended_by, obj.recommended_at = actor, timezone.now()
    obj.save(update_fields=list(PRE_REVIEW_FIELDS))
    label = str(obj.get_recommendation_verdict_display())
    state_change_record(
        obj=obj,
        actor=actor,
        from_state=obj.status,
        to_state=obj.status,
        reason=f"第三方审核意见（{label}{'，' + rule if rule else ''}）：{text}",
        changes={"verdict": verdict, "rule": rule, "recommendation": text},
    )
    return label


@transaction.atomic
def institution_recommend(
    *, institution: Institution, actor: User, verdict: str, rule: str, text: str
) -> Institution:
    """A third-party agency's pre-review of an institution's recognition application (R7.1),
    recorded beside it and logged, the district's officers told."""
    institution = _lock(institution)
    if not institution_policy.can(actor, "recommend", institution):
        raise PermissionDenied(
            "只有受本区县委托开展机构审核的第三方社会机构可以对待认定的机构提出审核意见 (R7.1)"
        )
    label = pre_review_record(institution, actor=actor, verdict=verdict, rule=rule, text=text)
    notify(
        recipients=district_officers(district_id=institution.district_id),
        kind="institution_recommended",
        title=f"{institution.name}：第三方审核意见 {label}",
        body=institution.recommendation,
        link=reverse("institutions:institution_detail", args=[institution.pk]) + "#pre-review",
        exclude=actor,
    )
    return institution
