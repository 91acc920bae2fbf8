"""Who may see and act on subsidy claims.

The claimant's own users (the institution's operators, the employer's filers) see their claims;
district officers their district's; third-party reviewers the districts that engaged them (R7.1),
read-only but for their recommendation; the municipal admin and the auditor every district, the
auditor read-only. Final decisions are the district officers' and the admin's, never a third
party's (R7.1). ID numbers are masked on claim pages and in the API for every role; one person's
full number is revealed only on the person's page, by those the roster lets reveal it, and logged
(apps.trainees.permissions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import Role
from apps.catalog.permissions import in_visible_districts
from apps.core.permissions import PermissionPolicy, is_active_user
from apps.institutions.models import ContractScope
from apps.institutions.permissions import contract_districts

from .models import Claim, ClaimLine, ClaimStatus

if TYPE_CHECKING:
    from apps.accounts.models import User

# The permission action behind each move of the lifecycle, by the status it moves to.
ACTIONS: dict[str, str] = {
    ClaimStatus.SUBMITTED: "change",
    ClaimStatus.UNDER_REVIEW: "review",
    ClaimStatus.RETURNED: "review",
    ClaimStatus.REJECTED: "review",
}
CLAIMANT_ACTIONS = {"change"}
# Roles that inspect and never file: they see a claim only once it has been submitted.
UNSUBMITTED_HIDDEN_FROM = frozenset({Role.THIRD_PARTY_REVIEWER, Role.AUDITOR})
OFFICER_ACTIONS = {"review"}


# Who may act on one claim, called by the policy below and by the services.


def is_claimant(user: User, claim: Claim) -> bool:
    if not is_active_user(user):
        return False
    if claim.institution is not None and user.role == Role.INSTITUTION_OPERATOR:
        return claim.institution.members.filter(pk=user.pk).exists()
    if claim.employer is not None and user.role == Role.ENTERPRISE_FILER:
        return claim.employer.members.filter(pk=user.pk).exists()
    return False


def is_claim_officer(user: User, claim: Claim) -> bool:
    """Final decisions: the district's officers and the municipal admin; never a third party (R7.1)."""
    if not is_active_user(user):
        return False
    if user.role == Role.MUNICIPAL_ADMIN:
        return True
    return user.role == Role.DISTRICT_OFFICER and user.district_id == claim.district_id


def is_engaged_reviewer(user: User, claim: Claim) -> bool:
    """A third-party reviewer whose agency has a contract in force for claim audit (申领审核) in the
    claim's district (R7.1)."""
    return (
        is_active_user(user)
        and user.role == Role.THIRD_PARTY_REVIEWER
        and contract_districts(user, ContractScope.CLAIM_AUDIT).filter(pk=claim.district_id).exists()
    )


class ClaimPolicy(PermissionPolicy[Claim]):
    """Actions: list; add_class (institution operators: claims for their completed classes);
    add_enterprise (enterprise filers: direct, 以工代训 and apprenticeship claims); view; change
    (the claimant: recompute, materials, submit); review (decide lines, return, reject, approve);
    recommend (engaged third-party reviewers)."""

    model = Claim

    def visible(self, user: User) -> QuerySet[Claim]:
        if not is_active_user(user):
            return Claim.objects.none()
        if user.role == Role.INSTITUTION_OPERATOR:
            return Claim.objects.filter(institution__members=user)
        if user.role == Role.ENTERPRISE_FILER:
            return Claim.objects.filter(employer__members=user)
        claims = in_visible_districts(Claim.objects.all(), user)
        if user.role in UNSUBMITTED_HIDDEN_FROM:
            # A draft is the claimant's own work until it is submitted (issue 14).
            claims = claims.exclude(status=ClaimStatus.DRAFT)
        return claims

    def can(self, user: User, action: str, obj: Claim | None = None) -> bool:
        if not is_active_user(user):
            return False
        if action == "list":
            return True
        if action == "add_class":
            return user.role == Role.INSTITUTION_OPERATOR
        if action == "add_enterprise":
            return user.role == Role.ENTERPRISE_FILER
        if obj is None:
            return False
        if action == "view":
            return self.visible(user).filter(pk=obj.pk).exists()
        if action in CLAIMANT_ACTIONS:
            return is_claimant(user, obj)
        if action in OFFICER_ACTIONS:
            return is_claim_officer(user, obj)
        if action == "recommend":
            return is_engaged_reviewer(user, obj)
        return False


claim_policy = ClaimPolicy()


# The persons of claims, for the person policy (apps.trainees.permissions.register_person_scope):
# an enterprise's workers and apprentices are on no class roster, yet the officers who review their
# claims and the claimant who filed them must be able to reveal one person's ID number (logged).


def persons_seen_on_claims(user: User) -> Q | None:
    if not is_active_user(user):
        return None
    return _on_lines_of(claim_policy.visible(user))


def _revealing_claims(user: User) -> QuerySet[Claim] | None:
    """The claims on whose lines `user` may reveal a person, if their role may on any."""
    if user.role == Role.MUNICIPAL_ADMIN:
        return Claim.objects.all()
    if user.role == Role.DISTRICT_OFFICER:
        return Claim.objects.filter(district=user.district_id)
    if user.role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_FILER):
        return claim_policy.visible(user)
    return None


def persons_revealed_on_claims(user: User) -> Q | None:
    claims = _revealing_claims(user)
    return None if claims is None else _on_lines_of(claims)


def claim_shows_its_persons(user: User, claim: Claim) -> tuple[bool, bool]:
    """For the lines of one claim `user` sees: whether every person on them may be opened, and
    whether every one may be revealed, by the claims' own scopes above (a person on a line of a
    claim in scope is in scope). Then no line needs the person policy's EXISTS; where a scope does
    not cover the claim (False), the lines still ask it, since a roster may."""
    if not is_active_user(user):
        return False, False
    claims = _revealing_claims(user)
    if claims is None:
        return True, False
    if user.role == Role.MUNICIPAL_ADMIN:
        return True, True
    if user.role == Role.DISTRICT_OFFICER:
        return True, claim.district_id == user.district_id
    return True, claims.filter(pk=claim.pk).exists()


def _on_lines_of(claims: QuerySet[Claim]) -> Q:
    """A person with a line in one of `claims`: an EXISTS by person (through the lines' person
    index), so that marking a page of persons asks about those persons only, never lists every
    person of every claim in scope first (measured: 30 ms a marker on a district of 26,000 lines)."""
    return Q(Exists(ClaimLine.objects.filter(person=OuterRef("pk"), claim__in=claims)))
