"""Which institutions may submit class applications (for apps.classes): recognised or filed
ones; an enterprise training centre only once filed with the municipal bureau (R4.1)."""

import pytest

from apps.institutions.models import InstitutionKind, InstitutionStatus
from apps.institutions.selectors import institution_can_run_classes
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

S = InstitutionStatus
K = InstitutionKind

CASES = [
    pytest.param(K.DISTRICT_PRIVATE_SCHOOL, S.RECOGNISED, True, "", id="recognised school may"),
    pytest.param(K.TECHNICAL_COLLEGE, S.FILED, True, "", id="filed college may"),
    pytest.param(K.ENTERPRISE_CENTRE, S.FILED, True, "", id="filed enterprise centre may"),
    pytest.param(
        K.ENTERPRISE_CENTRE, S.RECOGNISED, False, "报市人力社保局备案", id="centre not yet filed may not"
    ),
    pytest.param(
        K.DISTRICT_PRIVATE_SCHOOL, S.APPLIED, False, "尚未经所在区县人力社保局认定", id="applied may not"
    ),
    pytest.param(
        K.ENTERPRISE_CENTRE, S.APPLIED, False, "尚未经所在区县人力社保局认定", id="applied centre may not"
    ),
    pytest.param(K.MUNICIPAL_PRIVATE_SCHOOL, S.SUSPENDED, False, "已被暂停", id="suspended may not"),
    pytest.param(K.ENTERPRISE_CENTRE, S.SUSPENDED, False, "已被暂停", id="suspended centre may not"),
    pytest.param(K.OTHER, S.REVOKED, False, "已被撤销", id="revoked may not"),
]


@pytest.mark.parametrize(("kind", "status", "allowed", "says"), CASES)
def test_institution_can_run_classes_r4_1(kind, status, allowed, says):
    ok, why = institution_can_run_classes(InstitutionFactory.build(kind=kind, status=status))
    assert ok is allowed
    if allowed:
        assert why == ""
    else:
        assert says in why and "R4.1" in why
