"""Form plumbing every app shares: the date input and the row formset.

- `DateInput` renders `<input type="date" value="2026-12-12">`. Django's default format for
  zh-hans is `2026/12/12`, which browsers show as an empty date field, so an edit form would
  lose every date it was given. Every `DateField` in the project uses this widget
  (tests/core/test_forms.py walks every form to prove it).
- `RowFormSet` ignores the extra rows the user did not touch: a select without an empty choice
  submits its first option, and a ticked 删除 on a blank row is still a blank row. Its `rows()`
  are the forms to act on: every initial row not deleted, and every extra row the user filled.
  Every row input is labelled for screen readers ("第 3 行 日期"): the tables show labels only
  in their column headers.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext as _

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or ISO_DATE)


def _first_choice(field: forms.Field) -> Any:
    """The value a browser submits for an untouched select: its first option."""
    for value, label in getattr(field, "choices", ()) or ():
        if isinstance(label, list | tuple):  # an option group
            return label[0][0] if label else None
        return value
    return None


FieldT = TypeVar("FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """The form's own copy of the field ``name``, as the kind of field it is: for ``__init__`` to
    narrow a choice field's queryset or choices to what the user may pick."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


class RowFormSet(forms.BaseFormSet):
    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        # BaseFormSet._construct_form is Django's private hook for building each form; the stubs omit it.
        form: forms.Form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        for field in form.fields.values():
            # Row tables show the label once, in the column header; each input still needs its own.
            field.widget.attrs.setdefault(
                "aria-label", _("第 %(row)s 行 %(label)s") % {"row": i + 1, "label": field.label}
            )
        if i < self.initial_form_count():
            return form
        defaulted = set()
        for name, field in form.fields.items():
            if name in form.initial or field.initial is not None:
                continue
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
                first = _first_choice(field)
                if first not in (None, ""):
                    field.initial = first
                    defaulted.add(name)

        def has_changed() -> bool:
            # Filled only by what the user typed or chose: never by 删除 alone, nor by a select
            # that shows its first option (or was not posted at all).
            return any(
                name != DELETION_FIELD_NAME and not (name in defaulted and form[name].data in (None, ""))
                for name in form.changed_data
            )

        form.has_changed = has_changed  # type: ignore[method-assign]
        return form

    def rows(self) -> list[forms.Form]:
        """The forms to act on (call after is_valid()): initial rows not deleted, filled extra rows."""
        initial = self.initial_form_count()
        return [
            form
            for i, form in enumerate(self.forms)
            if (i < initial or form.has_changed())
            and not (self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME, False))
        ]


def row_formset(form: type[forms.Form], **kwargs: Any) -> type[RowFormSet]:
    return cast(type[RowFormSet], forms.formset_factory(form, formset=RowFormSet, **kwargs))


class ImportForm(forms.Form):
    """A spreadsheet import's form: its `file` field says the kind's caps (apps.core.uploads), as
    the settings have them: 文件不超过 5 MB，最多 10,000 行（不含表头）."""

    kind = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .uploads import limits

        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        caps = limits(self.kind).help_text
        field.help_text = f"{field.help_text}；{caps}" if field.help_text else caps
