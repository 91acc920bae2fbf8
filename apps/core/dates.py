"""Today, and working days.

`today()`: for the checks that refuse what lies in the future (attendance of a session not yet
held, a certificate not yet issued) and for periods counted from today. One function, so that a
test of a world set in a given month pins it (`monkeypatch.setattr(dates, "today", …)`) instead of
depending on the wall clock.

`working_days_after(start, n)`: the date n working days after `start` (a public notice's period,
counted from the day after publication). Working days are those of the State Council's holiday
arrangement (the `chinese_calendar` library: holidays off, 调休 weekends on); for a year whose
arrangement the library does not know yet, Monday to Friday, and the answer says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import chinese_calendar
from django.utils import timezone

# Shown next to a period counted without the year's holiday arrangement.
WEEKDAYS_ONLY_NOTE = "节假日安排未公布，按周一至周五计"


def today() -> date:
    """Today in the portal's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def is_working_day(day: date) -> tuple[bool, bool]:
    """Whether `day` is a working day, and whether the holiday arrangement of its year was known
    (if not, Monday to Friday are working days)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


class WorkingDays(NamedTuple):
    end: date  # the n-th working day after the start
    calendar_known: bool  # False when a day of the period was counted Monday to Friday

    @property
    def note(self) -> str:
        return "" if self.calendar_known else WEEKDAYS_ONLY_NOTE


def working_days_after(start: date, n: int) -> WorkingDays:
    """The n-th working day after `start` (`start` itself not counted; n ≥ 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted, known = start, 0, True
    while counted < n:
        day += timedelta(days=1)
        working, day_known = is_working_day(day)
        known = known and day_known
        if working:
            counted += 1
    return WorkingDays(day, known)
