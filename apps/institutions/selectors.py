"""Reads of institutions and employers, always scoped by the user asking (404 outside scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import level_label
from apps.core.masking import mask_bank_account
from apps.core.models import StateChange, choice_label
from apps.core.selectors import state_changes_for
from apps.rules.high_skill import BaseTier, check_high_skill_base
from apps.rules.parameters import params_on

from .models import (
    AgencyStaff,
    AgencyStatus,
    Employer,
    HighSkillBase,
    Institution,
    InstitutionKind,
    InstitutionOccupation,
    InstitutionStatus,
    InstitutionYear,
    ServiceContract,
    ThirdPartyAgency,
)
from .permissions import (
    agency_policy,
    contracts_in_force,
    employer_policy,
    institution_policy,
    may_end_contract,
)
from .services import AGENCY_EVENTS, LIFECYCLE

if TYPE_CHECKING:
    from apps.accounts.models import User

S = InstitutionStatus


def institution_can_run_classes(institution: Institution) -> tuple[bool, str]:
    """May the institution submit class applications now? (allowed, why not in Chinese).

    Recognised or filed institutions may; an enterprise training centre only once filed with
    the municipal bureau (R4.1). Applied, suspended and revoked institutions may not.
    """
    status = institution.status
    if institution.kind == InstitutionKind.ENTERPRISE_CENTRE:
        if status == S.FILED:
            return True, ""
        if status == S.RECOGNISED:
            return False, (
                "企业职工培训中心经区县人力社保局认定后，还须报市人力社保局备案，备案后才能申请开班 (R4.1)"
            )
    elif status in {S.RECOGNISED, S.FILED}:
        return True, ""
    if status == S.APPLIED:
        return False, "培训机构尚未经所在区县人力社保局认定（状态：已申请），认定后才能申请开班 (R4.1)"
    if status == S.SUSPENDED:
        return False, "培训机构已被暂停，恢复后才能申请开班 (R4.1)"
    return False, "培训机构已被撤销，不能申请开班 (R4.1)"


def institution_list(*, user: User) -> QuerySet[Institution]:
    """The institutions the user may see (narrowed by `filters.InstitutionFilter` on a list)."""
    return institution_policy.with_bank_account_readable(user, institution_policy.visible(user))


def institution_status_counts(*, user: User) -> dict[str, int]:
    """How many institutions in the user's scope are in each status (one query)."""
    rows = institution_policy.visible(user).order_by().values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(S.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def institution_get(*, institution_id: int, user: User) -> Institution:
    try:
        return institution_list(user=user).get(pk=institution_id)
    except Institution.DoesNotExist as exc:
        raise Http404("培训机构不存在") from exc


def bank_account_shown(*, user: User, institution: Institution) -> str:
    """The bank account as this user may read it: in full for the institution's operators, the
    officer of its district and the municipal admin, masked for everyone else."""
    if institution_policy.can(user, "view_bank_account", institution):
        return institution.bank_account
    return mask_bank_account(institution.bank_account)


def institution_recognitions(*, institution: Institution) -> QuerySet[InstitutionOccupation]:
    return institution.recognitions.select_related("occupation").order_by("occupation__code", "-level")


def institution_years(*, institution: Institution) -> QuerySet[InstitutionYear]:
    return institution.years.order_by("-year")


@dataclass(frozen=True)
class ScoreOverride:
    """A 综合评估 score typed by an officer over the computed one, with who typed it, when and
    why (the `year_set` entry of the institution's log that set the score in force)."""

    score: Decimal
    by: str
    at: datetime | None
    reason: str


def _overrides(scores: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], ScoreOverride]:
    """The overriding scores by (institution id, year), each with the latest `year_set` entry of
    the log that set it (one query)."""
    if not scores:
        return {}
    changes = (
        StateChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Institution),
            object_id__in=sorted({str(pk) for pk, _ in scores}),
            to_state="year_set",
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    setting: dict[tuple[int, int], StateChange] = {}
    for change in changes:
        before, after = (change.changes or {}).get("evaluation_score", [None, None])
        if after is not None and before != after:
            setting[(int(change.object_id), change.changes.get("year"))] = change  # the latest wins
    out = {}
    for key, score in scores.items():
        entry = setting.get(key)
        out[key] = ScoreOverride(
            score=score,
            by=str(entry.actor) if entry and entry.actor else "",
            at=entry.created_at if entry else None,
            reason=entry.reason if entry else "",
        )
    return out


def evaluation_overrides(*, year: int, institutions: QuerySet[Any] | list[int]) -> dict[int, ScoreOverride]:
    """The overriding 综合评估 scores of the year of the institutions (ids, or a query of them),
    by institution id. Two queries at most, whatever the number of institutions."""
    rows = InstitutionYear.objects.filter(
        year=year, evaluation_score__isnull=False, institution__in=institutions
    ).values_list("institution_id", "evaluation_score")
    scores = {(pk, year): score for pk, score in rows if score is not None}
    return {pk: o for (pk, _), o in _overrides(scores).items()}


