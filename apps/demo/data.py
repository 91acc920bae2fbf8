"""The demo world of `make run`: the users of the README, a recognised private school in
渝中区 with its recognised occupations and yearly plans, a school there awaiting recognition, an
enterprise in 万州区 with a training centre awaiting filing, three claims of 2021 waiting for
review (with something for the batch audit to find), a booked 以工代训 claim of May and August
and an apprenticeship's early end and advance waiting for review, and rate tables for both
districts (effective 2021-03-01), and last week's process-supervision draw in 渝中区
(a running 中式烹调师 class, two inspections, one visited with an absence: a finding A7), and the
trainees' word on the April staff-training claim (one confirmed, one disputed: a finding A8), and
a school in 万州区 whose June 2021 class's living allowance waits for review (for a what-if). The
decisions made through the services leave their 消息 notices (the school's recognitions, the
enterprise's approval, the officers' new work).

Idempotent: running it twice changes nothing. Rates follow docs/rules.md's demo standards
(S: 初级 1000, 中级 1500, 高级 2500, 技师 3500, 高级技师 5000; 专项 800) and the floors of R1.2–R1.4.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.services import user_create
from apps.catalog.imports import parse_occupation_rows
from apps.catalog.models import District, Occupation, RateRow
from apps.catalog.services import occupations_import, rate_row_save
from apps.claims.models import Claim, ClaimKind, ClaimStatus
from apps.claims.services.class_claims import claim_create_living_allowance
from apps.claims.services.employer_claims import (
    Apprentice,
    EnterpriseTrainee,
    EnterpriseTraining,
    WorkerMonths,
    claim_create_apprenticeship,
    claim_create_enterprise_direct,
    claim_create_work_for_training,
)
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.review import claim_lines_approve_pending
from apps.classes.models import ClassStatus, SessionMode
from apps.classes.services import SessionInput, class_create, class_transition
from apps.confirmations.models import ANSWERED, ConfirmationRequest, ConfirmationStatus
from apps.confirmations.services import confirmation_answer, confirmation_deliver
from apps.core.services import state_change_record
from apps.inspections.models import InspectionDraw
from apps.inspections.services import inspection_draw, inspection_record, week_of
from apps.institutions.models import (
    ContractScope,
    Employer,
    Institution,
    InstitutionKind,
    InstitutionOccupation,
    InstitutionStatus,
    InstitutionYear,
    ThirdPartyAgency,
)
from apps.institutions.services import (
    agency_create,
    agency_staff_attach,
    contract_create,
    institution_recognition_add,
    institution_transition,
    institution_year_set,
)
from apps.ledger.models import Allocation
from apps.ledger.services import allocation_set, claim_approve
from apps.notices.selectors import district_officers
from apps.notices.services import notify
from apps.publicity.models import PublicNotice
from apps.publicity.services import notice_publish, objection_answer, objection_file
from apps.rules.identity import id_check_character, uscc_check_character
from apps.trainees.models import AttendanceSource
from apps.trainees.services.attendance import attendance_entry, attendance_save_many
from apps.trainees.services.enrolment import enrolment_create
from apps.trainees.services.persons import person_register_or_get
from apps.trainees.services.results import result_record

DEMO_PASSWORD = "Demo-2021"  # noqa: S105  # nosec B105  # published in the README, demo only
POLICY_START = date(2021, 3, 1)

USERS = [
    # username, role, full name, district code
    ("admin", Role.MUNICIPAL_ADMIN, "市局管理员", None),
    ("officer.yuzhong", Role.DISTRICT_OFFICER, "渝中区经办人", "500103"),
    ("officer.wanzhou", Role.DISTRICT_OFFICER, "万州区经办人", "500101"),
    ("reviewer", Role.THIRD_PARTY_REVIEWER, "第三方审核员", None),
    ("school", Role.INSTITUTION_OPERATOR, "培训学校经办人", "500103"),
    ("school.wanzhou", Role.INSTITUTION_OPERATOR, "万州区培训学校经办人", "500101"),
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
CATEGORY_RATES: dict[str, dict[int, dict[int | None, str]]] = {
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
    return users


def _agency(districts: dict[str, District], users: dict[str, User]) -> None:
    """The demo reviewer works for a third-party agency that 渝中区 engaged for claim audit,
    institution review and process supervision until the end of next year (R7.1)."""
    code = "52500103MJQ718290"
    code += uscc_check_character(code)
    if ThirdPartyAgency.objects.filter(uscc=code).exists():
        return
    officer = users["officer.yuzhong"]
    agency = agency_create(
        actor=users["admin"],
        name="重庆正信社会评估服务中心",
        uscc=code,
        contact_name="陈主任",
        contact_phone="023-63001234",
    )
    yuzhong = districts["500103"]
    contract_create(
        actor=officer,
        agency=agency,
        number="YZ-ZFGM-2021-01",
        district=yuzhong,
        districts=[yuzhong],
        scopes=[
            ContractScope.CLAIM_AUDIT,
            ContractScope.INSTITUTION_REVIEW,
            ContractScope.PROCESS_SUPERVISION,
        ],
        starts_on=POLICY_START,
        ends_on=date(timezone.localdate().year + 1, 12, 31),
        amount=Decimal("180000"),
    )
    agency_staff_attach(actor=officer, agency=agency, username="reviewer")


def _recognised_school(
    uscc: str, district: District, officer: User, operator: User, **values: Any
) -> Institution:
    """A private school of `district`, recognised by its `officer` (logged as such), `operator`
    one of its members."""
    school, created = Institution.objects.get_or_create(
        uscc=uscc,
        defaults={
            **values,
            "kind": InstitutionKind.DISTRICT_PRIVATE_SCHOOL,
            "district": district,
            "status": InstitutionStatus.RECOGNISED,
        },
    )
    if created:
        state_change_record(
            obj=school,
            actor=officer,
            from_state=InstitutionStatus.APPLIED,
            to_state=InstitutionStatus.RECOGNISED,
            reason="演示数据：经区县人力社保局认定",
        )
    school.members.add(operator)
    return school


def _organisations(districts: dict[str, District], users: dict[str, User]) -> None:
    school = _recognised_school(
        "52500103MJP123456Y",
        districts["500103"],
        users["officer.yuzhong"],
        users["school"],
        name="重庆市渝中区匠心职业培训学校",
        address="重庆市渝中区解放碑民族路 100 号",
        contact_name="张老师",
        contact_phone="023-63000000",
        bank_name="中国工商银行重庆解放碑支行",
        bank_account="3100021509024567890",
    )
    employer, _ = Employer.objects.get_or_create(
        uscc="91500101MA5U12345B",
        defaults={
            "name": "重庆三峡智能装备有限公司",
            "district": districts["500101"],
            "is_classified": False,
        },
    )
    employer.members.add(users["enterprise"])
    _recognitions(school, users["officer.yuzhong"])
    _years(school, users["officer.yuzhong"])
    _applicant(districts["500103"])
    _training_centre(employer, users["officer.wanzhou"])


# The school's recognised occupations and levels (R4.1); level 3 of 中式烹调师 is the district's
# recognition for 高级工 that R6.2 asks of a district-level private school.
RECOGNITIONS = [
    ("4-03-02-01", 5),
    ("4-03-02-01", 4),
    ("4-03-02-01", 3),
    ("6-31-01-03", 5),
    ("6-31-01-03", 4),
    ("4-10-01-06", 5),
]


def _recognitions(school: Institution, officer: User) -> None:
    for code, level in RECOGNITIONS:
        occupation = Occupation.objects.get(code=code)
        if InstitutionOccupation.objects.filter(
            institution=school, occupation=occupation, level=level
        ).exists():
            continue
        institution_recognition_add(
            institution=school,
            actor=officer,
            occupation=occupation,
            level=level,
            recognised_on=date(2021, 3, 15),
            reason="演示数据：经区县人力社保局现场核查认定",
        )


def _years(school: Institution, officer: User) -> None:
    plans = {2021: (Decimal("86.50"), 400), timezone.localdate().year: (None, 450)}
    for year, (score, quota) in plans.items():
        if InstitutionYear.objects.filter(institution=school, year=year).exists():
            continue
        institution_year_set(
            institution=school,
            actor=officer,
            year=year,
            evaluation_score=score,
            plan_quota=quota,
            reason="演示数据：年度培训计划",
        )


def _applicant(district: District) -> None:
    """A school that registered itself and waits for the district's recognition."""
    applicant, created = Institution.objects.get_or_create(
        uscc="52500103MJP6543212",
        defaults={
            "name": "重庆市渝中区启航职业技能培训学校",
            "kind": InstitutionKind.DISTRICT_PRIVATE_SCHOOL,
            "district": district,
            "address": "重庆市渝中区大坪正街 20 号",
            "contact_name": "陈校长",
            "contact_phone": "023-68000000",
            "bank_name": "中国建设银行重庆大坪支行",
            "bank_account": "50001063600052012345",
            "status": InstitutionStatus.APPLIED,
        },
    )
    if created:
        state_change_record(
            obj=applicant,
            actor=None,
            from_state="",
            to_state=InstitutionStatus.APPLIED,
            reason="演示数据：机构自行注册，等待所在区县人力社保局认定",
        )
        # What institution_register tells the district's officers.
        notify(
            recipients=district_officers(district_id=district.pk),
            kind="institution_applied",
            title=f"新的培训机构申请认定：{applicant.name}",
            body=f"{applicant.get_kind_display()}，统一社会信用代码 {applicant.uscc}，等待本区县认定 (R4.1)",
            link=reverse("institutions:institution_detail", args=[applicant.pk]),
        )


