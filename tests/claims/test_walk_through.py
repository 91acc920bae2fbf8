"""The issue's walk-through, through the pages as each user would click: `school` claims for its
completed class; `reviewer` recommends; `officer.yuzhong` rejects one line with a reason and
approves the rest; the ledger shows the entries; a payment marks the claim paid; `enterprise`
files a 以工代训 claim and an apprenticeship advance in 万州区, whose allocation the admin set first."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.claims.models import Claim, ClaimKind, ClaimStatus, LineDecision
from apps.ledger.models import Allocation, LedgerEntry, Payment
from tests.factories import UserFactory, district, notice_over

from .conftest import id_number

pytestmark = pytest.mark.django_db
S = ClaimStatus


def _post(client, name, args=(), **data):
    return client.post(reverse(name, args=args), data, follow=True)


def _rows(rows, **management):
    data = {
        "rows-TOTAL_FORMS": str(len(rows) + 1),  # one blank row, as the page leaves one
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"rows-{index}-{key}": value for key, value in row.items()})
    data.update(management)
    return data


def test_the_walk_through(
    client,
    completed_class,
    operator,
    officer,
    allocation,
    admin_user,
    filer,
    employer,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory(reviewer=True, username="reviewer", engaged=[district("500103")])

    # school claims for its completed class and submits
    client.force_login(operator)
    page = client.get(reverse("claims:create_for_class", args=[completed_class.pk]))
    assert page.status_code == 200 and "生成申领草稿" in page.content.decode()
    response = _post(
        client, "claims:create_for_class", [completed_class.pk], kind="class_completion", confirm="on"
    )
    claim = Claim.objects.get(kind=ClaimKind.CLASS_COMPLETION)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("claims:detail", args=[claim.pk])
    assert "2,535.00" in body and "1,410.00" in body and "张全勤" in body
    _post(client, "claims:action", [claim.pk], to=S.SUBMITTED, confirm="on")
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED

    # reviewer recommends; it may not decide
    client.force_login(reviewer)
    queue = client.get(reverse("claims:list") + "?status=waiting").content.decode()
    assert f"#{claim.pk}" in queue
    _post(client, "claims:recommend", [claim.pk], text="王未过考核不合格，建议不予补贴")
    claim.refresh_from_db()
    assert claim.recommendation == "王未过考核不合格，建议不予补贴" and claim.recommended_by == reviewer
    failed = claim.lines.get(person__name="王未过")
    refused = client.post(
        reverse("claims:line_decide", args=[claim.pk, failed.pk]), {"decision": "approved", "confirm": "on"}
    )
    assert refused.status_code == 403

    # officer.yuzhong rejects one line with a reason, approves the rest, and gives final approval
    client.force_login(officer)
    detail = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "王未过考核不合格，建议不予补贴" in detail and "/rules/#R2.6" in detail
    _post(
        client,
        "claims:line_decide",
        [claim.pk, failed.pk],
        decision="rejected",
        rule="R2.6",
        reason="考核不合格，未取得证书",
        confirm="on",
    )
    failed.refresh_from_db()
    assert (failed.decision, failed.decision_rule, failed.decision_reason) == (
        LineDecision.REJECTED,
        "R2.6",
        "考核不合格，未取得证书",
    )
    _post(client, "claims:lines_approve_pending", [claim.pk], confirm="on")
    response = _post(client, "ledger:claim_approve", [claim.pk], reason="材料齐全", confirm="on")
    assert "申领已审核通过" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.approved_total) == (S.APPROVED, Decimal("2535.00"))

    # the ledger shows the entries
    entries = client.get(reverse("ledger:entries") + f"?claim={claim.pk}").content.decode()
    assert "1,410.00" in entries and "1,125.00" in entries
    assert LedgerEntry.objects.filter(claim_line__claim=claim).count() == 2

    # a payment marks it paid, and the books reconcile
    approved = list(claim.lines.filter(decision=LineDecision.APPROVED).values_list("pk", flat=True))
    notice_over(approved)  # published (公示), its period over with no objection
    response = client.post(
        reverse("ledger:payment_create"),
        {"reference": "YZ-2026-001", "paid_on": "2026-12-30", "lines": approved, "confirm": "on"},
        follow=True,
    )
    assert "已登记拨付 YZ-2026-001，金额 2,535.00 元" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.PAID and Payment.objects.get().amount == Decimal("2535.00")
    # the officer reconciles the year: a task does it (here, in the test's process) and the page
    # shows its result
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:reconciliation") + "?year=2026")
    reconciliation = client.get(reverse("ledger:reconciliation") + "?year=2026").content.decode()
    assert "账实相符、账表相符" in reconciliation and "officer.yuzhong 发起" in reconciliation

    # the admin sets 万州区's allocation
    client.force_login(admin_user)
    wanzhou = district("500101")
    _post(
        client,
        "ledger:allocations",
        district=wanzhou.pk,
        year="2021",
        amount="200000",
        work_for_training_share="50000",
        living_allowance_share="10000",
        confirm="on",
    )
    allocation_wz = Allocation.objects.get(district=wanzhou, year=2021)
    assert allocation_wz.work_for_training_share == Decimal("50000.00")

    # enterprise files a 以工代训 claim and an apprenticeship advance in 万州区
    client.force_login(filer)
    worker_id = id_number("500101", "19950303", "021")
    response = _post(
        client,
        "claims:create_work_for_training",
        **{"employer": employer.pk, "year": "2021"},
        **_rows([{"id_number": worker_id, "name": "周以工", "month_from": "2021-10", "month_to": "2021-12"}]),
    )
    wft = Claim.objects.get(kind=ClaimKind.WORK_FOR_TRAINING)
    assert (wft.district, wft.total) == (wanzhou, Decimal("1500.00"))
    assert "1500.00" in response.content.decode()
    _post(client, "claims:action", [wft.pk], to=S.SUBMITTED, confirm="on")

    apprentice_id = id_number("440106", "20000505", "022")  # Guangdong: any province (R8.4)
    response = _post(
        client,
        "claims:create_apprenticeship",
        **{"employer": employer.pk, "year": "2021", "stage": "advance"},
        **_rows(
            [
                {
                    "id_number": apprentice_id,
                    "name": "吴学徒",
                    "start": "2021-04-01",
                    "end": "2023-03-31",
                    "planned_months": "24",
                    "passed": "on",
                }
            ]
        ),
    )
    advance = Claim.objects.get(kind=ClaimKind.APPRENTICESHIP)
    assert (advance.district, advance.apprenticeship_stage, advance.total) == (
        wanzhou,
        "advance",
        Decimal("4000.00"),
    )
    _post(client, "claims:action", [advance.pk], to=S.SUBMITTED, confirm="on")
    mine = client.get(reverse("claims:list")).content.decode()
    assert "以工代训" in mine and "企业新型学徒制" in mine and "等待区县审核" in mine
    assert set(Claim.objects.filter(employer=employer).values_list("status", flat=True)) == {S.SUBMITTED}

    # officer.wanzhou sees both in the queue; officer.yuzhong does not
    client.force_login(UserFactory(officer=True, username="officer.wanzhou", district=wanzhou))
    queue = client.get(reverse("claims:list") + "?status=waiting").content.decode()
    assert f"#{wft.pk}" in queue and f"#{advance.pk}" in queue
    client.force_login(officer)
    assert client.get(reverse("claims:detail", args=[wft.pk])).status_code == 404


def test_the_class_claim_page_lists_the_claims_already_made(client, completed_class, operator):
    client.force_login(operator)
    url = reverse("claims:create_for_class", args=[completed_class.pk])
    client.post(url, {"kind": "class_completion", "confirm": "on"})
    claim = Claim.objects.get()
    page = client.get(url).content.decode()
    assert f"培训机构结业补贴 #{claim.pk}" in page and "2,535.00" in page
    again = client.post(url, {"kind": "class_completion", "confirm": "on"}).content.decode()
    assert "该班级已有补贴申领，不能重复申领" in again and Claim.objects.count() == 1
    unconfirmed = client.post(url, {"kind": "living_allowance"})
    assert unconfirmed.status_code == 200 and Claim.objects.count() == 1
