"""Every role × every claim and ledger page and API action, around a 渝中区 class claim under
review (lines decided, one material), a 渝中区 enterprise's draft 以工代训 claim (one material)
and an approved one booked in the ledger.

Out of scope answers 404 (like a missing object), visible but not allowed 403, the anonymous
visitor is sent to the login page (401 on the API); a refused action changes nothing. Each role
runs in a savepoint rolled back afterwards, so every role meets the same world.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.claims.models import Claim, ClaimLine, ClaimMaterial, ClaimStatus, LineDecision, LineRecommendation
from apps.claims.services.class_claims import claim_create_for_class
from apps.claims.services.employer_claims import WorkerMonths, claim_create_work_for_training
from apps.claims.services.lifecycle import claim_transition
from apps.claims.services.materials import claim_material_upload
from apps.claims.services.review import claim_line_decide
from apps.core.masking import mask_id_number
from apps.core.models import StateChange
from apps.ledger.models import Allocation, LedgerEntry, Payment
from apps.ledger.services import claim_approve
from apps.trainees.models import Person, PersonGroup
from tests.factories import (
    NumberedEmployerFactory,
    NumberedInstitutionFactory,
    UserFactory,
    district,
    notice_over,
)

from .conftest import id_number, person

pytestmark = pytest.mark.django_db
S = ClaimStatus
PDF = b"%PDF-1.4\n%%EOF\n"

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
SIGNED_IN = ROLES[:-1]


@dataclass
class World:
    users: dict[str, Any]
    claim: Claim  # the school's class claim, under review
    line: ClaimLine  # a line of it with an amount
    material: ClaimMaterial  # of the class claim
    draft: Claim  # the enterprise's draft 以工代训 claim
    draft_material: ClaimMaterial
    approved: Claim  # the enterprise's approved 以工代训 claim, booked
    entry: LedgerEntry
    training_class: Any

    def snapshot(self) -> tuple:
        return (
            tuple(
                Claim.objects.order_by("pk").values_list(
                    "pk", "status", "total", "approved_total", "recommendation"
                )
            ),
            tuple(ClaimLine.objects.order_by("pk").values_list("pk", "decision", "amount")),
            tuple(ClaimMaterial.objects.order_by("pk").values_list("pk", flat=True)),
            LineRecommendation.objects.count(),
            StateChange.objects.count(),
            LedgerEntry.objects.count(),
            Payment.objects.count(),
            tuple(Allocation.objects.order_by("pk").values_list("amount", "work_for_training_share")),
        )


@pytest.fixture
def world(completed_class, operator, officer, admin_user, allocation) -> World:
    yuzhong, wanzhou = district("500103"), district("500101")
    users = {
        "municipal_admin": admin_user,
        "officer_of_district": officer,
        "officer_other_district": UserFactory(officer=True, district=wanzhou),
        "reviewer_engaged": UserFactory(reviewer=True, engaged=[yuzhong]),
        "reviewer_not_engaged": UserFactory(reviewer=True, engaged=[wanzhou]),
        "operator_own": operator,
        "operator_other": UserFactory(operator=True, district=wanzhou),
        "filer_own": UserFactory(filer=True, district=yuzhong),
        "filer_other": UserFactory(filer=True, district=wanzhou),
        "auditor": UserFactory(auditor=True),
    }
    NumberedInstitutionFactory(wanzhou=True, members=[users["operator_other"]])
    employer = NumberedEmployerFactory(yuzhong=True, members=[users["filer_own"]])
    NumberedEmployerFactory(members=[users["filer_other"]])
    PersonGroup.objects.create(person=completed_class.trainees["full"], group="poverty_alleviated")

    claim = claim_create_for_class(actor=operator, training_class=completed_class)
    material = claim_material_upload(
        claim=claim, actor=operator, kind="sign_in", upload=SimpleUploadedFile("签到表.pdf", PDF)
    )
    claim = claim_transition(claim=claim, actor=operator, to=S.SUBMITTED)
    for line in claim.lines.all():
        if line.amount:
            claim_line_decide(line=line, actor=officer, decision=LineDecision.APPROVED)
        else:
            claim_line_decide(
                line=line, actor=officer, decision=LineDecision.REJECTED, rule="R2.6", reason="x"
            )

    def wft(serial: str) -> Claim:
        return claim_create_work_for_training(
            actor=users["filer_own"],
            employer=employer,
            workers=[WorkerMonths(person(f"职工{serial}", serial), ["2021-10"])],
            year=2026,
        )

    draft = wft("201")
    draft_material = claim_material_upload(
        claim=draft, actor=users["filer_own"], kind="other", upload=SimpleUploadedFile("说明.pdf", PDF)
    )
    approved = claim_transition(claim=wft("202"), actor=users["filer_own"], to=S.SUBMITTED)
    claim_line_decide(line=approved.lines.get(), actor=officer, decision=LineDecision.APPROVED)
    approved = claim_approve(claim=approved, actor=officer)
    notice_over(approved.lines.values_list("pk", flat=True))  # payable: published, period over
    return World(
        users=users,
        claim=claim,
        line=claim.lines.filter(amount__gt=0).first(),
        material=material,
        draft=draft,
        draft_material=draft_material,
        approved=approved,
        entry=LedgerEntry.objects.get(claim_line__claim=approved),
        training_class=completed_class,
    )


def _expect(ok: Any, *, default: Any = 404, anonymous: Any = "login", **roles: Any) -> dict:
    """Every role's expected answer: `roles` by name (True: `ok`), else `default`."""
    expected = dict.fromkeys(ROLES, default)
    expected.update(roles)
    expected["anonymous"] = anonymous
    return {role: (ok if value is True else value) for role, value in expected.items()}


