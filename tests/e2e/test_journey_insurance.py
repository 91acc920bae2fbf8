"""Journey (issue 18, part 8, the social-insurance check): an enterprise of 万州区 has a 以工代训
claim for April to June 2021 submitted. 万州区's officer opens 社保核验 from the menu, uploads a
roster with a bad row (every error named, nothing kept), then the good roster, in which the
worker is insured by the enterprise in April and May but not June: the page says one finding was
written, and the claim page shows A9 with June on the worker's line. At 390 px the page fits.
Every page scanned with axe-core."""

import pytest

from apps.claims.models import ClaimStatus
from apps.claims.services.employer_claims import WorkerMonths, claim_create_work_for_training
from apps.claims.services.lifecycle import claim_transition
from apps.insurance.models import InsuredMonth
from tests.claims.conftest import person
from tests.factories import UserFactory, district

from .conftest import Screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_roster_import_finds_a_month_the_worker_was_not_insured(portal, filer, employer, tmp_path):
    worker = person("赵以工", "011", region="500101")
    claim = claim_create_work_for_training(
        actor=filer,
        employer=employer,
        workers=[WorkerMonths(worker, ["2021-04", "2021-05", "2021-06"])],
        year=2021,
    )
    claim = claim_transition(claim=claim, actor=filer, to=ClaimStatus.SUBMITTED)
    officer = UserFactory(officer=True, district=district("500101"))

    screen = Screen(portal(officer), 390)
    desk = screen.portal
    desk.goto("/")
    desk.goto("/insurance/")
    screen.measure()
    header = "统一社会信用代码,身份证号码,参保月份\n"
    bad = tmp_path / "社保-错误.csv"
    bad.write_text(
        header + f"{employer.uscc},{worker.id_number},2021-04\n123,{worker.id_number},四月\n", "utf-8"
    )
    desk.field("社保参保名单（.xlsx 或 .csv）").set_input_files(str(bad))
    desk.submit("导入并核验")
    errors = desk.text(".error-summary")
    assert (
        "未导入任何数据" in errors
        and "第 3 行「统一社会信用代码」" in errors
        and "第 3 行「参保月份」" in errors
    )
    assert not InsuredMonth.objects.exists()

    good = tmp_path / "社保-2021.csv"
    good.write_text(
        header
        + f"{employer.uscc},{worker.id_number},2021-04\n{employer.uscc},{worker.id_number},2021-05\n"
        + f"{employer.uscc},{person('钱同事', '012', region='500101').id_number},2021-06\n",
        "utf-8",
    )
    desk.field("社保参保名单（.xlsx 或 .csv）").set_input_files(str(good))
    desk.submit("导入并核验")
    assert "新增疑点 1 条" in desk.message(), desk.text()
    screen.measure()
    assert not screen.too_wide(), screen.widths

    line = claim.lines.get()
    desk.goto(f"/claims/{claim.pk}/")
    assert "A9" in desk.text(f"#line-{line.pk}") and "2021-06" in desk.text("#audit-findings")
