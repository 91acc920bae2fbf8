"""Every role of the permission matrix, around one institution and one employer in 渝中区."""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import NumberedEmployerFactory, NumberedInstitutionFactory, UserFactory, district

ROLES = [
    "municipal_admin",
    "officer_of_district",
    "officer_other_district",
    "reviewer_engaged",
    "reviewer_not_engaged",
    "operator_own",
    "operator_other",
    "filer_own",
    "filer_other",
    "auditor",
    "anonymous",
]


@dataclass
class World:
    institution: Any
    other_institution: Any
    employer: Any
    other_employer: Any
    users: dict[str, Any]

    def user(self, role: str) -> Any:
        return self.users.get(role)


@pytest.fixture
def world(db) -> World:
    yuzhong, wanzhou = district("500103"), district("500101")
    users = {
        "municipal_admin": UserFactory(municipal_admin=True),
        "officer_of_district": UserFactory(officer=True, district=yuzhong),
        "officer_other_district": UserFactory(officer=True, district=wanzhou),
        "reviewer_engaged": UserFactory(reviewer=True, engaged=[yuzhong]),
        "reviewer_not_engaged": UserFactory(reviewer=True, engaged=[wanzhou]),
        "operator_own": UserFactory(operator=True, district=yuzhong),
        "operator_other": UserFactory(operator=True, district=wanzhou),
        "filer_own": UserFactory(filer=True, district=yuzhong),
        "filer_other": UserFactory(filer=True, district=wanzhou),
        "auditor": UserFactory(auditor=True),
    }
    institution = NumberedInstitutionFactory(name="渝中区匠心职业培训学校", members=[users["operator_own"]])
    other = NumberedInstitutionFactory(
        wanzhou=True, name="万州区职业培训学校", members=[users["operator_other"]]
    )
    employer = NumberedEmployerFactory(
        yuzhong=True, name="重庆渝中制造有限公司", members=[users["filer_own"]]
    )
    other_employer = NumberedEmployerFactory(name="重庆万州制造有限公司", members=[users["filer_other"]])
    return World(institution, other, employer, other_employer, users)


def login(client: Any, user: Any) -> Any:
    if user is not None:
        client.force_login(user)
    return client


def api_login(api_client: Any, user: Any) -> Any:
    if user is not None:
        api_client.force_authenticate(user)
    return api_client
