"""Issue 14: a claimant's drafts. Drafts claim nothing (a stray draft blocks no one), findings on
a person's other trainings name the claim that raises them, a draft is edited and deleted by its
owner only, the funding year follows the training's dates, a missing allocation says where it is
set, and a returned claim shows why at the top of its page."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.claims.models import Claim, ClaimStatus, LineMonth
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.drafts import claim_delete_draft
from apps.claims.services.employer_claims import (
    Apprentice,
    EnterpriseTrainee,
    EnterpriseTraining,
    WorkerMonths,
    claim_create_apprenticeship,
    claim_create_enterprise_direct,
    claim_create_work_for_training,
    claim_update_work_for_training,
)
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.recompute import claim_recompute
from apps.core.errors import ApplicationError
from apps.core.masking import mask_id_number
from apps.core.models import StateChange
from tests.factories import NumberedEmployerFactory, UserFactory, district

from .conftest import person

pytestmark = pytest.mark.django_db
S = ClaimStatus
MONTHS = ["2021-10", "2021-11", "2021-12"]


@pytest.fixture
def worker(db):
    return person("赵以工", "011", region="500101")


@pytest.fixture
def wanzhou_officer(db):
    return UserFactory(officer=True, district=district("500101"))


def _wft(filer, employer, worker, months=MONTHS, year=None):
    return claim_create_work_for_training(
        actor=filer, employer=employer, workers=[WorkerMonths(worker, list(months))], year=year
    )


def _r35(claim):
    return [f for f in claim.lines.get().findings if f["rule"] == "R3.5"]


# Drafts claim nothing; a refusal names the claim ---------------------------------------------


def test_a_stray_draft_does_not_block_the_next_claim(filer, employer, worker):
    stray = _wft(filer, employer, worker)
    claim = _wft(filer, employer, worker)
    assert _r35(claim) == []
    assert claim.total == Decimal("1500.00")
    assert stray.total == Decimal("1500.00")


def test_a_submitted_claim_blocks_and_the_finding_names_it(filer, employer, worker):
    first = _wft(filer, employer, worker)
    claim_transition(claim=first, actor=filer, to=S.SUBMITTED)
    second = claim_recompute(claim=_wft(filer, employer, worker))
    assert len(_r35(second)) == 3
    assert second.total == Decimal("0.00")
    page = Client()
    page.force_login(filer)
    html = page.get(reverse("claims:detail", args=[second.pk])).content.decode()
    link = f'<a href="{reverse("claims:detail", args=[first.pk])}">#{first.pk}</a>（以工代训，'
    assert link in html
    assert "已提交" in html.split(link)[1][:80]


def test_a_blocking_claim_the_viewer_cannot_open_is_named_without_a_link(filer, employer, worker):
    apprenticeship = claim_create_apprenticeship(
        actor=filer,
        employer=employer,
        stage="advance",
        apprentices=[
            Apprentice(person=worker, start=date(2021, 11, 1), end=date(2022, 10, 31), planned_months=12)
        ],
    )
    claim_transition(claim=apprenticeship, actor=filer, to=S.SUBMITTED)
    other_filer = UserFactory(filer=True)
    other = NumberedEmployerFactory(members=[other_filer])
    # The other enterprise's 以工代训 month overlaps the apprenticeship (R3.4).
    claim = _wft(other_filer, other, worker, months=["2021-11"])
    assert [f["rule"] for f in claim.lines.get().findings] == ["R3.4"]
    page = Client()
    page.force_login(other_filer)
    html = page.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert f"#{apprenticeship.pk}（企业新型学徒制，" in html
    assert reverse("claims:detail", args=[apprenticeship.pk]) not in html


# Editing a draft ---------------------------------------------------------------------------------


def test_the_owner_edits_a_draft_and_the_months_follow(filer, employer, worker):
    claim = _wft(filer, employer, worker)
    claim = claim_update_work_for_training(
        claim=claim, actor=filer, workers=[WorkerMonths(worker, ["2021-11", "2021-12"])]
    )
    line = claim.lines.get()
    assert claim.total == line.amount == Decimal("1000.00")
    assert sorted(
        m.strftime("%Y-%m")
        for m in LineMonth.objects.filter(line__claim=claim).values_list("month", flat=True)
    ) == [
        "2021-11",
        "2021-12",
    ]
    log = StateChange.objects.filter(object_id=str(claim.pk), reason="修改以工代训申领明细").get()
    assert log.changes["edit"] == {"total": ["1500.00", "1000.00"]}


def test_a_draft_with_months_apart_is_not_edited_on_the_form_that_would_fill_the_gap(filer, employer, worker):
    """The form gives a worker one span of months; a draft of 2021-04 and 2021-10 (filed over the
    API) shown there would be saved as April to October. The page refuses, names the worker and
    leaves the draft as it was."""
    claim = _wft(filer, employer, worker, months=["2021-04", "2021-10"])
    page = Client()
    page.force_login(filer)
    response = page.get(reverse("claims:edit", args=[claim.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("claims:detail", args=[claim.pk])
    assert f"{worker.name} 申领的月份不连续" in response.content.decode()
    assert sorted(claim.lines.get().inputs["months"]) == ["2021-04", "2021-10"]
    contiguous = _wft(filer, employer, person("钱连续", "033"), months=["2021-10", "2021-11"])
    assert page.get(reverse("claims:edit", args=[contiguous.pk])).status_code == 200


def test_the_edit_page_keeps_a_masked_row_as_the_same_person(filer, employer, worker):
    claim = _wft(filer, employer, worker)
    page = Client()
    page.force_login(filer)
    url = reverse("claims:edit", args=[claim.pk])
    shown = page.get(url).content.decode()
    masked = mask_id_number(worker.id_number)
    assert f'value="{masked}"' in shown and worker.id_number not in shown
    answer = page.post(
        url,
        {
            "employer": employer.pk,
            "year": "",
            "rows-TOTAL_FORMS": "2",
            "rows-INITIAL_FORMS": "1",
            "rows-0-id_number": masked,
            "rows-0-name": worker.name,
            "rows-0-month_from": "2021-12",
            "rows-0-month_to": "2021-12",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    claim.refresh_from_db()
    line = claim.lines.get()
    assert (line.person_id, line.inputs["months"], claim.total, claim.year) == (
        worker.pk,
        ["2021-12"],
        Decimal("500.00"),
        2021,
    )


def test_a_submitted_claim_cannot_be_edited_or_deleted(filer, employer, worker):
    claim = _wft(filer, employer, worker)
    claim_transition(claim=claim, actor=filer, to=S.SUBMITTED)
    with pytest.raises(ApplicationError, match="不能修改申领"):
        claim_update_work_for_training(claim=claim, actor=filer, workers=[WorkerMonths(worker, ["2021-12"])])
    with pytest.raises(ApplicationError, match="只有草稿可以删除"):
        claim_delete_draft(claim=claim, actor=filer)
    assert claim.lines.get().inputs["months"] == MONTHS


def test_a_returned_claim_is_edited_and_shows_its_return_reason(filer, employer, worker, wanzhou_officer):
    claim = _wft(filer, employer, worker)
    claim_transition(claim=claim, actor=filer, to=S.SUBMITTED)
    claim_transition(claim=claim, actor=wanzhou_officer, to=S.RETURNED, reason="12 月考勤表缺失")
    page = Client()
    page.force_login(filer)
    html = page.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert html.index("退回修改原因") < html.index("申领概况")
    assert "12 月考勤表缺失" in html
    claim = claim_update_work_for_training(
        claim=claim, actor=filer, workers=[WorkerMonths(worker, ["2021-10"])]
    )
    assert (claim.status, claim.total) == (S.RETURNED, Decimal("500.00"))


# Deleting a draft --------------------------------------------------------------------------------


def test_the_owner_deletes_a_draft_and_a_deletion_record_stays(filer, employer, worker):
    claim = _wft(filer, employer, worker)
    pk = claim.pk
    page = Client()
    page.force_login(filer)
    assert "删除草稿" in page.get(reverse("claims:delete", args=[pk])).content.decode()
    answer = page.post(reverse("claims:delete", args=[pk]), {"reason": "重复录入", "confirm": "on"})
    assert answer.status_code == 302
    assert not Claim.objects.filter(pk=pk).exists()
    assert not LineMonth.objects.filter(person=worker).exists()
    record = StateChange.objects.get(object_id=str(pk), to_state="deleted")
    assert (record.from_state, record.reason, record.actor) == (S.DRAFT, "重复录入", filer)
    assert record.changes["deleted"]["total"] == "1500.00"
    assert record.changes["deleted"]["persons"] == [worker.pk]


def test_deleting_needs_the_confirmation(filer, employer, worker):
    claim = _wft(filer, employer, worker)
    page = Client()
    page.force_login(filer)
    answer = page.post(reverse("claims:delete", args=[claim.pk]), {"reason": "x"})
    assert answer.status_code == 200
    assert Claim.objects.filter(pk=claim.pk).exists()


ROLES = {
    # role: (edit page, delete post) answers on the enterprise's draft
    "filer_own": (200, 302),
    "filer_other": (404, 404),
    "officer_of_district": (403, 403),
    "officer_other_district": (404, 404),
    "municipal_admin": (403, 403),
    "reviewer_engaged": (404, 404),
    "operator": (404, 404),
    "auditor": (404, 404),
}


def _user(role, filer):
    wanzhou = district("500101")
    return {
        "filer_own": lambda: filer,
        "filer_other": lambda: UserFactory(filer=True),
        "officer_of_district": lambda: UserFactory(officer=True, district=wanzhou),
        "officer_other_district": lambda: UserFactory(officer=True),
        "municipal_admin": lambda: UserFactory(municipal_admin=True),
        "reviewer_engaged": lambda: UserFactory(reviewer=True, engaged=[wanzhou]),
        "operator": lambda: UserFactory(operator=True),
        "auditor": lambda: UserFactory(auditor=True),
    }[role]()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_the_owner_edits_or_deletes_a_draft(role, filer, employer, worker):
    claim = _wft(filer, employer, worker)
    user = _user(role, filer)
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    edit, delete = ROLES[role]
    assert page.get(reverse("claims:edit", args=[claim.pk])).status_code == edit
    body = {
        "kind": "work_for_training",
        "workers": [{"id_number": worker.id_number, "name": worker.name, "months": ["2021-12"]}],
    }
    patched = api.patch(f"/api/v1/claims/{claim.pk}/", body, format="json")
    assert patched.status_code == (200 if role == "filer_own" else delete)
    if role != "filer_own":
        claim.refresh_from_db()
        assert claim.total == Decimal("1500.00")
    deleted = api.delete(f"/api/v1/claims/{claim.pk}/")
    assert deleted.status_code == (204 if role == "filer_own" else delete)
    assert Claim.objects.filter(pk=claim.pk).exists() is (role != "filer_own")


def test_anonymous_is_sent_to_sign_in(filer, employer, worker):
    claim = _wft(filer, employer, worker)
    assert Client().get(reverse("claims:edit", args=[claim.pk])).status_code == 302
    assert APIClient().delete(f"/api/v1/claims/{claim.pk}/").status_code == 401
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_api_patch_replaces_the_rows_and_derives_the_year(filer, employer, worker):
    claim = _wft(filer, employer, worker, year=2026)
    api = APIClient()
    api.force_authenticate(filer)
    body = {
        "kind": "work_for_training",
        "workers": [{"id_number": worker.id_number, "name": worker.name, "months": ["2021-12"]}],
    }
    answer = api.patch(f"/api/v1/claims/{claim.pk}/", body, format="json")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["year"], answer.json()["total"]) == (2021, "500.00")


# The funding year ---------------------------------------------------------------------------------


def test_the_funding_year_follows_the_training_dates(filer, employer, worker):
    assert _wft(filer, employer, worker).year == 2021
    assert _wft(filer, employer, worker, year=2022).year == 2022  # named by the filer
    apprentice = person("钱学徒", "012", region="500101")

    def stage(name, **extra):
        return claim_create_apprenticeship(
            actor=filer,
            employer=employer,
            stage=name,
            apprentices=[
                Apprentice(
                    person=apprentice,
                    start=date(2021, 4, 1),
                    end=date(2023, 3, 31),
                    planned_months=24,
                    **extra,
                )
            ],
        ).year

    assert stage("advance") == 2021
    assert stage("completion") == 2023
    assert stage("early_end", actual_months=12, early_end="closure") == 2022


def test_the_form_leaves_the_year_blank_and_says_how_it_is_found(filer, employer):
    page = Client()
    page.force_login(filer)
    html = page.get(reverse("claims:create_work_for_training")).content.decode()
    assert 'name="year"' in html and "留空则按培训日期确定" in html
    assert f'name="year" value="{date.today().year}"' not in html


@pytest.mark.parametrize("role", ["municipal_admin", "officer"])
def test_a_missing_allocation_says_who_sets_it(role, filer, employer, worker, wanzhou_officer):
    from apps.claims.services.review import claim_line_decide

    claim = _wft(filer, employer, worker, year=2027)
    claim_transition(claim=claim, actor=filer, to=S.SUBMITTED)
    user = UserFactory(municipal_admin=True) if role == "municipal_admin" else wanzhou_officer
    claim_line_decide(line=claim.lines.get(), actor=user, decision="approved")
    page = Client()
    page.force_login(user)
    answer = page.post(reverse("ledger:claim_approve", args=[claim.pk]), {"confirm": "on"}, follow=True)
    html = answer.content.decode()
    assert "2027 年度尚未设置专账资金额度" in html
    link = f'href="{reverse("ledger:allocations")}?year=2027"'
    assert link in html
    if role == "officer":
        assert "请联系市人力社保局管理员设置 2027 年度专账资金额度" in html
    else:
        assert "设置 2027 年度专账资金额度</a>" in html
    claim.refresh_from_db()
    assert claim.status == S.UNDER_REVIEW


def test_a_class_claim_year_is_the_class_end_year_and_the_pages_say_so(completed_class, operator):
    page = Client()
    page.force_login(operator)
    html = page.get(reverse("claims:create_for_class", args=[completed_class.pk])).content.decode()
    end_year = completed_class.end_date.year
    assert f"<dd>{end_year} <small" in html and "按班级结业日期所在年度" in html
    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    assert claim.year == end_year
    html = page.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert f"· {end_year} <small" in html and "资金年度按班级结业日期所在年度" in html


def test_an_enterprise_draft_is_edited_on_its_prefilled_form(lathe, rates):
    filer = UserFactory(filer=True)
    classified = NumberedEmployerFactory(classified=True, members=[filer])
    one, two = person("孙职工", "013"), person("钱职工", "014")
    claim = claim_create_enterprise_direct(
        actor=filer,
        employer=classified,
        training=EnterpriseTraining("数控车床操作岗位提升", lathe, 4, date(2026, 11, 2), date(2026, 11, 20)),
        trainees=[
            EnterpriseTrainee(one, "employee", attended_offline=60),
            EnterpriseTrainee(two, "dispatched", attended_offline=60),
        ],
    )
    assert claim.total == Decimal("3000.00")
    page = Client()
    page.force_login(filer)
    url = reverse("claims:edit", args=[claim.pk])
    shown = page.get(url).content.decode()
    assert 'value="数控车床操作岗位提升"' in shown and 'value="2026-11-02"' in shown
    assert f'value="{mask_id_number(two.id_number)}"' in shown and two.id_number not in shown
    rows = {  # the two rows as shown, the second one's hours changed (extra blank rows: not posted)
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "2",
        "rows-0-id_number": mask_id_number(one.id_number),
        "rows-0-name": one.name,
        "rows-0-relation": "employee",
        "rows-0-attended_offline": "60",
        "rows-0-attended_online": "0",
        "rows-0-passed": "on",
        "rows-1-id_number": mask_id_number(two.id_number),
        "rows-1-name": two.name,
        "rows-1-relation": "dispatched",
        "rows-1-attended_offline": "30",
        "rows-1-attended_online": "0",
        "rows-1-passed": "on",
    }
    header = {
        "employer": classified.pk,
        "training_name": "数控车床操作岗位提升（二期）",
        "occupation": lathe.pk,
        "level": "4",
        "start": "2026-11-02",
        "end": "2026-11-20",
        "planned_online": "0",
    }
    answer = page.post(url, {**header, **rows})
    assert answer.status_code == 302, answer.content.decode()
    claim.refresh_from_db()
    amounts = dict(claim.lines.values_list("person_id", "amount"))
    assert amounts == {one.pk: Decimal("1500.00"), two.pk: Decimal("750.00")}
    assert claim.total == Decimal("2250.00")
    assert claim.class_snapshot["training"]["name"] == "数控车床操作岗位提升（二期）"
    assert claim.class_snapshot["relations"] == {str(one.pk): "employee", str(two.pk): "dispatched"}
