"""Every date input carries an ISO value, and every formset ignores the extra rows nobody touched
(issue 14: edit forms showed blank dates and lost sessions; blank rows were mandatory)."""

import importlib
import pkgutil
from datetime import date

import pytest
from django import forms
from django.utils import translation

import apps
from apps.claims.forms import ApprenticeFormSet, EnterpriseTraineeFormSet, WorkerFormSet, filled_forms
from apps.classes.forms import SessionFormSet, sessions_from
from apps.core.forms import DateInput, RowFormSet
from tests.browser_form import submitted
from tests.factories import numbered


def _project_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(apps.__path__, "apps."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("apps."):
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_date_field_of_every_form_renders_an_iso_date_input():
    checked = []
    with translation.override("zh-hans"):
        for form_class in _project_forms():
            for name, field in form_class.base_fields.items():
                if not isinstance(field, forms.DateField):
                    continue
                html = field.widget.render(name, date(2026, 12, 12))
                where = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
                assert 'type="date"' in html and 'value="2026-12-12"' in html, (where, html)
                checked.append(where)
    # the forms the issue named, among every other one
    for expected in (
        "apps.classes.forms.ClassForm.start_date",
        "apps.classes.forms.SessionForm.date",
        "apps.catalog.forms.catalogue.RateRowForm.effective_from",
        "apps.ledger.forms.PaymentForm.paid_on",
    ):
        assert expected in checked, (expected, checked)


def test_the_shared_widget_renders_iso_under_the_chinese_locale_and_django_default_does_not():
    with translation.override("zh-hans"):
        assert 'value="2026-12-12"' in DateInput().render("d", date(2026, 12, 12))
        assert 'value="2026/12/12"' in forms.DateInput().render("d", date(2026, 12, 12))


def _untouched(formset_class, **kwargs):
    """What the browser posts for a fresh formset: management form and every blank row as shown."""
    formset = formset_class(prefix="rows", **kwargs)
    return submitted(str(formset.management_form) + "".join(str(form) for form in formset))


def _bound(formset_class, data, **kwargs):
    formset = formset_class(data, prefix="rows", **kwargs)
    return formset, formset.is_valid()


FORMSETS = [SessionFormSet, WorkerFormSet, ApprenticeFormSet, EnterpriseTraineeFormSet]


@pytest.mark.parametrize("formset_class", FORMSETS, ids=lambda c: c.form.__name__)
def test_untouched_extra_rows_are_ignored(formset_class):
    assert issubclass(formset_class, RowFormSet)
    data = _untouched(formset_class)
    assert int(data["rows-TOTAL_FORMS"]) >= 3
    formset, valid = _bound(formset_class, data)
    assert valid, formset.errors
    assert formset.rows() == []


def test_session_rows_one_filled_two_blank_one_blank_with_delete_ticked():
    data = _untouched(SessionFormSet)
    data.update(
        {"rows-0-date": "2026-12-05", "rows-0-start_time": "09:00", "rows-0-end_time": "15:45"},
    )
    data["rows-2-DELETE"] = "on"  # 删除 ticked on a row left blank
    formset, valid = _bound(SessionFormSet, data)
    assert valid, formset.errors
    sessions = sessions_from(formset)
    assert [(s.date, s.mode) for s in sessions] == [(date(2026, 12, 5), "offline")]


def test_a_half_filled_extra_row_is_still_checked():
    data = _untouched(SessionFormSet)
    data["rows-1-topic"] = "实操"
    formset, valid = _bound(SessionFormSet, data)
    assert not valid
    assert "date" in formset.errors[1] and formset.errors[0] == {}


def test_a_select_changed_on_an_extra_row_makes_it_a_row():
    data = _untouched(SessionFormSet)
    data["rows-0-mode"] = "live"
    formset, valid = _bound(SessionFormSet, data)
    assert not valid and "date" in formset.errors[0]


def _initial_sessions(n):
    return [
        {"date": date(2026, 12, 1 + i), "start_time": "09:00", "end_time": "12:00", "mode": "offline"}
        for i in range(n)
    ]


def test_unchanged_initial_sessions_are_kept_and_a_deleted_one_goes():
    initial = _initial_sessions(20)
    data = _untouched(SessionFormSet, initial=initial)
    assert data["rows-INITIAL_FORMS"] == "20" and data["rows-0-date"] == "2026-12-01"
    formset, valid = _bound(SessionFormSet, data, initial=initial)
    assert valid, formset.errors
    assert [s.date.day for s in sessions_from(formset)] == list(range(1, 21))

    data["rows-4-DELETE"] = "on"
    formset, valid = _bound(SessionFormSet, data, initial=initial)
    assert valid
    assert [s.date.day for s in sessions_from(formset)] == [d for d in range(1, 21) if d != 5]


def test_three_enterprise_trainees_in_five_rows_are_three_rows():
    data = _untouched(EnterpriseTraineeFormSet)
    assert data["rows-TOTAL_FORMS"] == "5" and data["rows-3-relation"]  # the select shows a relation
    for i in range(3):
        data.update({f"rows-{i}-id_number": f"50010319900101{i:03d}X", f"rows-{i}-name": numbered("职工", i)})
        data[f"rows-{i}-attended_offline"] = "60"
    formset, valid = _bound(EnterpriseTraineeFormSet, data)
    assert valid, formset.errors
    assert [f.cleaned_data["name"] for f in filled_forms(formset)] == [
        numbered("职工", 0),
        numbered("职工", 1),
        numbered("职工", 2),
    ]


def test_worker_and_apprentice_rows_count_only_what_was_filled():
    data = _untouched(WorkerFormSet)
    data.update(
        {
            "rows-1-id_number": "500103199001010011",
            "rows-1-name": "工人",
            "rows-1-month_from": "2021-10",
            "rows-1-month_to": "2021-12",
        }
    )
    formset, valid = _bound(WorkerFormSet, data)
    assert valid, formset.errors
    assert [f.cleaned_data["months"] for f in filled_forms(formset)] == [["2021-10", "2021-11", "2021-12"]]

    data = _untouched(ApprenticeFormSet, form_kwargs={"stage": "advance"})
    data.update({"rows-0-id_number": "500103199001010011", "rows-0-name": "学徒"})
    formset, valid = _bound(ApprenticeFormSet, data, form_kwargs={"stage": "advance"})
    assert not valid and set(formset.errors[0]) >= {"start", "end", "planned_months"}
    assert all(errors == {} for errors in formset.errors[1:])
