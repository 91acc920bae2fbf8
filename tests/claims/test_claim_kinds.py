"""Each kind of claim against docs/rules.md: W8 (以工代训), W9 (apprenticeship, with and without an
advance), an enterprise direct claim with and without its R4.3 materials, and a living allowance."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.claims.models import Claim, ClaimKind, ClaimStatus, LineDecision, Share
from apps.claims.services.class_claims import claim_create_for_class, claim_create_living_allowance
from apps.claims.services.data_lock import claim_data_lock
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
from apps.claims.services.materials import claim_material_delete, claim_material_upload
from apps.claims.services.recompute import claim_recompute
from apps.claims.services.review import claim_line_decide
from apps.core.errors import ApplicationError
from apps.ledger.services import allocation_set, claim_approve
from apps.trainees.models import Enrolment, PersonGroup
from tests.factories import DistrictSettingFactory, NumberedEmployerFactory, UserFactory, district

from .conftest import person

pytestmark = pytest.mark.django_db
S = ClaimStatus

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32


def _findings(line):
    return [(f["rule"], f["severity"]) for f in line.findings]


# W8 以工代训 ------------------------------------------------------------------------------------


def test_w8_work_for_training_pays_three_months_and_refuses_2022_01(filer, employer):
    worker = person("赵以工", "011", region="500101")
    claim = claim_create_work_for_training(
        actor=filer,
        employer=employer,
        workers=[WorkerMonths(worker, ["2021-10", "2021-11", "2021-12", "2022-01"])],
        year=2021,
    )
    line = claim.lines.get()
    assert (claim.kind, claim.district.code, line.share) == (
        ClaimKind.WORK_FOR_TRAINING,
        "500101",
        Share.WORK_FOR_TRAINING,
    )
    assert line.amount == claim.total == Decimal("1500.00")
    r31 = [f for f in line.findings if f["rule"] == "R3.1"]
    assert len(r31) == 1 and r31[0]["severity"] == "E" and "2022-01" in r31[0]["message"]
    assert line.rules_version and line.steps


# W9 apprenticeship ------------------------------------------------------------------------------


def _apprentice(who, **overrides):
    values = {
        "person": who,
        "start": date(2021, 4, 1),
        "end": date(2023, 3, 31),
        "planned_months": 24,
        "passed": True,
    }
    values.update(overrides)
    return Apprentice(**values)


def test_w9_early_end_by_bankruptcy_with_no_advance_pays_15_months(filer, employer):
    apprentice = person("钱学徒", "012", region="500101")
    claim = claim_create_apprenticeship(
        actor=filer,
        employer=employer,
        stage="early_end",
        apprentices=[_apprentice(apprentice, actual_months=15, early_end="bankruptcy")],
        year=2022,
    )
    line = claim.lines.get()
    assert line.amount == Decimal("5000.00")
    assert any(s["rule"] == "R5.3" for s in line.steps)
    assert not any(s["rule"] == "R5.5" for s in line.steps)  # nothing advanced, nothing deducted


def test_w9_early_end_after_a_4000_advance_pays_the_remaining_1000(filer, employer):
    officer = UserFactory(officer=True, district=district("500101"))
    admin = UserFactory(municipal_admin=True)
    allocation_set(actor=admin, district=district("500101"), year=2021, amount=Decimal("50000"))
    apprentice = person("钱学徒", "012", region="500101")
    advance = claim_create_apprenticeship(
        actor=filer, employer=employer, stage="advance", apprentices=[_apprentice(apprentice)], year=2021
    )
    assert advance.lines.get().amount == Decimal("4000.00")  # 50 % of 4000 × 24 / 12
    advance = claim_transition(claim=advance, actor=filer, to=S.SUBMITTED)
    claim_line_decide(line=advance.lines.get(), actor=officer, decision=LineDecision.APPROVED)
    claim_approve(claim=advance, actor=officer)

    early = claim_create_apprenticeship(
        actor=filer,
        employer=employer,
        stage="early_end",
        apprentices=[_apprentice(apprentice, actual_months=15, early_end="bankruptcy")],
        year=2022,
    )
    line = early.lines.get()
    assert line.amount == Decimal("1000.00")
    assert [s["arithmetic"] for s in line.steps if s["rule"] == "R5.5"] == ["5000.00 − 4000.00 = 1000.00"]


# Enterprise direct claims (R4) -------------------------------------------------------------------


def _training(lathe, **overrides):
    values = {
        "name": "数控车床操作岗位提升",
        "occupation": lathe,
        "level": 4,
        "start": date(2026, 11, 2),
        "end": date(2026, 11, 20),
    }
    values.update(overrides)
    return EnterpriseTraining(**values)


def _upload(claim, filer, kind, content=PDF, name="计划.pdf"):
    return claim_material_upload(
        claim=claim, actor=filer, kind=kind, upload=SimpleUploadedFile(name, content)
    )


def test_enterprise_direct_claim_without_the_video_is_not_paid_r43(filer, employer, lathe, rates):
    staff = person("孙职工", "013", region="500101")
    claim = claim_create_enterprise_direct(
        actor=filer,
        employer=employer,
        training=_training(lathe),
        trainees=[EnterpriseTrainee(staff, "employee", attended_offline=60)],
    )
    line = claim.lines.get()
    assert line.inputs["kind"] == "enterprise" and line.inputs["enterprise_uplift"] == "0"
    assert line.steps[0]["rule"] == "R4.2" and "劳动关系" in line.steps[0]["text"]
    assert ("R4.3", "E") in _findings(line) and line.amount == Decimal("0.00")

    _upload(claim, filer, "plan")
    _upload(claim, filer, "sign_in", name="签到表.pdf")
    line.refresh_from_db()
    assert ("R4.3", "E") in _findings(line)
    assert "培训视频类资料" in next(f["message"] for f in line.findings if f["rule"] == "R4.3")

    video = _upload(claim, filer, "video", content=MP4, name="培训录像.mp4")
    line.refresh_from_db()
    claim.refresh_from_db()
    assert _findings(line) == [] and line.amount == claim.total == Decimal("1500.00")  # 150 × 60 / 6

    claim_material_delete(material=video, actor=filer)
    line.refresh_from_db()
    assert ("R4.3", "E") in _findings(line) and line.amount == Decimal("0.00")


def test_a_classified_enterprise_is_paid_without_materials(lathe, rates):
    filer = UserFactory(filer=True)
    classified = NumberedEmployerFactory(classified=True, members=[filer])
    claim = claim_create_enterprise_direct(
        actor=filer,
        employer=classified,
        training=_training(lathe),
        trainees=[EnterpriseTrainee(person("孙职工", "013"), "dispatched", attended_offline=60)],
    )
    line = claim.lines.get()
    assert line.inputs["classified"] is True and line.inputs["materials"] == []
    assert _findings(line) == [] and line.amount == Decimal("1500.00")


def test_enterprise_uplift_comes_from_the_district_settings(filer, employer, lathe, rates):
    DistrictSettingFactory(district=district("500101"), key="enterprise_uplift", value=Decimal("0.1"))
    claim = claim_create_enterprise_direct(
        actor=filer,
        employer=NumberedEmployerFactory(classified=True, members=[filer]),
        training=_training(lathe),
        trainees=[EnterpriseTrainee(person("孙职工", "013"), "employee", attended_offline=60)],
    )
    line = claim.lines.get()
    assert line.inputs["enterprise_uplift"] == "0.1"
    assert line.amount == Decimal("1650.00")  # 165 × 60 / 6, capped at 1650
    assert any(s["rule"] == "R1.7" for s in line.steps)


def test_enterprise_direct_claim_checks_relation_and_rate_row(filer, employer, lathe, rates):
    staff = person("孙职工", "013")
    with pytest.raises(ApplicationError) as exc:
        claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=_training(lathe),
            trainees=[EnterpriseTrainee(staff, "relative", attended_offline=60)],
        )
    assert exc.value.field == "relation" and "R4.2" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=_training(lathe, level=2),
            trainees=[EnterpriseTrainee(staff, "employee", attended_offline=60)],
        )
    assert (exc.value.rule, exc.value.field) == ("R1.6", "occupation")
    assert not employer.claims.exists()


def test_only_the_employers_filers_file_its_direct_claims(employer, lathe, rates):
    stranger = UserFactory(filer=True)
    with pytest.raises(ApplicationError, match="本企业的申报人"):
        claim_create_enterprise_direct(
            actor=stranger,
            employer=employer,
            training=_training(lathe),
            trainees=[EnterpriseTrainee(person("孙职工", "013"), "employee", attended_offline=60)],
        )


# Living allowance (R8.1) -------------------------------------------------------------------------


def test_living_allowance_is_l_times_offline_hours_over_6_for_the_eligible_groups(completed_class, operator):
    trainees = completed_class.trainees
    PersonGroup.objects.create(person=trainees["full"], group="poverty_alleviated")
    PersonGroup.objects.create(person=trainees["partial"], group="registered_unemployed")
    PersonGroup.objects.create(person=trainees["failed"], group="enterprise_employee")
    claim = claim_create_living_allowance(actor=operator, training_class=completed_class)
    amounts = {line.person.name: line.amount for line in claim.lines.select_related("person")}
    assert amounts == {
        "张全勤": Decimal("900.00"),  # 100 × 54 / 6
        "李部分": Decimal("750.00"),  # 100 × 45 / 6
    }
    assert claim.total == Decimal("1650.00")
    line = claim.lines.get(person__name="张全勤")
    assert (line.share, line.start, line.end) == (Share.LIVING_ALLOWANCE, None, None)
    assert line.steps[-1]["arithmetic"] == "100.00 × 54 ÷ 6 = 900.00" and line.rules_version
    # the class completion claim of the same class is still possible, and is not affected
    completion = claim_create_for_class(actor=operator, training_class=completed_class)
    assert completion.lines.get(person__name="张全勤").amount == Decimal("1410.00")


def test_living_allowance_uses_the_districts_l_and_follows_the_class(completed_class, operator):
    DistrictSettingFactory(key="living_allowance_daily", value=Decimal("60"))
    PersonGroup.objects.create(person=completed_class.trainees["full"], group="disabled")
    PersonGroup.objects.create(person=completed_class.trainees["partial"], group="graduate")
    claim = claim_create_living_allowance(actor=operator, training_class=completed_class)
    assert claim.total == Decimal("990.00")  # 60 × 54 / 6 + 60 × 45 / 6
    Enrolment.objects.filter(person__name="李部分").update(status="withdrawn")
    assert claim_data_lock(claim) == ["学员名单已变化：新增 0 人，减少 1 人"]
    claim_recompute(claim=claim)
    claim.refresh_from_db()
    assert claim.total == Decimal("540.00") and claim_data_lock(claim) == []


def test_no_eligible_trainee_no_living_allowance_claim(completed_class, operator):
    with pytest.raises(ApplicationError, match="生活费补贴对象"):
        claim_create_living_allowance(actor=operator, training_class=completed_class)
    assert not completed_class.claims.exists()


def test_living_allowance_is_claimed_once_per_class(completed_class, operator):
    PersonGroup.objects.create(person=completed_class.trainees["full"], group="veteran")
    PersonGroup.objects.create(person=completed_class.trainees["partial"], group="rural_migrant")
    claim_create_living_allowance(actor=operator, training_class=completed_class)
    with pytest.raises(ApplicationError, match="不能重复申领"):
        claim_create_living_allowance(actor=operator, training_class=completed_class)


def test_a_snapshot_without_its_trainees_reads_as_none_recorded(completed_class, operator):
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    snapshot = {k: v for k, v in claim.class_snapshot.items() if k != "trainees"}
    Claim.objects.filter(pk=claim.pk).update(class_snapshot=snapshot)
    claim.refresh_from_db()
    assert claim_data_lock(claim) == [f"学员名单已变化：新增 {len(completed_class.trainees)} 人，减少 0 人"]
