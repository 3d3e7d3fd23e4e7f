"""Working days for the complaint time limits (issue 13): weekends and holidays off, swapped
weekend days on, the day of the event not counted."""

from __future__ import annotations

import datetime as dt

import pytest

from ciic.engines.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


def test_five_working_days_from_a_friday_end_the_next_friday():
    assert add_working_days(D(2023, 12, 8), 5) == D(2023, 12, 15)


def test_holidays_are_skipped_and_swapped_weekend_days_count():
    spring = {D(2024, 2, 12), D(2024, 2, 13), D(2024, 2, 14), D(2024, 2, 15), D(2024, 2, 16)}
    extra = {D(2024, 2, 4), D(2024, 2, 18)}
    assert is_working_day(D(2024, 2, 4), spring, extra) and not is_working_day(D(2024, 2, 12), spring, extra)
    # Friday 2 Feb + 1: Sunday the 4th is worked.
    assert add_working_days(D(2024, 2, 2), 1, spring, extra) == D(2024, 2, 4)
    # Friday 9 Feb + 1: the holiday week is off, Sunday the 18th is worked.
    assert add_working_days(D(2024, 2, 9), 1, spring, extra) == D(2024, 2, 18)
    assert add_working_days(D(2024, 2, 9), 2, spring, extra) == D(2024, 2, 19)


def test_counting_between_two_dates_agrees_with_adding():
    holidays = {D(2024, 1, 1)}
    start = D(2023, 12, 20)
    for n in range(0, 30):
        end = add_working_days(start, n, holidays)
        assert working_days_between(start, end, holidays) == n
    assert working_days_between(D(2024, 1, 5), D(2024, 1, 1)) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2024, 1, 1), -1)
