"""The claims and ledger API with a token: create each kind, the review, approval into the
ledger, payment, reconciliation; errors as {"detail", "rule", "field"}; nothing changed on refusal."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.claims.models import Claim, ClaimStatus
from apps.ledger.models import LedgerEntry, Payment
from apps.trainees.models import Person, PersonGroup
from tests.factories import NumberedEmployerFactory, UserFactory, district, notice_over

from .conftest import id_number

pytestmark = pytest.mark.django_db
S = ClaimStatus
PDF = b"%PDF-1.4\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 16


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_class_claim_review_approval_payment_over_the_api(completed_class, operator, officer, allocation):
    school = _client(operator)
    created = school.post(
        "/api/v1/claims/", {"kind": "class_completion", "training_class": completed_class.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["kind"], data["status"], data["total"], data["line_count"]) == (
        "class_completion",
        "draft",
        "2535.00",
        3,
    )
    claim_id = data["id"]
    assert (
        school.post(f"/api/v1/claims/{claim_id}/transition", {"to": "submitted"}, format="json").status_code
        == 200
    )

    yz = _client(officer)
    lines = {line["person"]["name"]: line for line in yz.get(f"/api/v1/claims/{claim_id}/").json()["lines"]}
    assert lines["张全勤"]["steps"] and lines["王未过"]["findings"][0]["rule"] == "R2.6"
    refused = yz.post(
        f"/api/v1/claims/{claim_id}/lines/{lines['王未过']['id']}/decision",
        {"decision": "rejected"},
        format="json",
    )
    assert refused.status_code == 400 and refused.json() == {
        "detail": "不予补贴须选择理由规则并填写理由",
        "field": "reason",
    }
    for name, line in lines.items():
        body = (
            {"decision": "rejected", "rule": "R2.6", "reason": "考核不合格"}
            if name == "王未过"
            else {"decision": "approved"}
        )
        assert (
            yz.post(f"/api/v1/claims/{claim_id}/lines/{line['id']}/decision", body, format="json").status_code
            == 200
        )
    approved = yz.post(f"/api/v1/claims/{claim_id}/approve", {"reason": "材料齐全"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    entries = yz.get(f"/api/v1/ledger/entries?claim={claim_id}").json()
    assert entries["count"] == 2 and {e["amount"] for e in entries["results"]} == {"1410.00", "1125.00"}
    balances = yz.get("/api/v1/ledger/balances?year=2026").json()
    training = next(b for b in balances["shares"] if b["share"] == "training")
    assert (training["allocated"], training["booked"], training["remaining"]) == (
        "70000.00",
        "2535.00",
        "67465.00",
    )

    approved_lines = [line["id"] for line in lines.values() if line["person"]["name"] != "王未过"]
    unpublished = yz.post(
        "/api/v1/ledger/payments",
        {"district": "500103", "reference": "YZ-0", "paid_on": "2026-12-30", "lines": approved_lines},
        format="json",
    )
    assert unpublished.status_code == 400 and "未公示" in unpublished.json()["detail"]
    notice_over(approved_lines)  # published (公示), its period over with no objection
    paid = yz.post(
        "/api/v1/ledger/payments",
        {"district": "500103", "reference": "YZ-1", "paid_on": "2026-12-30", "lines": approved_lines},
        format="json",
    )
    assert paid.status_code == 201 and paid.json()["amount"] == "2535.00"
    assert yz.get(f"/api/v1/claims/{claim_id}/").json()["status"] == "paid"
    assert yz.get("/api/v1/ledger/payments").json()["count"] == 1
    reconciled = yz.get("/api/v1/ledger/reconciliation?district=500103&year=2026").json()
    assert reconciled == {"district": "500103", "year": 2026, "reconciled": True, "differences": []}


def test_a_third_party_recommends_but_cannot_decide_or_approve(
    completed_class, operator, officer, allocation
):
    school = _client(operator)
    claim_id = school.post(
        "/api/v1/claims/", {"kind": "class_completion", "training_class": completed_class.pk}, format="json"
    ).json()["id"]
    school.post(f"/api/v1/claims/{claim_id}/transition", {"to": "submitted"}, format="json")
    reviewer = _client(UserFactory(reviewer=True, engaged=[district("500103")]))
    detail = reviewer.get(f"/api/v1/claims/{claim_id}/").json()
    assert all("*" in line["person"]["id_number"] for line in detail["lines"])
    assert (
        reviewer.post(
            f"/api/v1/claims/{claim_id}/recommendation", {"text": "同意"}, format="json"
        ).status_code
        == 200
    )
    line_id = detail["lines"][0]["id"]
    assert (
        reviewer.post(
            f"/api/v1/claims/{claim_id}/lines/{line_id}/decision", {"decision": "approved"}, format="json"
        ).status_code
        == 403
    )
    assert reviewer.post(f"/api/v1/claims/{claim_id}/approve", {}, format="json").status_code == 403
    assert reviewer.post("/api/v1/ledger/payments", {}, format="json").status_code == 403
    assert Claim.objects.get(pk=claim_id).status == S.SUBMITTED and not LedgerEntry.objects.exists()
    outsider = _client(UserFactory(reviewer=True, engaged=[district("500101")]))
    assert outsider.get(f"/api/v1/claims/{claim_id}/").status_code == 404
    assert (
        outsider.post(f"/api/v1/claims/{claim_id}/recommendation", {"text": "x"}, format="json").status_code
        == 404
    )


def test_work_for_training_apprenticeship_and_enterprise_claims_over_the_api(filer, employer, lathe, rates):
    enterprise = _client(filer)
    wft = enterprise.post(
        "/api/v1/claims/",
        {
            "kind": "work_for_training",
            "year": 2021,
            "workers": [
                {
                    "id_number": id_number("500101", "19900101", "041"),
                    "name": "冯以工",
                    "months": ["2021-10", "2021-11", "2021-12", "2022-01"],
                }
            ],
        },
        format="json",
    )
    assert wft.status_code == 201, wft.json()
    line = wft.json()["lines"][0]
    assert (wft.json()["total"], line["share"]) == ("1500.00", "work_for_training")
    assert any(f["rule"] == "R3.1" for f in line["findings"])

    advance = enterprise.post(
        "/api/v1/claims/",
        {
            "kind": "apprenticeship",
            "stage": "advance",
            "year": 2021,
            "apprentices": [
                {
                    "id_number": id_number("500101", "20000101", "042"),
                    "name": "陈学徒",
                    "start": "2021-04-01",
                    "end": "2023-03-31",
                    "planned_months": 24,
                }
            ],
        },
        format="json",
    )
    assert advance.status_code == 201 and advance.json()["total"] == "4000.00"

    direct = enterprise.post(
        "/api/v1/claims/",
        {
            "kind": "enterprise_direct",
            "training": {
                "name": "车工岗位提升",
                "occupation": "6-18-01-01",
                "level": 4,
                "start": "2026-11-02",
                "end": "2026-11-20",
            },
            "trainees": [
                {
                    "id_number": id_number("500101", "19880808", "043"),
                    "name": "褚职工",
                    "relation": "outsourced",
                    "attended_offline": 60,
                }
            ],
        },
        format="json",
    )
    assert direct.status_code == 201 and direct.json()["total"] == "0.00"
    claim_id = direct.json()["id"]
    for kind, name, content in (
        ("plan", "计划.pdf", PDF),
        ("sign_in", "签到.pdf", PDF),
        ("video", "录像.mp4", MP4),
    ):
        uploaded = enterprise.post(
            f"/api/v1/claims/{claim_id}/materials",
            {"kind": kind, "file": SimpleUploadedFile(name, content)},
            format="multipart",
        )
        assert uploaded.status_code == 201, uploaded.json()
    detail = enterprise.get(f"/api/v1/claims/{claim_id}/").json()
    assert detail["total"] == "1500.00" and [m["kind"] for m in detail["materials"]] == [
        "plan",
        "sign_in",
        "video",
    ]
    # masked for the claimant too; the worker is on no class roster, but the claim's filer (and its
    # officers) may reveal one person on the person's page, logged
    person = Person.objects.get(id_number=id_number("500101", "19880808", "043"))
    line = detail["lines"][0]
    assert line["person"] == {"id": person.pk, "name": "褚职工", "id_number": "5001**********0434"}
    assert line["can_reveal"] is True


def test_r5_3_an_early_end_for_another_reason_over_the_api_needs_the_reason(filer, employer, rates):
    """R5.3's list ends with 等: `other` is claimable over the API with its written reason, paid as
    for the named reasons and carrying a W the officer accepts with a reason; without the reason the
    error names the row's field and nothing is filed."""
    enterprise = _client(filer)
    apprentice = {
        "id_number": id_number("500101", "20000101", "044"),
        "name": "卫学徒",
        "start": "2021-04-01",
        "end": "2023-03-31",
        "planned_months": 24,
        "actual_months": 15,
        "early_end": "other",
    }
    body = {"kind": "apprenticeship", "stage": "early_end", "year": 2021, "apprentices": [apprentice]}
    missing = enterprise.post("/api/v1/claims/", body, format="json")
    assert missing.status_code == 400, missing.json()
    assert "early_end_reason" in missing.json()["field"] and "R5.3" in missing.json()["detail"]
    assert not Claim.objects.exists()
    apprentice["early_end_reason"] = "学徒应征入伍"
    filed = enterprise.post("/api/v1/claims/", body, format="json")
    assert filed.status_code == 201, filed.json()
    line = filed.json()["lines"][0]
    assert filed.json()["total"] == "5000.00"
    assert [(f["rule"], f["severity"]) for f in line["findings"]] == [("R5.3", "W")]