def _training_centre(employer: Employer, officer: User) -> None:
    """The enterprise's training centre: recognised by 万州区, awaiting filing with the municipal
    bureau (R4.1), so it may not apply for classes yet."""
    centre, created = Institution.objects.get_or_create(
        uscc=employer.uscc,
        defaults={
            "name": f"{employer.name}职工培训中心",
            "kind": InstitutionKind.ENTERPRISE_CENTRE,
            "district": employer.district,
            "employer": employer,
            "address": "重庆市万州区经开区 1 号",
            "contact_name": "刘主任",
            "contact_phone": "023-58000000",
            "status": InstitutionStatus.APPLIED,
        },
    )
    if created:
        institution_transition(
            institution=centre,
            actor=officer,
            to=InstitutionStatus.RECOGNISED,
            reason="演示数据：参照民办职业培训机构设置标准认定",
        )


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


# Special-account allocations (R8.2): the policy year and the current one, for both districts.
ALLOCATIONS = {"500103": ("3000000", "500000", "300000"), "500101": ("2000000", "400000", "200000")}


def _allocations(districts: dict[str, District], users: dict[str, User]) -> None:
    for code, (amount, wft, living) in ALLOCATIONS.items():
        for year in sorted({2021, timezone.localdate().year}):
            if not Allocation.objects.filter(district=districts[code], year=year).exists():
                allocation_set(
                    actor=users["admin"],
                    district=districts[code],
                    year=year,
                    amount=Decimal(amount),
                    work_for_training_share=Decimal(wft),
                    living_allowance_share=Decimal(living),
                )


