"""Who may see and act on institutions and employers.

Officers read and act in their own district, third-party reviewers read institutions in the
districts that engaged them (R7.1), the municipal admin and the auditor read everything (the
auditor never acts), operators and filers read their own organisation only. Bank accounts are
shown in full only to the institution's own operators, the officer of its district and the
municipal admin; everyone else sees them masked.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from apps.accounts.models import Role
from apps.catalog.models import District
from apps.catalog.permissions import in_visible_districts, may_edit_district
from apps.core.permissions import PermissionPolicy, is_active_user

from .models import (
    AgencyStaff,
    AgencyStatus,
    ContractScope,
    Employer,
    Institution,
    InstitutionStatus,
    ServiceContract,
    ThirdPartyAgency,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

# Roles that read institutions by district (the operator reads its own through membership).
INSTITUTION_READERS = frozenset(
    {Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.THIRD_PARTY_REVIEWER, Role.AUDITOR}
)
EMPLOYER_READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


def _bank_account_readable(user: User) -> Any:
    """An SQL expression: may `user` read the row's bank account unmasked?"""
    if user.role == Role.MUNICIPAL_ADMIN:
        return Value(True)
    if user.role == Role.DISTRICT_OFFICER:
        return ExpressionWrapper(Q(district_id=user.district_id), output_field=BooleanField())
    if user.role == Role.INSTITUTION_OPERATOR:
        return Exists(Institution.members.through.objects.filter(institution_id=OuterRef("pk"), user=user))
    return Value(False)