def officer_action(ok: Any, anonymous: Any = "login") -> dict:
    """On the class claim: the district's officers and the admin act; who else sees it only reads."""
    return _expect(
        ok,
        anonymous=anonymous,
        municipal_admin=True,
        officer_of_district=True,
        reviewer_engaged=403,
        operator_own=403,
        auditor=403,
    )


def claimant_action(ok: Any, anonymous: Any = "login") -> dict:
    """On the enterprise's draft: its filers act; who else sees it only reads; third parties and
    auditors do not see a draft at all."""
    return _expect(
        ok,
        anonymous=anonymous,
        filer_own=True,
        municipal_admin=403,
        officer_of_district=403,
    )


def recommend(ok: Any, anonymous: Any = "login") -> dict:
    """The third party engaged by the district; who else sees the claim: 403."""
    return _expect(
        ok,
        anonymous=anonymous,
        reviewer_engaged=True,
        municipal_admin=403,
        officer_of_district=403,
        operator_own=403,
        auditor=403,
    )


def class_claimant(ok: Any, anonymous: Any = "login") -> dict:
    """Claiming for the completed class: its operators; who sees the class but is not its operator: 403."""
    return _expect(
        ok,
        anonymous=anonymous,
        operator_own=True,
        municipal_admin=403,
        officer_of_district=403,
        reviewer_engaged=403,
        auditor=403,
    )


SEES_CLAIM = ("municipal_admin", "officer_of_district", "reviewer_engaged", "operator_own", "auditor")
# A draft is the claimant's until it is submitted: third parties and auditors do not see it (issue 14).
SEES_DRAFT = ("municipal_admin", "officer_of_district", "filer_own")
SEES_FILED = (*SEES_DRAFT, "reviewer_engaged", "auditor")  # the enterprise's approved claim
LEDGER_READERS = ("municipal_admin", "officer_of_district", "officer_other_district", "auditor")


def sees(ok: Any, who: tuple[str, ...], anonymous: Any = "login") -> dict:
    return _expect(ok, anonymous=anonymous, **dict.fromkeys(who, True))


def ledger_read(ok: Any, anonymous: Any = "login", **roles: Any) -> dict:
    return _expect(ok, default=403, anonymous=anonymous, **{**dict.fromkeys(LEDGER_READERS, True), **roles})


def filers(ok: Any, anonymous: Any = "login") -> dict:
    return _expect(ok, default=403, anonymous=anonymous, filer_own=True, filer_other=True)