# The enterprise's claims of 2021, submitted for review, which the batch audit has something to
# say about: 王建国 was claimed for 以工代训 in April and May, then trained in April (R3.4: the
# training is filed after the 以工代训 months it overlaps; filed the other way round, the 以工代训
# quote would not pay April and the line's months, which the audit compares, would be May only);
# 李春梅 was trained as a 中级 车工 twice, in April and in September (R10.2). The per-claim checks
# flag both as the claims are made; the batch audit finds them again across claims.
DEMO_WORKERS = [
    # name, birth date, serial (the ID number's positions 15–17), mobile (the confirmation's text
    # message: the console in `make run` shows each one's link and code)
    ("王建国", "19850312", "031", "13800000031"),
    ("李春梅", "19900708", "042", "13800000042"),
    ("赵志强", "19921125", "053", "13800000053"),
]


def _demo_id_number(birth: str, serial: str) -> str:
    first = f"500101{birth}{serial}"
    return first + id_check_character(first)


def _audit_demo_claims(users: dict[str, User]) -> None:
    employer = Employer.objects.get(uscc="91500101MA5U12345B")
    if Claim.objects.filter(employer=employer).exists():
        return
    filer = users["enterprise"]
    workers = [
        person_register_or_get(id_number=_demo_id_number(birth, serial), name=name, phone=phone)
        for name, birth, serial, phone in DEMO_WORKERS
    ]
    lathe = Occupation.objects.get(code="6-18-01-01")
    april = EnterpriseTraining(
        name="数控车工岗位技能提升培训（第一期）",
        occupation=lathe,
        level=4,
        start=date(2021, 4, 6),
        end=date(2021, 4, 30),
    )
    # The same occupation at the same level again (R10.2).
    september = replace(
        april, name="数控车工岗位技能提升培训（第二期）", start=date(2021, 9, 6), end=date(2021, 9, 30)
    )
    claims = [
        claim_create_work_for_training(
            actor=filer,
            employer=employer,
            workers=[WorkerMonths(person=workers[0], months=["2021-04", "2021-05"])],
            year=2021,
        ),
        claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=april,
            trainees=[EnterpriseTrainee(person=w, relation="employee", attended_offline=80) for w in workers],
        ),
        claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=september,
            trainees=[EnterpriseTrainee(person=workers[1], relation="employee", attended_offline=80)],
        ),
    ]
    for claim in claims:
        claim_transition(claim=claim, actor=filer, to=ClaimStatus.SUBMITTED, reason="演示数据：企业提交申领")