class InstitutionPolicy(PermissionPolicy[Institution]):
    """Actions: view, list, change_details (own operators), change_status (officer of the
    district or admin; the transition table narrows it further), file (admin), recognise
    (occupations and levels, yearly evaluation: officer of the district or admin), set_high_skill
    (admin), view_bank_account."""

    model = Institution

    def visible(self, user: User) -> QuerySet[Institution]:
        if not is_active_user(user):
            return Institution.objects.none()
        if user.role == Role.INSTITUTION_OPERATOR:
            qs = Institution.objects.filter(members=user)
        elif user.role in INSTITUTION_READERS:
            qs = in_visible_districts(Institution.objects.all(), user)
        else:
            return Institution.objects.none()
        return qs.select_related("district", "employer")

    def with_bank_account_readable(self, user: User, qs: QuerySet[Institution]) -> QuerySet[Institution]:
        """Annotate each row with whether `user` may read its bank account unmasked, so a page
        of rows is masked without a query per row."""
        return qs.annotate(bank_account_readable=_bank_account_readable(user))

    def can(self, user: User, action: str, obj: Institution | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in INSTITUTION_READERS or user.role == Role.INSTITUTION_OPERATOR
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "view_bank_account":
            readable = getattr(obj, "bank_account_readable", None)
            if readable is not None:
                return bool(readable)
            return self.visible(user).filter(_bank_account_readable(user), pk=obj.pk).exists()
        if action == "change_details":
            return user.role == Role.INSTITUTION_OPERATOR and obj.members.filter(pk=user.pk).exists()
        if action in {"change_status", "recognise"}:
            return may_edit_district(user, obj.district)
        if action in {"file", "set_high_skill"}:
            return user.role == Role.MUNICIPAL_ADMIN
        if action == "recommend":
            return obj.status == InstitutionStatus.APPLIED and is_engaged_institution_reviewer(user, obj)
        return False


def is_engaged_institution_reviewer(user: User, institution: Institution) -> bool:
    """A third-party agency's staff with a contract in force for institution review (机构审核) in
    the institution's district: pre-reviews its application, never decides (R7.1)."""
    return bool(
        is_active_user(user)
        and user.role == Role.THIRD_PARTY_REVIEWER
        and contract_districts(user, ContractScope.INSTITUTION_REVIEW)
        .filter(pk=institution.district_id)
        .exists()
    )


class EmployerPolicy(PermissionPolicy[Employer]):
    """Actions: view, list, change_details (own filers)."""

    model = Employer

    def visible(self, user: User) -> QuerySet[Employer]:
        if not is_active_user(user):
            return Employer.objects.none()
        if user.role == Role.ENTERPRISE_FILER:
            qs = Employer.objects.filter(members=user)
        elif user.role in EMPLOYER_READERS:
            qs = in_visible_districts(Employer.objects.all(), user)
        else:
            return Employer.objects.none()
        return qs.select_related("district", "parent")

    def can(self, user: User, action: str, obj: Employer | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in EMPLOYER_READERS or user.role == Role.ENTERPRISE_FILER
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "change_details":
            return user.role == Role.ENTERPRISE_FILER and obj.members.filter(pk=user.pk).exists()
        return False


institution_policy = InstitutionPolicy()
employer_policy = EmployerPolicy()


# Third-party agencies (clause 七, R7.1) -------------------------------------------------------

BLACKLISTED_MESSAGE = "所在第三方机构已被列入黑名单，账号已停止使用；如有疑问请联系委托区县人力社保局"
CONTRACT_ENDED_MESSAGE = (
    "服务合同已到期（或已终止、尚未生效），第三方机构人员账号已停止使用；请联系委托区县人力社保局"
)
AGENCY_READERS = frozenset({Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})


def contracts_in_force(day: date | None = None) -> QuerySet[ServiceContract]:
    """Contracts in force on `day` (today): begun, not ended, not terminated, agency not blacklisted."""
    day = day or timezone.localdate()
    return ServiceContract.objects.filter(
        starts_on__lte=day, ends_on__gte=day, terminated_on__isnull=True, agency__status=AgencyStatus.ACTIVE
    )


def contract_districts(user: User, scope: str | None = None) -> QuerySet[District]:
    """The districts where this third-party reviewer may act today: those of the active contracts
    of their agency, for `scope` (a ContractScope) or for any (R7.1). The catalog's
    `engaged_districts` (and so every district scope of the portal) reads this."""
    if not is_active_user(user) or user.role != Role.THIRD_PARTY_REVIEWER:
        return District.objects.none()
    contracts = contracts_in_force().filter(agency__staff__user=user)
    if scope is not None:
        if scope not in ContractScope.values:
            raise ValueError(f"unknown contract scope {scope}")
        contracts = contracts.filter(**{scope: True})
    return District.objects.filter(pk__in=contracts.values("districts"))


def agency_access_refusal(user: User) -> str | None:
    """Why a third-party reviewer may no longer use the portal, or None (registered as an access
    guard of apps.accounts, asked on every request of theirs): their agency is blacklisted, or
    none of its contracts is in force today. One query on the staff row (unique user) and the
    contracts' (agency, ends_on, starts_on) index; other roles ask nothing. A reviewer attached to
    no agency is not refused: they have no district to act in."""
    if user.role != Role.THIRD_PARTY_REVIEWER:
        return None
    today = timezone.localdate()
    in_force = ServiceContract.objects.filter(
        agency_id=OuterRef("agency_id"), ends_on__gte=today, starts_on__lte=today, terminated_on__isnull=True
    )
    row = (
        AgencyStaff.objects.filter(user_id=user.pk)
        .annotate(in_force=Exists(in_force))
        .values_list("agency__status", "in_force")
        .first()
    )
    if row is None:
        return None
    status, has_contract = row
    if status == AgencyStatus.BLACKLISTED:
        return BLACKLISTED_MESSAGE
    return None if has_contract else CONTRACT_ENDED_MESSAGE


def agency_engages_district(agency: ThirdPartyAgency, district_id: int | None) -> bool:
    """Has this district ever signed a contract with the agency?"""
    return district_id is not None and agency.contracts.filter(district_id=district_id).exists()


class AgencyPolicy(PermissionPolicy[ThirdPartyAgency]):
    """Actions: list, view; add (admin, officers); add_contract (admin; an officer for their own
    district, services check the district); attach_staff (admin; an officer whose district
    contracts the agency); blacklist (admin; an officer whose district contracts it); lift (admin).
    Admin, officers and the auditor see every agency (a blacklist concerns every district); a
    reviewer sees their own."""

    model = ThirdPartyAgency

    def visible(self, user: User) -> QuerySet[ThirdPartyAgency]:
        if not is_active_user(user):
            return ThirdPartyAgency.objects.none()
        if user.role in AGENCY_READERS:
            return ThirdPartyAgency.objects.all()
        if user.role == Role.THIRD_PARTY_REVIEWER:
            return ThirdPartyAgency.objects.filter(staff__user=user)
        return ThirdPartyAgency.objects.none()

    def can(self, user: User, action: str, obj: ThirdPartyAgency | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return user.role in AGENCY_READERS or user.role == Role.THIRD_PARTY_REVIEWER
        if action == "add":
            return user.role in {Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER}
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action == "view_reads":
            return user.role in AGENCY_READERS
        if user.role == Role.MUNICIPAL_ADMIN:
            return action in {"add_contract", "attach_staff", "blacklist", "lift"}
        if user.role != Role.DISTRICT_OFFICER:
            return False
        if action == "add_contract":
            return True
        if action in {"attach_staff", "blacklist"}:
            return agency_engages_district(obj, user.district_id)
        return False


def may_end_contract(user: User, contract: ServiceContract) -> bool:
    """The admin, or an officer of the district that signed it."""
    if not is_active_user(user):
        return False
    if user.role == Role.MUNICIPAL_ADMIN:
        return True
    return user.role == Role.DISTRICT_OFFICER and user.district_id == contract.district_id


agency_policy = AgencyPolicy()
