"""The demo world of `make run`: the users of the README, a recognised private school in
渝中区, an enterprise in 万州区, and rate tables for both districts (effective 2021-03-01).

Idempotent: running it twice changes nothing. Rates follow RULES.md's demo standards
(S: 初级 1000, 中级 1500, 高级 2500, 技师 3500, 高级技师 5000; 专项 800) and the floors of R1.2–R1.4.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from apps.accounts.models import Role, User
from apps.accounts.services import user_create
from apps.catalog.imports import parse_occupation_rows
from apps.catalog.models import District, Occupation, RateRow
from apps.catalog.services import occupations_import, rate_row_save
from apps.core.services import state_change_record
from apps.institutions.models import Employer, Institution, InstitutionKind, InstitutionStatus

DEMO_PASSWORD = "Demo-2021"  # noqa: S105 - published in the README for the demo only
POLICY_START = date(2021, 3, 1)

USERS = [
    # username, role, full name, district code
    ("admin", Role.MUNICIPAL_ADMIN, "市局管理员", None),
    ("officer.yuzhong", Role.DISTRICT_OFFICER, "渝中区经办人", "500103"),
    ("officer.wanzhou", Role.DISTRICT_OFFICER, "万州区经办人", "500101"),
    ("reviewer", Role.THIRD_PARTY_REVIEWER, "第三方审核员", None),
    ("school", Role.INSTITUTION_OPERATOR, "培训学校经办人", "500103"),
    ("enterprise", Role.ENTERPRISE_FILER, "企业申报人", "500101"),
    ("auditor", Role.AUDITOR, "审计人员", None),
]

STANDARDS = {
    5: Decimal("1000"),
    4: Decimal("1500"),
    3: Decimal("2500"),
    2: Decimal("3500"),
    1: Decimal("5000"),
}
SPECIAL_STANDARD = Decimal("800")

# district code → {major category: {level: rate}}; None is 专项职业能力.
CATEGORY_RATES = {
    "500103": {
        6: {5: "150", 4: "160", 3: "180", 2: "190", 1: "200"},
        4: {5: "130", 4: "140", 3: "150", 2: "160", 1: "170", None: "130"},
        5: {5: "130", 4: "130", 3: "150", 2: "150", 1: "150", None: "130"},
    },
    "500101": {
        6: {5: "155", 4: "165", 3: "185", 2: "195", 1: "200"},
        4: {5: "135", 4: "145", 3: "155", 2: "165", 1: "175", None: "135"},
        5: {5: "130", 4: "135", 3: "150", 2: "150", 1: "150", None: "130"},
    },
}
# New occupations outside categories 2 and 6: rate fixed at 150 / 180 (R1.4); H set by the district.
NEW_OCCUPATION_ROWS = [("4-04-05-05", 4, 64), ("4-04-05-05", 3, 80), ("4-13-01-05", 4, 60)]


def _users(districts: dict[str, District]) -> dict[str, User]:
    users = {}
    for username, role, full_name, code in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                full_name=full_name,
                district=districts[code] if code else None,
                is_staff=role == Role.MUNICIPAL_ADMIN,
            )
            if role == Role.MUNICIPAL_ADMIN:
                user.is_superuser = True
                user.save(update_fields=["is_superuser"])
        users[username] = user
    users["reviewer"].engaged_districts.add(districts["500103"])
    return users


def _organisations(districts: dict[str, District], users: dict[str, User]) -> None:
    school, created = Institution.objects.get_or_create(
        uscc="52500103MJP123456Y",
        defaults={
            "name": "重庆市渝中区匠心职业培训学校",
            "kind": InstitutionKind.DISTRICT_PRIVATE_SCHOOL,
            "district": districts["500103"],
            "address": "重庆市渝中区解放碑民族路 100 号",
            "contact_name": "张老师",
            "contact_phone": "023-63000000",
            "status": InstitutionStatus.RECOGNISED,
        },
    )
    if created:
        state_change_record(
            obj=school,
            actor=users["officer.yuzhong"],
            from_state=InstitutionStatus.APPLIED,
            to_state=InstitutionStatus.RECOGNISED,
            reason="演示数据：经区县人力社保局认定",
        )
    school.members.add(users["school"])
    employer, _ = Employer.objects.get_or_create(
        uscc="91500101MA5U12345B",
        defaults={
            "name": "重庆三峡智能装备有限公司",
            "district": districts["500101"],
            "is_classified": False,
        },
    )
    employer.members.add(users["enterprise"])


def _rate_tables(districts: dict[str, District], users: dict[str, User]) -> None:
    admin = users["admin"]
    for code, categories in CATEGORY_RATES.items():
        district = districts[code]
        for category, levels in categories.items():
            for level, rate in levels.items():
                if RateRow.objects.filter(district=district, major_category=category, level=level).exists():
                    continue
                rate_row_save(
                    actor=admin,
                    district=district,
                    occupation=None,
                    major_category=category,
                    level=level,
                    standard=SPECIAL_STANDARD if level is None else STANDARDS[level],
                    rate=Decimal(rate),
                    effective_from=POLICY_START,
                    reason="演示数据：按渝人社发〔2021〕12号折算",
                )
        for occupation_code, level, hours in NEW_OCCUPATION_ROWS:
            occupation = Occupation.objects.get(code=occupation_code)
            if RateRow.objects.filter(district=district, occupation=occupation, level=level).exists():
                continue
            rate_row_save(
                actor=admin,
                district=district,
                occupation=occupation,
                major_category=None,
                level=level,
                standard=None,
                rate=Decimal("150" if level >= 4 else "180"),
                class_hours=hours,
                effective_from=POLICY_START,
                reason="演示数据：新职业按第一条调整为 150/180 元",
            )


@transaction.atomic
def load_demo(*, occupations_file: str) -> dict[str, User]:
    occupations_import(rows=parse_occupation_rows(occupations_file))
    districts = {d.code: d for d in District.objects.filter(code__in=["500103", "500101"])}
    users = _users(districts)
    _organisations(districts, users)
    _rate_tables(districts, users)
    return users