# Money across claims (issue 13): 赵志强's 以工代训 of May and August 2021 is approved and booked,
# so a claim for July (between them) is paid; and an apprentice's early end (bankruptcy after 15 of
# 24 months: 5,000) and opening advance (4,000) wait for review: approved in either order they book
# 5,000 in all.
APPRENTICE = ("钱学徒", "19980215", "064")


def _money_demo_claims(users: dict[str, User]) -> None:
    employer = Employer.objects.get(uscc="91500101MA5U12345B")
    if Claim.objects.filter(employer=employer, kind=ClaimKind.APPRENTICESHIP).exists():
        return
    filer, officer = users["enterprise"], users["officer.wanzhou"]
    zhao = person_register_or_get(id_number=_demo_id_number(*DEMO_WORKERS[2][1:3]), name=DEMO_WORKERS[2][0])
    months = claim_create_work_for_training(
        actor=filer,
        employer=employer,
        workers=[WorkerMonths(person=zhao, months=["2021-05", "2021-08"])],
        year=2021,
    )
    claim_transition(claim=months, actor=filer, to=ClaimStatus.SUBMITTED, reason="演示数据：企业提交申领")
    claim_lines_approve_pending(claim=months, actor=officer)
    claim_approve(claim=months, actor=officer, reason="演示数据：审核通过")

    apprentice = person_register_or_get(id_number=_demo_id_number(*APPRENTICE[1:]), name=APPRENTICE[0])
    opened: dict[str, Any] = {
        "person": apprentice,
        "start": date(2021, 4, 1),
        "end": date(2023, 3, 31),
        "planned_months": 24,
    }
    stages: tuple[tuple[str, dict[str, Any]], ...] = (
        ("early_end", {"actual_months": 15, "early_end": "bankruptcy"}),
        ("advance", {}),
    )
    for stage, values in stages:
        claim = claim_create_apprenticeship(
            actor=filer,
            employer=employer,
            stage=stage,
            apprentices=[Apprentice(**opened, **values)],
            year=2021,
        )
        claim_transition(claim=claim, actor=filer, to=ClaimStatus.SUBMITTED, reason="演示数据：企业提交申领")


def _publicity_demo(users: dict[str, User]) -> None:
    """万州区 publishes its approved claim (公示, running from today); a visitor objected to it and
    the officer answered (不成立): the notice, its masked lines and the answered objection show."""
    wanzhou = District.objects.get(code="500101")
    if PublicNotice.objects.filter(district=wanzhou).exists():
        return
    officer = users["officer.wanzhou"]
    notice = notice_publish(actor=officer, district=wanzhou)
    objection = objection_file(
        notice=notice,
        name="刘女士",
        contact="13900000000",
        text="演示数据：该职工当月是否在岗，请核实。",
    )
    objection_answer(
        actor=officer,
        objection=objection,
        upheld=False,
        answer="演示数据：经核对工资发放和考勤记录，该职工当月在岗。",
    )


# Process supervision (issue 18): the school's full-time 中式烹调师 class ran last week, mornings
# and afternoons Monday to Saturday (12 sessions); its three trainees signed in for every one.
# 渝中区's week is drawn at the default rate (10 %: 2 of the 12 sessions), one inspection each to
# the officer and the engaged reviewer; the officer's visit saw 孙缺勤 absent: a finding (A7).
COOKS = [("周认真", "19950310", "071"), ("吴按时", "19960422", "082"), ("孙缺勤", "19970514", "093")]
DRAW_SEED = 20210301


def _yuzhong_id_number(birth: str, serial: str) -> str:
    first = f"500103{birth}{serial}"
    return first + id_check_character(first)