def test_errors_name_the_field_and_change_nothing(filer, employer, operator, completed_class):
    enterprise = _client(filer)
    bad_row = enterprise.post(
        "/api/v1/claims/",
        {
            "kind": "work_for_training",
            "year": 2021,
            "workers": [{"id_number": "500101199001010001", "name": "张三", "months": ["2021-10"]}],
        },
        format="json",
    )
    assert bad_row.status_code == 400
    assert bad_row.json()["field"] == "id_number" and bad_row.json()["detail"].startswith("第 1 行：")
    missing = enterprise.post(
        "/api/v1/claims/",
        {"kind": "work_for_training", "year": 2021, "workers": [{"name": "x"}]},
        format="json",
    )
    assert missing.status_code == 400 and missing.json()["field"] == "workers[0].id_number"
    wrong_kind = enterprise.post("/api/v1/claims/", {"kind": "invoice"}, format="json")
    assert wrong_kind.status_code == 400 and wrong_kind.json()["field"] == "kind"
    # an enterprise cannot claim a class; an operator cannot file 以工代训
    assert (
        enterprise.post(
            "/api/v1/claims/",
            {"kind": "class_completion", "training_class": completed_class.pk},
            format="json",
        ).status_code
        == 404
    )
    school = _client(operator)
    assert (
        school.post(
            "/api/v1/claims/", {"kind": "work_for_training", "year": 2021, "workers": []}, format="json"
        ).status_code
        == 403
    )
    other = NumberedEmployerFactory()
    assert (
        enterprise.post(
            "/api/v1/claims/",
            {"kind": "work_for_training", "employer": other.uscc, "year": 2021, "workers": []},
            format="json",
        ).status_code
        == 404
    )
    assert not Claim.objects.exists()
    wrong_file = enterprise.post("/api/v1/claims/1/materials", {"kind": "plan"}, format="multipart")
    assert wrong_file.status_code == 404


