"""Generated workbooks hold no formula from user data (issue 17): a trainee named like a formula is
written as text in the sign-in sheet and the results template, and reads back as entered."""

import io

import pytest
from openpyxl import load_workbook

from apps.core.tabular import read_rows
from apps.trainees.imports.attendance import sign_in_sheet_template
from apps.trainees.imports.results import results_template
from tests.trainees.attendance_factories import EnrolmentFactory, PersonFactory

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def _cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("template", [sign_in_sheet_template, results_template])
def test_a_name_like_a_formula_is_text_and_reads_back(operator, running_class, template):
    for text in (FORMULA, "+1+1", "-2", "@SUM(A1)"):
        EnrolmentFactory(training_class=running_class, person=PersonFactory(name=text))

    content = template(actor=operator, training_class=running_class)

    cells = _cells(content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert f"'{FORMULA}" in [cell.value for cell in cells]
    upload = io.BytesIO(content)
    upload.name = "模板.xlsx"
    names = {
        cells[2] if template is sign_in_sheet_template else cells[0]
        for _, cells in list(read_rows(upload))[1:]
    }
    assert {FORMULA, "+1+1", "-2", "@SUM(A1)"} <= names


def _no_formula_and_no_trigger(content: bytes) -> None:
    """No formula anywhere, and no text that Excel would take for one once edited."""
    cells = _cells(content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not [
        cell.coordinate for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r"
    ]


def test_every_template_the_portal_writes_holds_no_formula_from_user_data(operator, running_class):
    """The class's own name too (a text an operator types): the roster template writes it into
    its notes, the sign-in sheet into its notes and footer. The claims' templates hold no user
    data but go through the same helper (apps.core.tabular.safe_row). The exports are checked
    for every kind and role in tests/exports/test_ledger_export.py."""
    from apps.claims.imports import KINDS, claim_roster_template
    from apps.classes.models import TrainingClass
    from apps.trainees.imports.roster import roster_template

    TrainingClass.objects.filter(pk=running_class.pk).update(name=FORMULA)
    running_class.refresh_from_db()
    for text in (FORMULA, "+1+1", "-2", "@SUM(A1)", "\tTAB"):
        EnrolmentFactory(training_class=running_class, person=PersonFactory(name=text))
    workbooks = [
        sign_in_sheet_template(actor=operator, training_class=running_class),
        results_template(actor=operator, training_class=running_class),
        roster_template(running_class),
        *(claim_roster_template(kind) for kind in KINDS.values()),
    ]
    for content in workbooks:
        _no_formula_and_no_trigger(content)