def _demo_sign_ins(
    training_class: Any, enrolments: list[Any], operator: User, sessions: int | None = None
) -> None:
    """Every trainee signed in five minutes early and out at the end of every session (or of the
    first `sessions`; a sign-in sheet entered through the attendance service)."""
    rows = []
    for session in training_class.sessions.order_by("date", "start_time")[:sessions]:
        start = timezone.make_aware(datetime.combine(session.date, session.start_time))
        end = timezone.make_aware(datetime.combine(session.date, session.end_time))
        rows += [
            attendance_entry(
                session=session,
                enrolment=enrolment,
                minutes=None,
                mode=session.mode,
                signed_in_at=start - timedelta(minutes=5),
                signed_out_at=end,
            )
            for enrolment in enrolments
        ]
    attendance_save_many(
        actor=operator,
        training_class=training_class,
        rows=rows,
        source=AttendanceSource.SIGN_IN_SHEET,
        reason="演示数据：录入签到表",
    )


def _cooking_class(
    operator: User,
    officer: User,
    school: Institution,
    sessions: list[SessionInput],
    days: tuple[date, date, date],
    **values: Any,
) -> Any:
    """A full-time 中式烹调师 class of `school` over its sessions' days, submitted, approved and
    started on `days` (three dates, in that order)."""
    training_class = class_create(
        actor=operator,
        institution=school,
        values={
            **values,
            "occupation": Occupation.objects.get(code="4-03-02-01"),
            "organisation_mode": "concentrated",
            "schedule_pattern": "full_time",
            "start_date": sessions[0].date,
            "end_date": sessions[-1].date,
        },
        sessions=sessions,
    )
    steps = (
        (ClassStatus.SUBMITTED, operator),
        (ClassStatus.APPROVED, officer),
        (ClassStatus.RUNNING, operator),
    )
    for (to, actor), on in zip(steps, days, strict=True):
        training_class = class_transition(
            training_class=training_class, actor=actor, to=to, on=on, reason="演示数据"
        )
    return training_class


def _inspection_demo(users: dict[str, User]) -> None:
    yuzhong = District.objects.get(code="500103")
    if InspectionDraw.objects.filter(district=yuzhong).exists():
        return
    operator, officer = users["school"], users["officer.yuzhong"]
    school = Institution.objects.get(uscc="52500103MJP123456Y")
    monday = week_of(timezone.localdate()) - timedelta(days=7)
    days = [monday + timedelta(days=n) for n in range(6)]
    sessions = [
        SessionInput(day, time.fromisoformat(begin), time.fromisoformat(end), SessionMode.OFFLINE, "实操")
        for day in days
        for begin, end in (("09:00", "12:00"), ("14:00", "17:00"))
    ]
    before = monday - timedelta(days=7)
    training_class = _cooking_class(
        operator,
        officer,
        school,
        sessions,
        (before, before, monday),
        name="中式烹调师中级全日制班（过程监管演示）",
        level=4,
        training_type="post_skill",
        venue="渝中区解放碑民族路 100 号实训厨房",
        teachers="张师傅",
        planned_trainees=30,
    )
    enrolments = [
        enrolment_create(
            training_class=training_class,
            actor=operator,
            id_number=_yuzhong_id_number(birth, serial),
            name=name,
        )
        for name, birth, serial in COOKS
    ]
    _demo_sign_ins(training_class, enrolments, operator)
    drawn = inspection_draw(district=yuzhong, week_start=monday, actor=officer, seed=DRAW_SEED).inspections
    mine = next(i for i in drawn if i.inspector_id == officer.pk)
    session = mine.session
    inspection_record(
        inspection=mine,
        actor=officer,
        visited_at=timezone.make_aware(datetime.combine(session.date, session.start_time))
        + timedelta(minutes=40),
        head_count=2,
        present=[e.pk for e in enrolments[:2]],
        absent=[enrolments[2].pk],
        remarks="演示数据：现场点名，孙缺勤不在，签到表上有其签到",
    )


# A living allowance in 万州区 (R8.1; issue 19's what-if "living allowance 20 元 a day higher in
# 万州区", replayed over 2021): a recognised school there ran a full-time 中式烹调师 (初级) class in
# June 2021, six mornings of 6 class-hours (09:00–13:30); its two trainees are of the groups the
# allowance is for. 陈全勤 came every morning (36 class-hours: 6 days × 100 = 600.00), 杨请假
# missed the last (30: 500.00). The claim of 1,100.00 waits for 万州区's review; at 120 元 a day it
# would be 1,320.00.
WANZHOU_SCHOOL = "52500101MJR246810"
WANZHOU_TRAINEES = [
    ("陈全勤", "19880716", "105", "registered_unemployed"),
    ("杨请假", "19920903", "116", "poverty_alleviated"),
]


