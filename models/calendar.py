"""Dates the policies count in: completed months of an assessed year, days waiting."""

from __future__ import annotations

import functools
from datetime import date, timedelta


def months_between(start: date, end: date) -> int:
    """Completed calendar months from ``start`` to ``end``.

    Negative when ``end`` is earlier; a month is complete on the same day of
    the month (or later) as ``start``. The ASYE schedule counts months served
    this way (Barnet 001 s.3.6: capacity "increases throughout their assessed
    year").

    Examples
    --------
    >>> months_between(date(2026, 1, 31), date(2026, 2, 28))
    0
    >>> months_between(date(2025, 11, 23), date(2026, 11, 23))
    12
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def days_between(start: date | None, end: date) -> int:
    """Whole days from ``start`` to ``end``; 0 when ``start`` is missing or later.

    Examples
    --------
    >>> days_between(date(2026, 11, 1), date(2026, 11, 23)), days_between(None, date(2026, 1, 1))
    (22, 0)
    """
    if start is None:
        return 0
    return max(0, (end - start).days)


def working_days(start: date, end: date) -> int:
    """Working days from ``start`` to ``end``, both included, in England.

    Weekends and England's bank holidays (as observed: a holiday falling on a
    weekend moves to the next working day) do not count; 0 when ``end`` is
    before ``start``. Barnet 001 s.3.12 counts leave "over 15 working days".

    Examples
    --------
    >>> working_days(date(2026, 12, 21), date(2027, 1, 8))  # 15 weekdays, 3 bank holidays
    12
    """
    if end < start:
        return 0
    closed = _bank_holidays(start.year, end.year)
    days = 0
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed:
            days += 1
        day += timedelta(days=1)
    return days


@functools.cache
def _bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """England's bank holidays (with observed days) in the years given."""
    import holidays

    years = list(range(first_year, last_year + 1))
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))
