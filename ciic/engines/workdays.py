"""Working days, for time limits counted in them (issue 13: a complaint is decided within 5
working days). Weekends are off, `holidays` are off, `extra_working_days` (the Saturdays and
Sundays worked in exchange for a holiday, 调休) are on. The calendar is the caller's data (the
contest spec); nothing here knows a country's holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def is_working_day(day: dt.date, holidays: Collection[dt.date] = (), extra: Collection[dt.date] = ()) -> bool:
    if day in extra:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, days: int, holidays: Collection[dt.date] = (),
                     extra: Collection[dt.date] = ()) -> dt.date:
    """The date `days` working days after `start` (the day of the event does not count, as in
    "within 5 working days of receipt"): the deadline is the end of that day."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays, extra):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, holidays: Collection[dt.date] = (),
                         extra: Collection[dt.date] = ()) -> int:
    """Working days after `start` up to and including `end` (0 when end is not after start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day, holidays, extra)
    return count
