"""R4 and R1.7: enterprise training, its materials, its trainees and the uplift."""

from decimal import Decimal
from typing import Any

import pytest

from apps.rules import DistrictSettings
from apps.rules.enterprise import check_enterprise_trainee, check_materials
from tests.rules.builders import enterprise, rules_of, run, w3

MATERIAL_CASES: list[tuple[str, dict[str, Any], str, list[tuple[str, str]]]] = [
    ("all materials filed", {}, "996.67", []),
    ("no video is not paid", {"materials": ["plan", "sign_in"]}, "0.00", [("R4.3", "E")]),
    ("nothing filed is not paid", {"materials": []}, "0.00", [("R4.3", "E")]),
    ("classified enterprise files nothing", {"materials": [], "classified": True}, "996.67", []),
]


@pytest.mark.parametrize(
    ("changes", "amount", "findings"),
    [case[1:] for case in MATERIAL_CASES],
    ids=[case[0] for case in MATERIAL_CASES],
)
def test_materials(changes: dict[str, Any], amount: str, findings: list[tuple[str, str]]) -> None:
    result = run(enterprise(**changes))

    assert result.amount == Decimal(amount)
    assert rules_of(result) == findings


def test_missing_materials_are_named() -> None:
    finding = check_materials(["sign_in"], classified=False)

    assert finding is not None
    assert finding.message == "企业直补申领缺少培训计划、培训视频类资料（涉密企业除外），不予补贴 (R4.3)"


UPLIFT_CASES = [
    ("no uplift by default", {}, None, "996.67"),
    ("uplift from the district settings", {}, "0.10", "1096.33"),
    ("uplift locked on the class wins", {"enterprise_uplift": "0.20"}, "0.10", "1196.00"),
    ("uplift never pays above S'", {"planned_hours": 60, "attended": {"offline": 60}}, "0.10", "1100.00"),
]


@pytest.mark.parametrize(
    ("changes", "setting", "amount"),
    [case[1:] for case in UPLIFT_CASES],
    ids=[case[0] for case in UPLIFT_CASES],
)
def test_uplift(changes: dict[str, Any], setting: str | None, amount: str) -> None:
    settings = DistrictSettings(enterprise_uplift=Decimal(setting)) if setting else None

    result = run(enterprise(**changes), settings=settings)

    assert result.amount == Decimal(amount)


def test_uplift_is_explained_and_rates_are_checked_before_it() -> None:
    result = run(enterprise(enterprise_uplift="0.10", rate="129.99"))

    assert rules_of(result) == [("R1.1", "E"), ("R1.3", "E")]
    uplift_step = next(step for step in result.steps if step.rule == "R1.7")
    assert uplift_step.arithmetic == "129.99 × (1 + 0.1) = 142.989；1000.00 × (1 + 0.1) = 1100.00"


def test_uplift_does_not_apply_to_classes() -> None:
    result = run(w3(enterprise_uplift="0.50"))

    assert result.amount == Decimal("996.67")


@pytest.mark.parametrize(
    ("relation", "allowed"),
    [
        ("employee", True),
        ("dispatched", True),
        ("outsourced", True),
        ("flexible_worker", True),
        ("individual_business_worker", True),
        ("student", False),
    ],
    ids=[
        "employee",
        "dispatched worker",
        "outsourced worker",
        "flexible worker",
        "individual business",
        "student",
    ],
)
def test_enterprise_trainees(relation: str, allowed: bool) -> None:
    finding = check_enterprise_trainee(relation)

    assert (finding is None) is allowed
    if finding is not None:
        assert finding.rule == "R4.2"
        assert "student" in finding.message