def test_living_allowance_over_the_api(completed_class, operator):
    PersonGroup.objects.create(person=completed_class.trainees["full"], group="poverty_alleviated")
    created = _client(operator).post(
        "/api/v1/claims/", {"kind": "living_allowance", "training_class": completed_class.pk}, format="json"
    )
    assert created.status_code == 201
    assert (created.json()["total"], created.json()["lines"][0]["share"]) == ("900.00", "living_allowance")


def test_ledger_api_is_for_the_ledgers_readers(officer, operator, filer, allocation, admin_user):
    assert _client(operator).get("/api/v1/ledger/balances?district=500103").status_code == 403
    assert _client(filer).get("/api/v1/ledger/entries").status_code == 403
    assert (
        _client(UserFactory(reviewer=True, engaged=[district("500103")]))
        .get("/api/v1/ledger/payments")
        .status_code
        == 403
    )
    auditor = _client(UserFactory(auditor=True))
    assert auditor.get("/api/v1/ledger/balances?district=500103&year=2026").status_code == 200
    assert auditor.get("/api/v1/ledger/balances").status_code == 404  # which district?
    refused = auditor.post(
        "/api/v1/ledger/allocations", {"district": "500103", "year": 2026, "amount": "1"}, format="json"
    )
    assert refused.status_code == 403
    wanzhou = _client(UserFactory(officer=True, district=district("500101")))
    assert wanzhou.get("/api/v1/ledger/balances?district=500103").status_code == 404
    for district_officer in (wanzhou, _client(officer)):  # the allocation is the admin's alone (R8.2)
        refused = district_officer.post(
            "/api/v1/ledger/allocations", {"district": "500103", "year": 2026, "amount": "1"}, format="json"
        )
        assert refused.status_code == 403
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("100000.00")
    admin = _client(admin_user)
    set_ = admin.post(
        "/api/v1/ledger/allocations",
        {"district": "500101", "year": 2026, "amount": "5000", "work_for_training_share": "6000"},
        format="json",
    )
    assert set_.status_code == 400 and set_.json()["field"] == "work_for_training_share"
    assert admin.get("/api/v1/ledger/allocations?year=2026").json()["count"] == 1
    assert not Payment.objects.exists()