def institution_year_overrides(*, institution: Institution) -> dict[int, ScoreOverride]:
    """The institution's overriding 综合评估 scores by year (two queries at most)."""
    rows = institution.years.filter(evaluation_score__isnull=False).values_list("year", "evaluation_score")
    scores = {(institution.pk, y): s for y, s in rows if s is not None}
    return {year: o for (_, year), o in _overrides(scores).items()}


@dataclass(frozen=True)
class ActionOption:
    to: str
    label: str
    to_label: str
    reason_required: bool
    final: bool


def institution_actions(*, user: User, institution: Institution) -> list[ActionOption]:
    """The status moves this user may make on the institution now (for the action forms)."""
    if not institution_policy.can(user, "change_status", institution):
        return []
    return [
        ActionOption(
            to=move.target,
            label=move.label,
            to_label=str(S(move.target).label),
            reason_required=move.reason_required,
            final=move.target == S.REVOKED,
        )
        for move in LIFECYCLE.allowed(institution, user)
    ]


def my_institutions(*, user: User) -> QuerySet[Institution]:
    return institution_policy.visible(user).filter(members=user)


def employer_list(*, user: User) -> QuerySet[Employer]:
    """The employers the user may see (narrowed by `filters.EmployerFilter` on a list)."""
    return employer_policy.visible(user)


def employer_get(*, employer_id: int, user: User) -> Employer:
    return employer_policy.get_visible(user, pk=employer_id)


def my_employers(*, user: User) -> QuerySet[Employer]:
    return employer_policy.visible(user).filter(members=user)


# The state-change history as an officer reads it ----------------------------------------------

EVENT_LABELS = {
    "registered": "自行注册",
    "recognition_added": "新增认定职业（工种）",
    "recognition_removed": "取消认定职业（工种）",
    "high_skill_base_set": "变更高技能人才培训基地",
    "year_set": "年度评估与培训计划额度",
    "details_changed": "修改单位信息",
}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: User | None
    event: str
    detail: str
    reason: str
    to_state: str


def _detail(model: type[Model], to_state: str, changes: dict[str, Any]) -> str:
    if to_state in {"recognition_added", "recognition_removed"}:
        occupation = f"{changes.get('occupation', '')} {changes.get('occupation_name', '')}"
        text = f"{occupation}（{level_label(changes.get('level'))}）"
        if changes.get("recognised_on"):
            text += f"，认定日期 {changes['recognised_on']}"
        return text
    if to_state == "high_skill_base_set":
        before, after = changes.get("high_skill_base", [None, None])
        return f"{HighSkillBase(before).label} → {HighSkillBase(after).label}"
    if to_state == "year_set":
        score, quota = changes.get("evaluation_score", [None, None]), changes.get("plan_quota", [None, None])
        return (
            f"{changes.get('year')} 年度：人工覆盖综合评估得分 {score[0] or '—'} → {score[1] or '—'}；"
            f"培训计划额度 {quota[0] if quota[0] is not None else '—'} → {quota[1]} 人次"
        )
    parts = []
    for field, values in changes.items():
        concrete = {f.name: f for f in model._meta.fields}
        label = concrete[field].verbose_name if field in concrete else field
        parts.append(f"{label}：{values[0] or '—'} → {values[1] or '—'}")
    return "；".join(parts)


def history_for(*, obj: Institution | Employer) -> list[HistoryEntry]:
    """Every logged change of an institution or employer, oldest first, in words."""
    entries = []
    for change in state_changes_for(obj=obj):
        if change.to_state in EVENT_LABELS:
            event = EVENT_LABELS[change.to_state]
        elif change.from_state:
            event = f"{choice_label(S, change.from_state)} → {choice_label(S, change.to_state)}"
        else:
            event = f"自行注册（{choice_label(S, change.to_state)}）"
        entries.append(
            HistoryEntry(
                at=change.created_at,
                actor=change.actor,
                event=event,
                detail=_detail(type(obj), change.to_state, change.changes or {}),
                reason=change.reason,
                to_state=change.to_state,
            )
        )
    return entries


# High-skill bases (R6.1): a property of the institutions, read by the home panels and the audit --


@dataclass(frozen=True)
class BaseProgress:
    institution: Institution
    tier: str
    person_times: int
    target: int
    finding: Any

    @property
    def below(self) -> bool:
        return self.finding is not None