def ledger_object(ok: Any, anonymous: Any = "login") -> dict:
    """A 渝中区 ledger object: its officers and the admin act; the auditor reads only; the other
    district's officer and those who do not read the ledger at all do not see it."""
    return _expect(ok, anonymous=anonymous, municipal_admin=True, officer_of_district=True, auditor=403)


def ledger_act(ok: Any, anonymous: Any = "login", **roles: Any) -> dict:
    """Acting in 渝中区's account from a list page: who does not read the ledger or only reads: 403."""
    return _expect(
        ok,
        default=403,
        anonymous=anonymous,
        municipal_admin=True,
        officer_of_district=True,
        **roles,
    )


def admin_only(ok: Any, anonymous: Any = "login") -> dict:
    """A district's allocation is the municipal bureau's figure (R8.2): the admin alone sets it;
    the district's officers read it and are refused (403) like everyone else."""
    return _expect(ok, default=403, anonymous=anonymous, municipal_admin=True)


# Running one action as one role ------------------------------------------------------------------


def _payload(data: Any, w: World, user: Any) -> Any:
    return data(w, user) if callable(data) else dict(data or {})


def page(method: str, name: str, args: Any = (), data: Any = None, query: str = "") -> Any:
    def run(client: Any, w: World, user: Any) -> Any:
        url = reverse(name, args=args(w) if callable(args) else args) + query
        return client.get(url) if method == "get" else client.post(url, _payload(data, w, user))

    return run


def api(method: str, path: Any, data: Any = None, fmt: str = "json") -> Any:
    def run(client: Any, w: World, user: Any) -> Any:
        url = path(w) if callable(path) else path
        return client.get(url) if method == "get" else client.post(url, _payload(data, w, user), format=fmt)

    return run


def _employer(user: Any) -> Any:
    employer = user.employers.first() if user is not None else None
    return employer.pk if employer else ""


def wft_form(w: World, user: Any) -> dict[str, str]:
    return {
        "employer": _employer(user),
        "year": "2026",
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
        "rows-0-id_number": id_number("500103", "19900101", "301"),
        "rows-0-name": "新职工",
        "rows-0-month_from": "2021-10",
        "rows-0-month_to": "2021-10",
    }


def wft_api(w: World, user: Any) -> dict[str, Any]:
    return {
        "kind": "work_for_training",
        "year": 2026,
        "workers": [
            {"id_number": id_number("500103", "19900101", "302"), "name": "新职工", "months": ["2021-10"]}
        ],
    }


