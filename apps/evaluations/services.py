"""Recording an agency's 考评 for a quarter (once per evaluator and quarter), with the scorecard's
figures as they stood, and telling the agency's staff."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts.models import Role, User
from apps.core.errors import ApplicationError
from apps.core.services import state_change_record
from apps.institutions.models import ThirdPartyAgency
from apps.notices.services import notify

from .models import AgencyEvaluation, Grade
from .permissions import evaluation_policy
from .selectors import Quarter, scorecards


def evaluation_record(
    *, actor: User, agency: ThirdPartyAgency, quarter: Quarter, grade: str, comment: str
) -> AgencyEvaluation:
    evaluation_policy.check(actor, "evaluate", agency)
    if grade not in Grade.values:
        raise ApplicationError("请选择考评等次", field="grade")
    comment = comment.strip()
    if not comment:
        raise ApplicationError("请填写考评意见", field="comment")
    district = actor.district if actor.role == Role.DISTRICT_OFFICER else None
    districts = None if district is None else [district.pk]
    card = scorecards(quarter=quarter, districts=districts, agency_ids=[agency.pk])[agency.pk]
    try:
        with transaction.atomic():
            evaluation = AgencyEvaluation.objects.create(
                agency=agency,
                district=district,
                quarter=quarter.start,
                grade=grade,
                comment=comment,
                figures=card.figures(),
                evaluated_by=actor,
            )
            state_change_record(
                obj=evaluation,
                actor=actor,
                from_state="",
                to_state=grade,
                reason=comment,
                changes={"quarter": quarter.key, "figures": evaluation.figures},
            )
            who = district.name if district else "市人力社保局"
            notify(
                recipients=User.objects.filter(agency_staff__agency=agency, is_active=True),
                kind="agency_evaluated",
                title=f"{who}对{agency.name}{quarter.label}的考评：{evaluation.get_grade_display()}",
                body=comment,
                link=reverse("evaluations:detail", args=[agency.pk]) + f"?quarter={quarter.key}",
                exclude=actor,
            )
    except IntegrityError:
        raise ApplicationError(f"{quarter.label}已考评过该机构", field="grade") from None
    return evaluation
