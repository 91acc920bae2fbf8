"""A large ledger export through a real Celery worker on the real broker (`make test`): queued by
the request, written by the worker process into storage both can reach, split into sheets by the
worker's own row limit, and its totals equal to the ledger's."""

import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.exports.filters import ExportFilter
from apps.exports.models import ExportStatus
from apps.exports.services import export_request, export_storage
from apps.ledger.selectors.accounts import balances
from tests.exports.seed import seed_ledger
from tests.factories import UserFactory, district

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROWS = 30_000
ROWS_PER_SHEET = 12_000
YUZHONG, WANZHOU = "500103", "500101"


@pytest.fixture
def export_worker(request, monkeypatch, settings, tmp_path):
    """The worker, started with a storage directory this process reads too and a row limit of
    its own (it reads its settings from the environment)."""
    root = str(tmp_path / "exports")
    monkeypatch.setenv("EXPORT_STORAGE_ROOT", root)
    monkeypatch.setenv("EXPORT_SHEET_ROW_LIMIT", str(ROWS_PER_SHEET + 1))
    settings.EXPORT_STORAGE_ROOT = root
    return request.getfixturevalue("celery_worker_process")


def test_a_large_export_is_written_by_a_real_worker(export_worker, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    admin = UserFactory(municipal_admin=True, username="admin")
    auditor = UserFactory(auditor=True, username="auditor")
    where = [district(YUZHONG), district(WANZHOU)]
    seed_ledger(rows=ROWS, districts=where, years=[2021, 2022], actor=admin)
    settings.EXPORT_SMALL_ROWS = 1_000

    job = export_request(
        actor=auditor, kind="ledger", filters=ExportFilter(districts=(YUZHONG, WANZHOU), years=(2021,))
    )
    assert (job.status, job.total_rows) == (ExportStatus.QUEUED, ROWS // 2)
    seen = []
    deadline = time.monotonic() + 240
    while job.status not in (ExportStatus.FINISHED, ExportStatus.FAILED):
        assert time.monotonic() < deadline, (
            f"no worker finished the export (worker exit code {export_worker.poll()})"
        )
        time.sleep(0.2)
        job.refresh_from_db()
        seen.append((job.status, job.progress))
    assert job.status == ExportStatus.FINISHED, job.error
    assert (job.row_count, job.progress) == (ROWS // 2, 100)
    assert all(progress <= 100 for _, progress in seen)

    with export_storage().open(job.file, "rb") as handle:
        book = load_workbook(handle, read_only=True)
        assert book.sheetnames == ["汇总与对账", "台账", "台账 (2)"]
        totals: dict[tuple[str, str], Decimal] = {}
        count = 0
        for name in book.sheetnames[1:]:
            rows = book[name].iter_rows(values_only=True)
            header = next(rows)
            amount, place, share, number = (
                header.index(h) for h in ("金额（元）", "区县", "资金类别", "身份证号码")
            )
            for row in rows:
                count += 1
                key = (row[place], row[share])
                totals[key] = totals.get(key, Decimal("0.00")) + Decimal(str(row[amount]))
                assert row[number][4:14] == "*" * 10  # the auditor's copy is masked
        assert count == ROWS // 2
        assert book["台账"].max_row == ROWS_PER_SHEET + 1
        summary = list(book["汇总与对账"].iter_rows(values_only=True))
        book.close()
    for d in where:
        for b in balances(district=d, year=2021):
            assert totals.get((d.name, b.label), Decimal("0.00")) == b.booked
    table = [row for row in summary if row[0] in ("渝中区", "万州区") and row[1] == 2021]
    assert len(table) == 6  # two districts × three shares
    assert all(Decimal(str(row[9])) == 0 for row in table)  # 差额: the whole of both ledgers