def wft_upload(w: World, user: Any) -> dict[str, Any]:
    """The 以工代训 header and its roster as an uploaded workbook (a new file for each post)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["身份证号码", "姓名", "起始月份", "结束月份"])
    workbook.active.append([id_number("500103", "19900101", "303"), "上传职工", "2021-10", "2021-10"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {
        "employer": _employer(user),
        "year": "2026",
        "file": SimpleUploadedFile("名单.xlsx", buffer.getvalue()),
    }


def pay_form(w: World, user: Any) -> dict[str, Any]:
    return {"reference": "YZ-9", "paid_on": "2026-12-30", "lines": [w.entry.claim_line_id], "confirm": "on"}


ACTIONS = {
    # claims pages
    "claim list": (page("get", "claims:list"), _expect(200, **dict.fromkeys(SIGNED_IN, True))),
    "class claim page": (page("get", "claims:detail", lambda w: [w.claim.pk]), sees(200, SEES_CLAIM)),
    "draft claim page": (page("get", "claims:detail", lambda w: [w.draft.pk]), sees(200, SEES_DRAFT)),
    "claim for the class (page)": (
        page("get", "claims:create_for_class", lambda w: [w.training_class.pk]),
        class_claimant(200),
    ),
    "claim for the class (post)": (
        page(
            "post",
            "claims:create_for_class",
            lambda w: [w.training_class.pk],
            {"kind": "living_allowance", "confirm": "on"},
        ),
        class_claimant(302),
    ),
    "以工代训 form": (page("get", "claims:create_work_for_training"), filers(200)),
    "apprenticeship form": (page("get", "claims:create_apprenticeship"), filers(200)),
    "enterprise direct form": (page("get", "claims:create_enterprise"), filers(200)),
    "以工代训 roster upload": (page("get", "claims:roster_upload", ("work-for-training",)), filers(200)),
    "apprenticeship roster upload": (page("get", "claims:roster_upload", ("apprenticeship",)), filers(200)),
    "enterprise roster upload": (page("get", "claims:roster_upload", ("enterprise",)), filers(200)),
    "roster template": (page("get", "claims:roster_template", ("work-for-training",)), filers(200)),
    "以工代训 roster upload (post)": (
        page("post", "claims:roster_upload", ("work-for-training",), wft_upload),
        filers(302),
    ),
    "以工代训 (post)": (page("post", "claims:create_work_for_training", (), wft_form), filers(302)),
    "return the claim": (
        page(
            "post",
            "claims:action",
            lambda w: [w.claim.pk],
            {"to": "returned", "reason": "请补充", "confirm": "on"},
        ),
        officer_action(302),
    ),
    "decide a line": (
        page("post", "claims:line_decide", lambda w: [w.claim.pk, w.line.pk], {"decision": "approved"}),
        officer_action(302),
    ),
    "approve the rest": (
        page("post", "claims:lines_approve_pending", lambda w: [w.claim.pk], {"confirm": "on"}),
        officer_action(302),
    ),
    "final approval": (
        page("post", "ledger:claim_approve", lambda w: [w.claim.pk], {"confirm": "on"}),
        officer_action(302),
    ),
    "recommend": (
        page("post", "claims:recommend", lambda w: [w.claim.pk], {"text": "建议通过"}),
        recommend(302),
    ),
    "recommend on a line": (
        page(
            "post",
            "claims:line_recommend",
            lambda w: [w.claim.pk, w.line.pk],
            {"verdict": "reject", "rule": "R2.6", "reason": "签到表与现场不符"},
        ),
        recommend(302),
    ),
    "submit the draft": (
        page("post", "claims:action", lambda w: [w.draft.pk], {"to": "submitted", "confirm": "on"}),
        claimant_action(302),
    ),
    "recompute the draft": (page("post", "claims:recompute", lambda w: [w.draft.pk]), claimant_action(302)),
    "upload a material": (
        page(
            "post",
            "claims:material_upload",
            lambda w: [w.draft.pk],
            lambda w, u: {"kind": "plan", "file": SimpleUploadedFile("计划.pdf", PDF)},
        ),
        claimant_action(302),
    ),
    "delete a material": (
        page(
            "post", "claims:material_delete", lambda w: [w.draft.pk, w.draft_material.pk], {"confirm": "on"}
        ),
        claimant_action(302),
    ),
    "download the class claim's material": (
        page("get", "claims:material_download", lambda w: [w.claim.pk, w.material.pk]),
        sees(200, SEES_CLAIM),
    ),
    "download the draft's material": (
        page("get", "claims:material_download", lambda w: [w.draft.pk, w.draft_material.pk]),
        sees(200, SEES_DRAFT),
    ),
    # ledger pages
    "ledger balances": (page("get", "ledger:balances"), ledger_read(200)),
    "allocations": (page("get", "ledger:allocations"), ledger_read(200)),
    "ledger entries": (page("get", "ledger:entries"), ledger_read(200)),
    "payments": (page("get", "ledger:payments"), ledger_read(200)),
    "reconciliation": (
        page("get", "ledger:reconciliation", query="?district=500103&year=2026"),
        ledger_read(200, officer_other_district=404),
    ),
    "reconcile (a task)": (
        page("post", "ledger:reconciliation", query="?district=500103&year=2026"),
        ledger_read(302, officer_other_district=404),
    ),
    "payment form": (page("get", "ledger:payment_create"), ledger_act(200, officer_other_district=200)),
    "record a payment": (
        page("post", "ledger:payment_create", (), pay_form, query="?district=500103"),
        ledger_act(302, officer_other_district=404),
    ),
    "set an allocation": (
        page(
            "post",
            "ledger:allocations",
            (),
            lambda w, u: {
                "district": district("500103").pk,
                "year": "2026",
                "amount": "90000",
                "work_for_training_share": "20000",
                "living_allowance_share": "10000",
                "confirm": "on",
            },
        ),
        admin_only(302),
    ),
    "reversal form": (page("get", "ledger:entry_reverse", lambda w: [w.entry.pk]), ledger_object(200)),
    "reverse an entry": (
        page("post", "ledger:entry_reverse", lambda w: [w.entry.pk], {"reason": "复核不符", "confirm": "on"}),
        ledger_object(302),
    ),
    # claims API
    "api: claim list": (
        api("get", "/api/v1/claims/"),
        _expect(200, anonymous=401, **dict.fromkeys(SIGNED_IN, True)),
    ),
    "api: claim detail": (api("get", lambda w: f"/api/v1/claims/{w.claim.pk}/"), sees(200, SEES_CLAIM, 401)),
    "api: create a class claim": (
        api(
            "post",
            "/api/v1/claims/",
            lambda w, u: {"kind": "living_allowance", "training_class": w.training_class.pk},
        ),
        class_claimant(201, 401),
    ),
    "api: create a 以工代训 claim": (api("post", "/api/v1/claims/", wft_api), filers(201, 401)),
    "api: transition": (
        api(
            "post",
            lambda w: f"/api/v1/claims/{w.claim.pk}/transition",
            {"to": "returned", "reason": "请补充"},
        ),
        officer_action(200, 401),
    ),
    "api: line decision": (
        api(
            "post",
            lambda w: f"/api/v1/claims/{w.claim.pk}/lines/{w.line.pk}/decision",
            {"decision": "approved"},
        ),
        officer_action(200, 401),
    ),
    "api: approve": (api("post", lambda w: f"/api/v1/claims/{w.claim.pk}/approve"), officer_action(200, 401)),
    "api: recommendation": (
        api("post", lambda w: f"/api/v1/claims/{w.claim.pk}/recommendation", {"text": "建议通过"}),
        recommend(200, 401),
    ),
    "api: recommendation on a line": (
        api(
            "post",
            lambda w: f"/api/v1/claims/{w.claim.pk}/lines/{w.line.pk}/recommendation",
            {"verdict": "approve", "reason": "材料齐全"},
        ),
        recommend(201, 401),
    ),
    "api: recompute": (
        api("post", lambda w: f"/api/v1/claims/{w.draft.pk}/recompute"),
        claimant_action(200, 401),
    ),
    "api: upload a material": (
        api(
            "post",
            lambda w: f"/api/v1/claims/{w.draft.pk}/materials",
            lambda w, u: {"kind": "plan", "file": SimpleUploadedFile("计划.pdf", PDF)},
            fmt="multipart",
        ),
        claimant_action(201, 401),
    ),
    # ledger API
    "api: balances": (
        api("get", "/api/v1/ledger/balances?district=500103&year=2026"),
        ledger_read(200, 401, officer_other_district=404),
    ),
    "api: entries": (api("get", "/api/v1/ledger/entries"), ledger_read(200, 401)),
    "api: payments": (api("get", "/api/v1/ledger/payments"), ledger_read(200, 401)),
    "api: reconciliation": (
        api("get", "/api/v1/ledger/reconciliation?district=500103&year=2026"),
        ledger_read(200, 401, officer_other_district=404),
    ),
    "api: record a payment": (
        api(
            "post",
            "/api/v1/ledger/payments",
            lambda w, u: {
                "district": "500103",
                "reference": "YZ-9",
                "paid_on": "2026-12-30",
                "lines": [w.entry.claim_line_id],
            },
        ),
        ledger_act(201, 401, officer_other_district=404),
    ),
    "api: set an allocation": (
        api(
            "post",
            "/api/v1/ledger/allocations",
            {
                "district": "500103",
                "year": 2026,
                "amount": "90000",
                "work_for_training_share": "20000",
                "living_allowance_share": "10000",
            },
        ),
        admin_only(201, 401),
    ),
    "api: reverse an entry": (
        api("post", lambda w: f"/api/v1/ledger/entries/{w.entry.pk}/reversal", {"reason": "复核不符"}),
        ledger_object(201, 401),
    ),
}


def _status(response: Any) -> Any:
    if response.status_code == 302 and response.url.startswith(reverse("accounts:login")):
        return "login"
    return response.status_code


@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(world, action):
    run, expected = ACTIONS[action]
    is_api = action.startswith("api:")
    answers = {}
    for role in ROLES:
        user = world.users.get(role)
        client = APIClient() if is_api else Client()
        if user is not None:
            client.force_login(user) if not is_api else client.force_authenticate(user)
        with transaction.atomic():
            before = world.snapshot()
            answers[role] = _status(run(client, world, user))
            if answers[role] in (401, 403, 404, "login"):
                assert world.snapshot() == before, f"{role} was refused but something changed"
            transaction.set_rollback(True)
    assert answers == expected


# ID numbers ---------------------------------------------------------------------------------------

# Who may reveal a class trainee's full ID number (on the person's page, logged; the roster's rule).
REVEALS_CLASS = ("municipal_admin", "officer_of_district", "operator_own")
# ... and an enterprise claim's worker, who is on no roster: the claim's officers and its filer.
REVEALS_CLAIM = ("municipal_admin", "officer_of_district", "filer_own")


@pytest.mark.parametrize("role", sorted(set(SEES_CLAIM) | set(SEES_FILED)))
def test_no_claim_page_or_api_answer_holds_a_full_id_number(world, role):
    """For every role that sees a claim: the claim list, every claim page and every claim's API
    answer show ID numbers masked; names lead to the person's page for whoever sees the claim,
    and `can_reveal` is the roster's answer for class trainees, the claim's officers' and filer's
    for the 以工代训 workers, who are on no roster."""
    user = world.users[role]
    numbers = dict(Person.objects.values_list("pk", "id_number"))
    page, api_client = Client(), APIClient()
    page.force_login(user)
    api_client.force_authenticate(user)
    answers = [page.get(reverse("claims:list")), api_client.get("/api/v1/claims/")]
    shown = 0
    for claim in (world.claim, world.draft, world.approved):
        detail = page.get(reverse("claims:detail", args=[claim.pk]))
        data = api_client.get(f"/api/v1/claims/{claim.pk}/")
        on_roster = claim.pk == world.claim.pk  # the 以工代训 claims' workers are on no roster
        seen_by = {world.claim.pk: SEES_CLAIM, world.draft.pk: SEES_DRAFT}.get(claim.pk, SEES_FILED)
        expected = role in seen_by
        assert (detail.status_code, data.status_code) == ((200, 200) if expected else (404, 404)), claim
        if not expected:
            continue
        answers += [detail, data]
        for line in data.json()["lines"]:
            shown += 1
            person = line["person"]
            assert person["id_number"] == mask_id_number(numbers[person["id"]])
            assert line["can_reveal"] is (role in (REVEALS_CLASS if on_roster else REVEALS_CLAIM))
            link = f'<a href="{reverse("roster:person_detail", args=[person["id"]])}">'
            assert link in detail.content.decode()
    assert shown >= 1
    for answer in answers:
        assert answer.status_code == 200
        text = answer.content.decode()
        assert [n for n in numbers.values() if n in text] == [], answer.request["PATH_INFO"]


@pytest.mark.parametrize("role", sorted(set(SEES_CLAIM) | set(SEES_FILED)))
def test_claim_lines_mark_persons_as_the_person_policy_does(world, role):
    """The claim page's lines mark who may open and reveal each person from the claims' own scopes
    at once (claim_shows_its_persons) where they cover the claim: for every role, every line's
    marks are the person policy's own answer for its person."""
    from apps.claims.selectors import claim_lines
    from apps.trainees.permissions import person_policy

    user = world.users[role]
    seen_by = {world.claim.pk: SEES_CLAIM, world.draft.pk: SEES_DRAFT}
    checked = 0
    for claim in (world.claim, world.draft, world.approved):
        if role not in seen_by.get(claim.pk, SEES_FILED):
            continue
        for line in claim_lines(claim=claim, user=user):
            assert line.person_page is person_policy.can(user, "view", line.person), (claim, line)
            assert line.can_reveal is person_policy.can(user, "reveal", line.person), (claim, line)
            checked += 1
    assert checked >= 1
