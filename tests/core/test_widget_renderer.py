"""apps.core.forms.WidgetRenderer writes select and input widgets exactly as Django's templates
do: every case here is rendered by both and compared to the byte (escaping, safe values, True,
False and None attributes, option groups, selected and disabled options, numbers, dates, lazy
labels); a widget it does not write goes through the templates."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from apps.core.forms import DateInput, WidgetRenderer

CHOICES = [("", "全部"), ("a<b", "甲 & 乙"), (1, 2021), ("s", gettext_lazy("审核中"))]
GROUPED = [("组一", [("x", "一"), ("y", "二")]), ("z", "三"), ("组<二>", [(3, "四")])]
CASES = [
    (forms.Select(choices=CHOICES), "status", "a<b"),
    (forms.Select(choices=CHOICES), "status", None),
    (forms.Select(choices=CHOICES, attrs={"id": "id_s", "required": True, "disabled": False}), "s", 1),
    (forms.Select(choices=GROUPED), "g", "y"),
    (forms.Select(choices=GROUPED, attrs={"aria-describedby": 'x"y'}), "g", 3),
    (forms.SelectMultiple(choices=CHOICES), "many", ["a<b", "s"]),
    (forms.NullBooleanSelect(), "flag", True),
    (forms.NullBooleanSelect(), "flag", None),
    (forms.TextInput(), "name", None),
    (forms.TextInput(), "name", ""),
    (forms.TextInput(attrs={"placeholder": "张<三>", "maxlength": 20, "autofocus": True}), "n", '"=1+2"'),
    (forms.TextInput(), "n", mark_safe("<b>safe</b>")),
    (forms.NumberInput(attrs={"step": "0.01", "min": 0}), "amount", Decimal("1500.50")),
    (forms.NumberInput(), "count", 3),
    (DateInput(), "day", date(2026, 12, 7)),
    (forms.EmailInput(), "mail", "a@b.cn"),
    (forms.HiddenInput(), "sort", "-total"),
    (forms.PasswordInput(), "pw", "secret"),
    (forms.URLInput(), "u", "https://x.cn/?a=1&b=2"),
    (forms.SearchInput(), "q", "培训"),
    (forms.TelInput(), "tel", "023-1234"),
    (forms.TimeInput(), "t", "09:30"),
    (forms.DateTimeInput(), "at", "2026-12-07 09:30"),
    (forms.CheckboxInput(), "confirm", True),
    (forms.Textarea(), "reason", "<script>"),
]


@pytest.mark.parametrize(("widget", "name", "value"), CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_it_writes_what_the_templates_write(widget, name, value):
    ours = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=WidgetRenderer())
    theirs = widget.render(name, value, attrs={"id": f"id_{name}"}, renderer=DjangoTemplates())
    assert ours == theirs


def test_the_portal_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "apps.core.forms.WidgetRenderer"
    assert isinstance(get_default_renderer(), WidgetRenderer)
