"""Comparable periods (KPI catalogue section 5): the same day of month in prior months (month-end
loading makes the 30th unlike the 10th) and the same month in prior years."""
from __future__ import annotations

import calendar
from datetime import date
from typing import List, Tuple


def month_shift(year: int, month: int, by: int) -> Tuple[int, int]:
    n = year * 12 + (month - 1) + by
    return n // 12, n % 12 + 1


def same_day_prior_months(day: date, months: int) -> List[date]:
    """The same day of month in each of the ``months`` months before, newest first; a month
    without that day (the 31st in April) is left out, not replaced by another day."""
    out = []
    for back in range(1, months + 1):
        y, m = month_shift(day.year, day.month, -back)
        if day.day <= calendar.monthrange(y, m)[1]:
            out.append(date(y, m, day.day))
    return out


def same_month_prior_years(month: date, years: int) -> List[date]:
    """The first day of the same month in each of the ``years`` years before, newest first."""
    return [date(month.year - back, month.month, 1) for back in range(1, years + 1)]


def previous_month(month: date) -> date:
    y, m = month_shift(month.year, month.month, -1)
    return date(y, m, 1)