def _living_allowance_demo(districts: dict[str, District], users: dict[str, User]) -> None:
    uscc = WANZHOU_SCHOOL + uscc_check_character(WANZHOU_SCHOOL)
    if Institution.objects.filter(uscc=uscc).exists():
        return
    operator, officer = users["school.wanzhou"], users["officer.wanzhou"]
    school = _recognised_school(
        uscc,
        districts["500101"],
        officer,
        operator,
        name="重庆市万州区平湖职业培训学校",
        address="重庆市万州区高笋塘 8 号",
        contact_name="刘老师",
        contact_phone="023-58000000",
        bank_name="中国建设银行重庆万州分行",
        bank_account="5000161234567890123",
    )
    institution_recognition_add(
        institution=school,
        actor=officer,
        occupation=Occupation.objects.get(code="4-03-02-01"),
        level=5,
        recognised_on=date(2021, 3, 15),
        reason="演示数据：经区县人力社保局现场核查认定",
    )
    institution_year_set(
        institution=school,
        actor=officer,
        year=2021,
        evaluation_score=None,
        plan_quota=200,
        reason="演示数据：年度培训计划",
    )
    days = [date(2021, 6, 7) + timedelta(days=n) for n in range(6)]
    sessions = [SessionInput(day, time(9, 0), time(13, 30), SessionMode.OFFLINE, "实操") for day in days]
    training_class = _cooking_class(
        operator,
        officer,
        school,
        sessions,
        (date(2021, 5, 24), date(2021, 5, 31), days[0]),
        name="中式烹调师初级全日制班（生活费补贴演示）",
        level=5,
        training_type="employment",
        venue="重庆市万州区高笋塘 8 号实训厨房",
        teachers="刘师傅",
        planned_trainees=20,
    )
    enrolments = [
        enrolment_create(
            training_class=training_class,
            actor=operator,
            id_number=_demo_id_number(birth, serial),
            name=name,
            groups=[group],
        )
        for name, birth, serial, group in WANZHOU_TRAINEES
    ]
    _demo_sign_ins(training_class, enrolments[:1], operator)
    _demo_sign_ins(training_class, enrolments[1:], operator, sessions=5)
    for enrolment in enrolments:
        result_record(
            actor=operator,
            enrolment=enrolment,
            outcome="passed",
            certificate_type="skill_level",
            certificate_number=f"WZ2021{enrolment.pk:06d}",
            certificate_date=date(2021, 6, 25),
        )
    training_class = class_transition(
        training_class=training_class, actor=operator, to=ClassStatus.COMPLETED, on=days[-1]
    )
    claim = claim_create_living_allowance(actor=operator, training_class=training_class)
    claim_transition(claim=claim, actor=operator, to=ClaimStatus.SUBMITTED, reason="演示数据：机构提交申领")


def _confirmation_demo() -> None:
    """The April staff-training claim's trainees were sent their confirmation on submission:
    王建国 confirmed it, 李春梅 disputed it (a finding A8 on her line); 赵志强 has not answered."""
    if ConfirmationRequest.objects.filter(status__in=ANSWERED).exists():
        return
    april = (
        Claim.objects.filter(employer__uscc="91500101MA5U12345B", kind=ClaimKind.ENTERPRISE_DIRECT)
        .order_by("pk")
        .first()
    )
    if april is None:
        return
    requests = {
        r.person.name: r
        for r in ConfirmationRequest.objects.filter(
            claim=april, status=ConfirmationStatus.QUEUED
        ).select_related("person")
    }
    for name, confirmed, reason in (
        ("王建国", True, ""),
        ("李春梅", False, "演示数据：4 月只参加了第一周的培训，之后在车间上班，没有再参加"),
    ):
        confirmation_deliver(requests[name].pk)
        requests[name].refresh_from_db()
        confirmation_answer(request=requests[name], confirmed=confirmed, reason=reason)


@transaction.atomic
def load_demo(*, occupations_file: str) -> dict[str, User]:
    occupations_import(rows=parse_occupation_rows(occupations_file))
    districts = {d.code: d for d in District.objects.filter(code__in=["500103", "500101"])}
    users = _users(districts)
    _agency(districts, users)
    _organisations(districts, users)
    _rate_tables(districts, users)
    _allocations(districts, users)
    _audit_demo_claims(users)
    _money_demo_claims(users)
    _publicity_demo(users)
    _inspection_demo(users)
    _living_allowance_demo(districts, users)
    _confirmation_demo()
    return users
