"""Dates the policies count in: completed months of an assessed year, days waiting."""

from __future__ import annotations

from datetime import date


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
