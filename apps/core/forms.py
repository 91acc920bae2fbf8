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
- `WidgetRenderer` (settings.FORM_RENDERER) writes the select and input widgets in Python, to the
  byte what Django's templates write (tests/core/test_widget_renderer.py): a list's filter form
  rendered them through three templates per option, about 3 ms of a 20 ms page. Other widgets
  go through the templates as before.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
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


# Widgets written in Python ---------------------------------------------------------------------


def _text(value: Any) -> str:
    """`{{ value }}` in a template: localized, escaped unless safe."""
    return str(conditional_escape(localize(value)))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe, anything else is escaped."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html, as text.html and the others include it."""
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    kind, name = _text(widget["type"]), _text(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def _select(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select.html with select_option.html for each option."""
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                raise _Unhandled
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class _Unhandled(Exception):
    pass


_INPUTS = (
    "text",
    "number",
    "date",
    "email",
    "hidden",
    "password",
    "search",
    "tel",
    "url",
    "time",
    "datetime",
)
_WRITERS = {
    "django/forms/widgets/select.html": _select,
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
}


class WidgetRenderer(DjangoTemplates):
    """Django's template renderer, but the select and plain input widgets are written here, as
    its render() returns them (the templates' output stripped of its surrounding whitespace)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        writer = _WRITERS.get(template_name)
        if writer is not None:
            try:
                return writer(context["widget"])
            except _Unhandled:
                pass
        return super().render(template_name, context, request=request)