def high_skill_bases(*, year: int, on: date) -> list[BaseProgress]:
    """Each national or municipal high-skill base's senior-level person-times this year: the
    enrolments in its classes of level 3–1 that end in `year` (read through the reverse relations,
    importing nothing of classes), against 600 / 300 (R6.1), in one query. The finding is the
    rule's own (W, flagged for the reviewer)."""
    params = params_on(on)
    targets: dict[str, int] = {
        HighSkillBase.NATIONAL: params.high_skill_base_national_target,
        HighSkillBase.MUNICIPAL: params.high_skill_base_municipal_target,
    }
    tiers: dict[str, BaseTier] = {HighSkillBase.NATIONAL: "national", HighSkillBase.MUNICIPAL: "municipal"}
    senior = Q(
        classes__level__isnull=False,
        classes__level__lte=3,
        classes__end_date__year=year,
        classes__enrolments__status="enrolled",
    )
    bases = (
        Institution.objects.filter(high_skill_base__in=list(targets))
        .select_related("district")
        .annotate(person_times=Count("classes__enrolments", filter=senior))
        .order_by("high_skill_base", "district__sort_order", "name")
    )
    return [
        BaseProgress(
            base,
            base.high_skill_base,
            base.person_times,
            targets[base.high_skill_base],
            check_high_skill_base(
                tier=tiers[base.high_skill_base], person_times_by_year=[base.person_times], on=on
            ),
        )
        for base in bases
    ]


# Third-party agencies (clause 七, R7.1) -------------------------------------------------------


def staff_agency_id(*, user: User) -> int | None:
    """The agency a third-party reviewer works for (None for every other role, without a query)."""
    if user.role != Role.THIRD_PARTY_REVIEWER:
        return None
    return AgencyStaff.objects.filter(user_id=user.pk).values_list("agency_id", flat=True).first()


def agency_list(*, user: User) -> QuerySet[ThirdPartyAgency]:
    """The agencies the user may see, each with how many of its contracts are in force today
    (narrowed by `filters.AgencyFilter` on the list)."""
    in_force = contracts_in_force().filter(agency_id=OuterRef("pk")).order_by().values("agency_id")
    return agency_policy.visible(user).annotate(
        contracts_in_force=Coalesce(
            Subquery(in_force.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
        ),
        staff_count=Count("staff", distinct=True),
    )


def agency_get(*, agency_id: int, user: User) -> ThirdPartyAgency:
    try:
        return agency_policy.visible(user).select_related("blacklisted_by").get(pk=agency_id)
    except ThirdPartyAgency.DoesNotExist as exc:
        raise Http404("第三方社会机构不存在") from exc


def contract_get(*, contract_id: int, agency: ThirdPartyAgency) -> ServiceContract:
    try:
        return agency.contracts.select_related("district").get(pk=contract_id)
    except ServiceContract.DoesNotExist as exc:
        raise Http404("服务合同不存在") from exc


@dataclass(frozen=True)
class ContractRow:
    contract: ServiceContract
    districts: list[str]
    in_force: bool
    may_end: bool


def agency_contracts(*, agency: ThirdPartyAgency, user: User) -> list[ContractRow]:
    """The agency's contracts, newest first, with whether each is in force and the user may end it."""
    today = timezone.localdate()
    contracts = agency.contracts.select_related("district").prefetch_related("districts")
    rows = []
    for contract in contracts:
        districts = sorted(contract.districts.all(), key=lambda d: (d.sort_order, d.code))
        in_force = contract.in_force_on(today) and agency.status == AgencyStatus.ACTIVE
        rows.append(
            ContractRow(
                contract,
                [d.name for d in districts],
                in_force,
                contract.in_force_on(today) and may_end_contract(user, contract),
            )
        )
    return rows


def agency_staff(*, agency: ThirdPartyAgency) -> QuerySet[AgencyStaff]:
    return agency.staff.select_related("user").order_by("user__username")


def agency_history(*, agency: ThirdPartyAgency) -> list[HistoryEntry]:
    """Every logged change of the agency, oldest first, in words."""
    entries = []
    for change in state_changes_for(obj=agency):
        if change.to_state in AGENCY_EVENTS:
            event = AGENCY_EVENTS[change.to_state]
        elif change.to_state == AgencyStatus.BLACKLISTED:
            event = "列入黑名单"
        else:
            event = "解除黑名单"
        entries.append(
            HistoryEntry(
                at=change.created_at,
                actor=change.actor,
                event=event,
                detail="",
                reason=change.reason,
                to_state=change.to_state,
            )
        )
    return entries


def agencies_engaged_by(*, user: User) -> QuerySet[ThirdPartyAgency]:
    """The agencies whose personal-data reads this user may see: every one for the admin and the
    auditor, those that ever contracted the officer's district for an officer (R7.1)."""
    if user.role in {Role.MUNICIPAL_ADMIN, Role.AUDITOR}:
        return ThirdPartyAgency.objects.all()
    if user.role == Role.DISTRICT_OFFICER and user.district_id is not None:
        return ThirdPartyAgency.objects.filter(
            Q(contracts__district_id=user.district_id) | Q(contracts__districts=user.district_id)
        ).distinct()
    return ThirdPartyAgency.objects.none()
