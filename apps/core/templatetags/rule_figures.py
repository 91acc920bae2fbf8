"""The figures of the rules for templates: ``{% rule_figures object.approved_on as f %}`` then
``{% blocktranslate with share=f.online_share %}… {{ share }} …{% endblocktranslate %}``.

The figures are the engine's (:func:`apps.rules.figures.figures_on`), in force on the day the page
is about; without a day, today in China (a form, a help text).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template

from apps.core import dates
from apps.rules.figures import Figures, figures_on

register = template.Library()


@register.simple_tag
def rule_figures(on: date | None = None) -> Figures:
    """The figures in force on ``on`` (a date or a datetime), or today when ``on`` is empty."""
    if isinstance(on, datetime):
        on = on.date()
    return figures_on(on or dates.today())
