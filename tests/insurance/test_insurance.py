"""The social-insurance check (issue 18, part 8): a district imports its 社保 roster (USCC, ID
number, month); an enterprise's 以工代训 and staff-training claims are checked against it: a
worker not insured by the enterprise in a claimed month the roster covers is an A9 finding naming
the months. The import reports every bad row at once and keeps nothing then."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.audits.models import AuditFinding
from apps.claims.models import ClaimStatus
from apps.claims.services.employer_claims import (
    EnterpriseTrainee,
    EnterpriseTraining,
    WorkerMonths,
    claim_create_enterprise_direct,
    claim_create_work_for_training,
)
from apps.claims.services.lifecycle import claim_transition
from apps.core.tabular import TableErrors
from apps.insurance import services
from apps.insurance.models import InsuredMonth, RosterImport
from tests.claims.conftest import *  # noqa: F403 - the claims world's fixtures
from tests.claims.conftest import person
from tests.factories import UserFactory, district

pytestmark = pytest.mark.django_db


@pytest.fixture
def wanzhou_officer(db):
    return UserFactory(officer=True, district=district("500101"))


@pytest.fixture
def worker(db):
    return person("赵以工", "011", region="500101")


@pytest.fixture
def wft(filer, employer, worker):
    claim = claim_create_work_for_training(
        actor=filer,
        employer=employer,
        workers=[WorkerMonths(worker, ["2021-04", "2021-05", "2021-06"])],
        year=2021,
    )
    return claim_transition(claim=claim, actor=filer, to=ClaimStatus.SUBMITTED)


def csv(rows, header="统一社会信用代码,身份证号码,参保月份"):
    text = "\n".join([header, *(",".join(r) for r in rows)]) + "\n"
    return SimpleUploadedFile("社保.csv", text.encode("utf-8"), content_type="text/csv")


def do_import(officer, rows):
    upload = csv(rows)
    return services.roster_import(
        actor=officer,
        district=district("500101"),
        rows=services.roster_parse(upload, filename=upload.name),
        file_name="社保.csv",
    )


def test_a_month_the_roster_covers_without_the_worker_is_a_finding_naming_it(
    wft, employer, worker, wanzhou_officer
):
    batch = do_import(
        wanzhou_officer,
        [
            (employer.uscc, worker.id_number, "2021-04"),
            (employer.uscc, worker.id_number, "2021-05"),
            ("91500101MA5U00000X", worker.id_number, "2021-06"),
        ],
    )
    assert (batch.rows, batch.added, batch.months) == (3, 3, ["2021-04", "2021-05", "2021-06"])
    (finding,) = AuditFinding.objects.filter(rule="A9", current=True)
    assert finding.line.claim == wft and finding.status == "open"
    assert finding.details["months"] == ["2021-06"]  # insured elsewhere that month
    from apps.audits.engine.catalogue import message

    assert (
        message("A9", finding.details)
        == f"社保核验：该职工 2021-06 未在 {employer.name}（{employer.uscc}）参保 (A9)"
    )


def test_a_month_the_roster_does_not_cover_is_not_judged_and_a_later_import_clears(
    wft, employer, worker, wanzhou_officer
):
    do_import(wanzhou_officer, [(employer.uscc, worker.id_number, "2021-04")])
    assert not AuditFinding.objects.filter(rule="A9").exists()  # 05 and 06 not covered yet
    other = person("钱别人", "012", region="500101")
    do_import(wanzhou_officer, [(employer.uscc, other.id_number, "2021-05")])
    (finding,) = AuditFinding.objects.filter(rule="A9", current=True)
    assert finding.details["months"] == ["2021-05"]
    # The enterprise's late roster of May puts it right: the finding ends.
    batch = do_import(wanzhou_officer, [(employer.uscc, worker.id_number, "2021-05")])
    assert not AuditFinding.objects.filter(rule="A9", current=True).exists()
    assert batch.run.cleared_count == 1
    # Importing the same rows again adds nothing.
    assert do_import(wanzhou_officer, [(employer.uscc, worker.id_number, "2021-05")]).added == 0


def test_a_staff_training_claim_is_checked_over_its_months_when_submitted(
    filer, employer, worker, wanzhou_officer, lathe, rates
):
    do_import(
        wanzhou_officer,
        [
            (employer.uscc, worker.id_number, "2026-04"),
            (employer.uscc, person("孙某", "013", region="500101").id_number, "2026-05"),
        ],
    )
    claim = claim_create_enterprise_direct(
        actor=filer,
        employer=employer,
        training=EnterpriseTraining(
            name="数控车工", occupation=lathe, level=4, start=date(2026, 4, 20), end=date(2026, 5, 10)
        ),
        trainees=[EnterpriseTrainee(person=worker, relation="employee", attended_offline=80)],
    )
    assert not AuditFinding.objects.filter(rule="A9").exists()  # a draft is not checked
    claim_transition(claim=claim, actor=filer, to=ClaimStatus.SUBMITTED)
    (finding,) = AuditFinding.objects.filter(rule="A9", current=True)
    assert finding.details["months"] == ["2026-05"] and finding.run.scope == "insurance"


def test_every_bad_row_is_named_at_once_and_nothing_is_kept(worker):
    upload = csv(
        [
            ("91500101MA5U12345B", worker.id_number, "2021-04"),
            ("123", worker.id_number, "2021-04"),
            ("91500101MA5U12345B", "500101199001010000", "2021-04"),
            ("91500101MA5U12345B", worker.id_number, "四月"),
        ]
    )
    with pytest.raises(TableErrors) as caught:
        services.roster_parse(upload, filename=upload.name)
    shown = [str(e) for e in caught.value.errors]
    assert shown[0].startswith("第 3 行「统一社会信用代码」") and "第 4 行「身份证号码」" in shown[1]
    assert shown[2].startswith("第 5 行「参保月份」") and len(shown) == 3
    with pytest.raises(TableErrors) as caught:
        services.roster_parse(csv([], header="统一社会信用代码,身份证号码"), filename="x.csv")
    assert "缺少必需的列：参保月份" in str(caught.value.errors[0])
    assert not InsuredMonth.objects.exists()


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2021-04", date(2021, 4, 1)),
        ("202104", date(2021, 4, 1)),
        ("2021/4", date(2021, 4, 1)),
        ("2021年4月", date(2021, 4, 1)),
        ("2021-04-01", date(2021, 4, 1)),
        ("2021-13", None),
        ("abc", None),
    ],
)
def test_months_are_read_as_the_社保_systems_write_them(text, month):
    assert services._month(text) == month


def test_the_page_imports_and_shows_row_errors_and_who_may(wft, employer, worker, wanzhou_officer, officer):
    client = Client()
    client.force_login(wanzhou_officer)
    bad = client.post(
        reverse("insurance:imports"), {"district": district("500101").pk, "file": csv([("1", "2", "3")])}
    )
    html = bad.content.decode()
    assert "未导入任何数据" in html and "第 2 行「统一社会信用代码」" in html
    good = client.post(
        reverse("insurance:imports"),
        {"district": district("500101").pk, "file": csv([(employer.uscc, worker.id_number, "2021-05")])},
    )
    assert good.status_code == 302
    assert (
        "新增疑点 0 条" in client.get(reverse("insurance:imports")).content.decode()
        or RosterImport.objects.count() == 1
    )
    # Another district's officer may not import for 万州区 (the form offers their own only).
    client.force_login(officer)
    other = client.post(
        reverse("insurance:imports"),
        {"district": district("500101").pk, "file": csv([(employer.uscc, worker.id_number, "2021-05")])},
    )
    assert other.status_code == 200 and RosterImport.objects.count() == 1


ROLES = {
    "municipal_admin": 200,
    "officer": 200,
    "auditor": 200,
    "reviewer": 403,
    "operator": 403,
    "filer": 403,
    "anonymous": "login",
}


def test_every_role_on_the_page(admin_user, officer, operator, filer):
    users = {
        "municipal_admin": admin_user,
        "officer": officer,
        "auditor": UserFactory(auditor=True),
        "reviewer": UserFactory(reviewer=True, engaged=[district("500103")]),
        "operator": operator,
        "filer": filer,
        "anonymous": None,
    }
    for role, want in ROLES.items():
        client = Client()
        if users[role] is not None:
            client.force_login(users[role])
        response = client.get(reverse("insurance:imports"))
        if want == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == want, role
            assert ('type="file"' in response.content.decode()) == (role in ("municipal_admin", "officer")), (
                role
            )
        if role in ("auditor",) and users[role]:
            assert client.post(reverse("insurance:imports"), {}).status_code == 403
