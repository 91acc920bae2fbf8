"""Money across claims (issue 13): nothing booked beyond an entitlement whatever the order of
filing and approval, 以工代训 months as sets, a written reason for every judgement, lines that
re-quote to their amounts, and recovery (追回). Each bug the issue reports is a named case here."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.claims.models import ClaimStatus, LineDecision, LineMonth
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
from apps.claims.services.review import claim_line_decide, claim_lines_approve_pending
from apps.core.errors import ApplicationError
from apps.core.models import StateChange
from apps.ledger.models import EntryKind, LedgerEntry, Payment, Recovery, RecoveryStatus
from apps.ledger.selectors.accounts import balances, reconciliation
from apps.ledger.services import (
    allocation_set,
    claim_approve,
    line_recover,
    payment_record,
    recovery_returned,
)
from tests.claims.conftest import person
from tests.classes.conftest import lathe, rates  # noqa: F401 - fixtures
from tests.factories import DistrictSettingFactory, EmployerFactory, UserFactory, district, notice_over
from tests.requote import stored_and_requoted

pytestmark = pytest.mark.django_db
S = ClaimStatus
WANZHOU = "500101"
D = Decimal


@pytest.fixture
def admin():
    return UserFactory(municipal_admin=True)


@pytest.fixture
def officer():
    return UserFactory(officer=True, username="officer.wanzhou", district=district(WANZHOU))


@pytest.fixture
def filer():
    return UserFactory(filer=True, username="enterprise")


@pytest.fixture
def employer(filer):
    employer = EmployerFactory(is_classified=True)
    employer.members.add(filer)
    return employer


@pytest.fixture
def funded(admin):
    for year in (2021, 2022):
        allocation_set(
            actor=admin,
            district=district(WANZHOU),
            year=year,
            amount=D("500000"),
            work_for_training_share=D("100000"),
        )


def submit(claim, filer):
    return claim_transition(claim=claim, actor=filer, to=S.SUBMITTED)


def approve_all(claim, officer, *, reason=""):
    """Every line approved (with `reason`), then the final approval."""
    for line in claim.lines.order_by("pk"):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED, reason=reason)
    return claim_approve(claim=claim, actor=officer)


def booked(person_obj):
    """What the person has booked in the special account, net of reversals and recoveries."""
    return sum((e.amount for e in LedgerEntry.objects.filter(claim_line__person=person_obj)), D("0.00"))


def apprenticeship(employer, filer, who, stage, **values):
    values = {"start": date(2021, 4, 1), "end": date(2023, 3, 31), "planned_months": 24, **values}
    return claim_create_apprenticeship(
        actor=filer, employer=employer, stage=stage, apprentices=[Apprentice(person=who, **values)], year=2021
    )


def early_end(employer, filer, who, months=15):
    return apprenticeship(employer, filer, who, "early_end", actual_months=months, early_end="bankruptcy")


# The apprenticeship sequence: 5,000 in total whatever the order ------------------------------------


def test_r5_5_early_end_filed_first_then_the_advance_approved_books_5000_in_all(
    employer, filer, officer, funded
):
    """The issue's sequence: the early end is filed and computed (5,000), then the opening advance
    (4,000) is filed and approved; the early end then books only the rest."""
    apprentice = person("钱学徒", "012", region=WANZHOU)
    end = submit(early_end(employer, filer, apprentice), filer)
    assert end.lines.get().amount == D("5000.00")
    advance = submit(apprenticeship(employer, filer, apprentice, "advance"), filer)
    approve_all(advance, officer)
    assert booked(apprentice) == D("4000.00")

    approve_all(end, officer)
    line = end.lines.get()
    assert line.amount == D("1000.00")
    assert [s["arithmetic"] for s in line.steps if s["rule"] == "R5.5"] == ["5000.00 − 4000.00 = 1000.00"]
    assert line.inputs["paid_before"] == "4000.00"
    assert booked(apprentice) == D("5000.00")
    assert reconciliation(district=district(WANZHOU), year=2021) == []


def test_r5_5_early_end_approved_first_leaves_nothing_for_the_advance(employer, filer, officer, funded):
    apprentice = person("钱学徒", "012", region=WANZHOU)
    end = submit(early_end(employer, filer, apprentice), filer)
    advance = submit(apprenticeship(employer, filer, apprentice, "advance"), filer)
    approve_all(end, officer)
    assert booked(apprentice) == D("5000.00")

    line = advance.lines.get()
    with pytest.raises(ApplicationError, match="测算金额为 0"):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
    line.refresh_from_db()  # the new quote is kept: the officer sees why
    assert line.amount == D("0.00") and line.decision == LineDecision.PENDING
    assert ("R5.5", "E") in [(f["rule"], f["severity"]) for f in line.findings]
    assert line.inputs["settled"] is True
    claim_line_decide(line=line, actor=officer, decision=LineDecision.REJECTED, rule="R5.5", reason="已结算")
    claim_approve(claim=advance, actor=officer)
    assert booked(apprentice) == D("5000.00")


def test_r5_5_a_line_approved_before_the_other_claim_was_booked_is_booked_at_the_lower_amount(
    employer, filer, officer, funded
):
    """The officer approved the early end's line at 5,000; the advance was booked before the final
    approval: the final approval books 1,000 and logs the change."""
    apprentice = person("钱学徒", "012", region=WANZHOU)
    end = submit(early_end(employer, filer, apprentice), filer)
    advance = submit(apprenticeship(employer, filer, apprentice, "advance"), filer)
    claim_line_decide(line=end.lines.get(), actor=officer, decision=LineDecision.APPROVED)
    approve_all(advance, officer)
    claim_approve(claim=end, actor=officer)
    assert end.lines.get().amount == D("1000.00") and booked(apprentice) == D("5000.00")
    log = StateChange.objects.filter(object_id=str(end.pk), to_state=S.APPROVED).get()
    assert log.changes["requoted"] == [{"line": end.lines.get().pk, "before": "5000.00", "after": "1000.00"}]


def test_r5_5_a_line_whose_new_quote_is_zero_goes_back_to_pending_and_nothing_is_booked(
    employer, filer, officer, funded
):
    apprentice = person("钱学徒", "012", region=WANZHOU)
    end = submit(early_end(employer, filer, apprentice), filer)
    advance = submit(apprenticeship(employer, filer, apprentice, "advance"), filer)
    claim_line_decide(line=advance.lines.get(), actor=officer, decision=LineDecision.APPROVED)
    approve_all(end, officer)
    with pytest.raises(ApplicationError, match="已改为待审核") as error:
        claim_approve(claim=advance, actor=officer)
    line = advance.lines.get()
    assert error.value.extra["reopened"] == [line.pk]
    assert (line.decision, line.amount) == (LineDecision.PENDING, D("0.00"))
    assert not LedgerEntry.objects.filter(claim_line=line).exists()
    assert booked(apprentice) == D("5000.00")


def test_r10_1_r10_2_an_advance_and_its_settlement_are_one_training(employer, filer, officer, funded):
    """The advance is not another training of the apprentice: with a per-year limit of 1 and an
    occupation and level, the completion has no R10.1 or R10.2 finding."""
    DistrictSettingFactory(
        district=district(WANZHOU), key="per_year_limit", value=1, effective_from=date(2021, 1, 1)
    )
    apprentice = person("钱学徒", "012", region=WANZHOU)
    trade = {"occupation": {"code": "6-18-01-01", "category": 6, "new": False}, "level": 4}
    values = {"end": date(2021, 12, 31), "planned_months": 12, **trade}
    approve_all(submit(apprenticeship(employer, filer, apprentice, "advance", **values), filer), officer)
    completion = apprenticeship(employer, filer, apprentice, "completion", **values)
    line = completion.lines.get()
    assert [f["rule"] for f in line.findings] == []
    assert line.amount == D("2000.00")  # 4000 × 12 / 12 − 2000 advanced
    # A different apprenticeship of the same trade is another training: R10.2.
    other = apprenticeship(
        employer, filer, apprentice, "completion", start=date(2021, 5, 1), **values
    ).lines.get()
    assert ("R10.2", "E") in [(f["rule"], f["severity"]) for f in other.findings]


# 以工代训 months are sets (R3.4, R3.5) ------------------------------------------------------------


def wft(employer, filer, who, *months, year=2021):
    return claim_create_work_for_training(
        actor=filer, employer=employer, workers=[WorkerMonths(who, list(months))], year=year
    )


def test_r3_5_july_between_april_and_october_is_claimed_and_paid(employer, filer, officer, funded):
    worker = person("王建国", "021", region=WANZHOU)
    first = wft(employer, filer, worker, "2021-04", "2021-10")
    assert [m.month.month for m in LineMonth.objects.filter(line__claim=first).order_by("month")] == [4, 10]
    approve_all(submit(first, filer), officer)
    july = wft(employer, filer, worker, "2021-07").lines.get()
    assert july.amount == D("500.00") and july.findings == []
    assert july.inputs["history"][0]["months"] == ["2021-04", "2021-10"]


def test_r3_5_a_refused_month_is_neither_paid_nor_blocking(employer, filer):
    worker = person("王建国", "021", region=WANZHOU)
    line = wft(employer, filer, worker, "2021-12", "2022-01").lines.get()  # 2022-01: R3.1
    assert [m.month.month for m in LineMonth.objects.filter(line=line)] == [12]
    assert line.start == date(2021, 12, 1) and line.end == date(2022, 1, 31)
    again = wft(employer, filer, worker, "2022-01").lines.get()
    assert [f["rule"] for f in again.findings] == ["R3.1"]  # not "已享受" (R3.5)


def test_r3_5_a_month_booked_once_per_worker_and_enterprise(employer, filer, officer, funded):
    worker = person("王建国", "021", region=WANZHOU)
    first = submit(wft(employer, filer, worker, "2021-05"), filer)
    second = submit(wft(employer, filer, worker, "2021-05", "2021-06"), filer)  # filed while pending
    approve_all(first, officer)
    approve_all(second, officer)
    line = second.lines.get()
    assert line.amount == D("500.00")
    assert [m.month.month for m in LineMonth.objects.filter(line=line, booked=True)] == [6]
    assert LineMonth.objects.filter(person=worker, month=date(2021, 5, 1), booked=True).count() == 1


def test_r3_4_a_class_overlaps_only_the_claimed_months(employer, filer, officer, funded, lathe, rates):  # noqa: F811
    worker = person("王建国", "021", region=WANZHOU)
    approve_all(submit(wft(employer, filer, worker, "2021-04", "2021-10"), filer), officer)

    def training(start, end):
        return claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=EnterpriseTraining("岗位提升", lathe, 4, start, end),
            trainees=[EnterpriseTrainee(worker, "employee", attended_offline=60)],
        ).lines.get()

    assert training(date(2021, 7, 5), date(2021, 7, 30)).findings == []
    assert "R3.4" in [f["rule"] for f in training(date(2021, 9, 20), date(2021, 10, 2)).findings]


# R10.1: a district's limit dated on or before 2021-03-01 -----------------------------------------


@pytest.mark.parametrize("effective_from", [date(2021, 1, 1), date(2021, 3, 1)])
def test_r10_1_a_district_limit_dated_on_or_before_the_notice_applies(
    employer,
    filer,
    lathe,  # noqa: F811 - fixture
    rates,  # noqa: F811 - fixture
    effective_from,
):
    DistrictSettingFactory(
        district=district(WANZHOU), key="per_year_limit", value=1, effective_from=effective_from
    )
    staff = person("孙职工", "013", region=WANZHOU)

    def training(start):
        return claim_create_enterprise_direct(
            actor=filer,
            employer=employer,
            training=EnterpriseTraining("岗位提升", lathe, 4, start, start.replace(day=20)),
            trainees=[EnterpriseTrainee(staff, "employee", attended_offline=30)],
        ).lines.get()

    first = training(date(2021, 5, 3))
    # Filed: a draft claims nothing yet, a submitted claim counts towards the limit.
    claim_transition(claim=first.claim, actor=filer, to=S.SUBMITTED)
    second = training(date(2021, 9, 1))
    assert second.inputs["per_year_limit"] == 1
    assert ("R10.1", "E") in [(f["rule"], f["severity"]) for f in second.findings]


# A written reason for every judgement --------------------------------------------------------------


def test_a_w_finding_is_approved_only_with_a_reason_and_bulk_approval_leaves_it(
    employer, filer, officer, funded
):
    plain, long = person("李春梅", "031", region=WANZHOU), person("张平", "032", region=WANZHOU)
    claim = claim_create_apprenticeship(
        actor=filer,
        employer=employer,
        stage="advance",
        apprentices=[
            Apprentice(person=plain, start=date(2021, 4, 1), end=date(2023, 3, 31), planned_months=24),
            Apprentice(
                person=long, start=date(2021, 4, 1), end=date(2024, 3, 31), planned_months=36
            ),  # R5.1 W
        ],
        year=2021,
    )
    submit(claim, filer)
    outcome = claim_lines_approve_pending(claim=claim, actor=officer)
    assert outcome.approved == 1
    [(skipped, problems)] = outcome.skipped
    assert skipped.person == long and "R5.1 [W]" in problems[0] and "须填写理由" in problems[0]
    with pytest.raises(ApplicationError, match="审核通过须填写理由") as error:
        claim_line_decide(line=skipped, actor=officer, decision=LineDecision.APPROVED)
    assert error.value.field == "reason"
    claim_line_decide(
        line=skipped, actor=officer, decision=LineDecision.APPROVED, reason="企业培养方案经区县批准为 36 个月"
    )
    log = StateChange.objects.filter(object_id=str(claim.pk)).exclude(changes={}).order_by("pk").last()
    assert (log.changes["accepted"], log.reason) == (["R5.1"], "企业培养方案经区县批准为 36 个月")
    claim_approve(claim=claim, actor=officer)
    assert booked(long) == D("6000.00")  # half of 4000 × 36 / 12


def test_r5_3_an_early_end_for_another_reason_is_claimed_and_carries_the_w_finding(
    employer, filer, officer, funded
):
    apprentice = person("钱学徒", "012", region=WANZHOU)
    claim = apprenticeship(
        employer,
        filer,
        apprentice,
        "early_end",
        actual_months=15,
        early_end="other",
        early_end_reason="学徒应征入伍",
    )
    line = claim.lines.get()
    assert line.amount == D("5000.00")
    assert [(f["rule"], f["severity"]) for f in line.findings] == [("R5.3", "W")]
    submit(claim, filer)
    with pytest.raises(ApplicationError, match=r"R5\.3"):
        claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
    claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED, reason="有入伍通知书")
    claim_approve(claim=claim, actor=officer)
    assert booked(apprentice) == D("5000.00")


def test_r5_3_other_needs_its_reason_in_the_form(client, employer, filer):
    client.force_login(filer)
    data = {
        "employer": employer.pk,
        "stage": "early_end",
        "year": 2021,
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "rows-0-id_number": person("钱学徒", "012", region=WANZHOU).id_number,
        "rows-0-name": "钱学徒",
        "rows-0-start": "2021-04-01",
        "rows-0-end": "2023-03-31",
        "rows-0-planned_months": "24",
        "rows-0-passed": "on",
        "rows-0-actual_months": "15",
        "rows-0-early_end": "other",
    }
    response = client.post(reverse("claims:create_apprenticeship"), data)
    assert response.status_code == 200 and "须写明原因" in response.content.decode()
    # the summary above the table names the row's field and links to it (the table scrolls at 390 px)
    summary = response.content.decode().split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_rows-0-early_end_reason"' in summary and "第 1 行「其他原因说明」" in summary
    response = client.post(
        reverse("claims:create_apprenticeship"), {**data, "rows-0-early_end_reason": "学徒应征入伍"}
    )
    assert response.status_code == 302
    assert employer.claims.get().lines.get().inputs["early_end_reason"] == "学徒应征入伍"


# Reproducible lines --------------------------------------------------------------------------------


def test_a_stored_line_requotes_to_its_amount_with_the_district_settings_in_its_inputs(employer, filer):
    DistrictSettingFactory(district=district(WANZHOU), key="wft_monthly_amount", value=D("600"))
    line = wft(employer, filer, person("王建国", "021", region=WANZHOU), "2021-04", "2021-05").lines.get()
    assert line.amount == D("1200.00") and line.inputs["monthly_amount"] == "600.00"
    stored, again = stored_and_requoted(line)
    assert again == stored


# Recovery (追回) ------------------------------------------------------------------------------------


@pytest.fixture
def paid_wft(employer, filer, officer, funded):
    worker = person("王建国", "021", region=WANZHOU)
    claim = approve_all(submit(wft(employer, filer, worker, "2021-04", "2021-05"), filer), officer)
    line = claim.lines.get()
    notice_over([line.pk])
    payment_record(
        actor=officer,
        district=district(WANZHOU),
        reference="BF-1",
        paid_on=date(2021, 12, 1),
        line_ids=[line.pk],
    )
    return line


def test_recovery_of_a_paid_line_reverses_it_and_leaves_a_receivable(paid_wft, officer, employer, filer):
    recovery = line_recover(
        line=paid_wft, actor=officer, rule="R3.4", reason="同期参加培训班", source="稽核疑点 #7"
    )
    paid_wft.refresh_from_db()
    assert (recovery.amount, recovery.receivable, recovery.status) == (
        D("1000.00"),
        D("1000.00"),
        "outstanding",
    )
    assert recovery.entry.kind == EntryKind.RECOVERY and recovery.entry.amount == D("-1000.00")
    assert (paid_wft.decision, paid_wft.decision_rule) == (LineDecision.REJECTED, "R3.4")
    assert not LineMonth.objects.filter(line=paid_wft, booked=True).exists()
    share = next(b for b in balances(district=district(WANZHOU), year=2021) if b.share == "work_for_training")
    assert (share.booked, share.paid, share.receivable) == (D("0.00"), D("1000.00"), D("1000.00"))
    assert reconciliation(district=district(WANZHOU), year=2021) == []
    # The months are free again: a corrected claim may be filed and paid.
    assert wft(employer, filer, paid_wft.person, "2021-04").lines.get().amount == D("500.00")

    recovery_returned(recovery=recovery, actor=officer, returned_on=date(2021, 12, 20), reference="TH-1")
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.RETURNED
    share = next(b for b in balances(district=district(WANZHOU), year=2021) if b.share == "work_for_training")
    assert share.receivable == D("0.00")
    assert reconciliation(district=district(WANZHOU), year=2021) == []


def test_recovery_of_an_unpaid_line_owes_nothing(employer, filer, officer, funded):
    claim = approve_all(
        submit(wft(employer, filer, person("王建国", "021", region=WANZHOU), "2021-04"), filer), officer
    )
    recovery = line_recover(line=claim.lines.get(), actor=officer, rule="R3.5", reason="重复申领")
    assert (recovery.receivable, recovery.status) == (D("0.00"), RecoveryStatus.NOTHING_DUE)
    with pytest.raises(ApplicationError, match="无需登记退回"):
        recovery_returned(recovery=recovery, actor=officer, returned_on=date(2021, 12, 1), reference="x")
    assert reconciliation(district=district(WANZHOU), year=2021) == []


def test_recovery_needs_the_districts_officer_a_rule_a_reason_and_a_booked_line(paid_wft, officer):
    other = UserFactory(officer=True, district=district("500103"))
    for actor, rule, reason, match in (
        (other, "R3.4", "x", "本区县人力社保局经办人员"),
        (officer, "", "x", "依据规则"),
        (officer, "R3.4", " ", "填写理由"),
    ):
        with pytest.raises(ApplicationError, match=match):
            line_recover(line=paid_wft, actor=actor, rule=rule, reason=reason)
    assert not Recovery.objects.exists()
    line_recover(line=paid_wft, actor=officer, rule="R3.4", reason="x")
    with pytest.raises(ApplicationError, match="未记账"):
        line_recover(line=paid_wft, actor=officer, rule="R3.4", reason="again")
    assert Recovery.objects.count() == 1


def test_the_claimant_sees_the_recovery_on_the_claim_page_and_in_its_history(
    client, paid_wft, officer, filer
):
    line_recover(line=paid_wft, actor=officer, rule="R3.4", reason="同期参加培训班")
    client.force_login(filer)
    page = client.get(reverse("claims:detail", args=[paid_wft.claim_id])).content.decode()
    assert 'id="recoveries"' in page and "同期参加培训班" in page and "待退回" in page
    assert "追回 1000.00 元" in page  # the history, in words


def test_the_recovery_pages_and_api(client, paid_wft, officer, api_client):
    client.force_login(officer)
    form = client.get(reverse("ledger:line_recover", args=[paid_wft.pk]) + "?source=稽核疑点 %2312")
    assert form.status_code == 200 and "稽核疑点 #12" in form.content.decode()
    response = client.post(
        reverse("ledger:line_recover", args=[paid_wft.pk]),
        {"rule": "R3.4", "reason": "同期参加培训班", "source": "稽核疑点 #12", "confirm": "on"},
    )
    assert response.status_code == 302
    recovery = Recovery.objects.get()
    listing = client.get(reverse("ledger:recoveries")).content.decode()
    assert "同期参加培训班" in listing and reverse("ledger:recovery_returned", args=[recovery.pk]) in listing
    api_client.force_authenticate(officer)
    data = api_client.get("/api/v1/ledger/recoveries").json()
    assert [(r["id"], r["receivable"], r["status"]) for r in data["results"]] == [
        (recovery.pk, "1000.00", "outstanding")
    ]
    answer = api_client.post(
        f"/api/v1/ledger/recoveries/{recovery.pk}/returned",
        {"returned_on": "2021-12-20", "reference": "TH-1"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "returned"


def test_an_auditor_and_a_claimant_cannot_recover(client, api_client, paid_wft, filer):
    auditor = UserFactory(auditor=True)
    for user in (auditor, filer):
        client.force_login(user)
        assert client.get(reverse("ledger:line_recover", args=[paid_wft.pk])).status_code in (403, 404)
        api_client.force_authenticate(user)
        answer = api_client.post(
            f"/api/v1/ledger/lines/{paid_wft.pk}/recovery", {"rule": "R3.4", "reason": "x"}
        )
        assert answer.status_code in (403, 404)
    assert not Recovery.objects.exists() and Payment.objects.count() == 1
