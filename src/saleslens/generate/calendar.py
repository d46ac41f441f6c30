"""Working days, holidays and the business rhythm of the year (fiscal year April to March).

Weekly off day: Sunday in India and Sri Lanka, Saturday in Nepal. National holidays are listed
per country for 2023-2027; movable festival dates are the published ones, rounded to the day most
offices close. Outside those years only the fixed-date holidays apply.
"""
from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from typing import Dict, FrozenSet, List, Tuple

WEEKLY_OFF = {"IN": 6, "LK": 6, "NP": 5}  # date.weekday(): Monday 0 ... Sunday 6

_FIXED: Dict[str, Tuple[Tuple[int, int, str], ...]] = {
    "IN": ((1, 26, "Republic Day"), (8, 15, "Independence Day"), (10, 2, "Gandhi Jayanti"), (12, 25, "Christmas")),
    "LK": ((2, 4, "Independence Day"), (4, 13, "Sinhala and Tamil New Year's Eve"),
           (4, 14, "Sinhala and Tamil New Year"), (5, 1, "May Day"), (12, 25, "Christmas")),
    "NP": ((2, 19, "Democracy Day"), (5, 1, "Labour Day"), (9, 19, "Constitution Day")),
}
_MOVABLE_NAMES = {
    "IN": ("Holi", "Good Friday", "Eid al-Fitr", "Diwali"),
    "LK": ("Vesak Full Moon Poya Day", "Good Friday", "Deepavali"),
    "NP": ("Vijaya Dashami (Dashain)", "Laxmi Puja (Tihar)"),
}
_MOVABLE: Dict[str, Dict[int, Tuple[str, ...]]] = {  # dates in the order of _MOVABLE_NAMES
    "IN": {  # Holi, Good Friday, Eid al-Fitr, Diwali
        2023: ("2023-03-08", "2023-04-07", "2023-04-22", "2023-11-13"),
        2024: ("2024-03-25", "2024-03-29", "2024-04-11", "2024-11-01"),
        2025: ("2025-03-14", "2025-04-18", "2025-03-31", "2025-10-21"),
        2026: ("2026-03-04", "2026-04-03", "2026-03-21", "2026-11-08"),
        2027: ("2027-03-22", "2027-03-26", "2027-03-10", "2027-10-29"),
    },
    "LK": {  # Vesak, Good Friday, Deepavali
        2023: ("2023-05-05", "2023-04-07", "2023-11-12"),
        2024: ("2024-05-23", "2024-03-29", "2024-10-31"),
        2025: ("2025-05-12", "2025-04-18", "2025-10-20"),
        2026: ("2026-05-01", "2026-04-03", "2026-11-08"),
        2027: ("2027-05-20", "2027-03-26", "2027-10-28"),
    },
    "NP": {  # Dashain (Vijaya Dashami), Tihar (Laxmi Puja)
        2023: ("2023-10-24", "2023-11-12"),
        2024: ("2024-10-12", "2024-11-01"),
        2025: ("2025-10-02", "2025-10-21"),
        2026: ("2026-10-21", "2026-11-08"),
        2027: ("2027-10-10", "2027-10-29"),
    },
}
_CACHE: Dict[Tuple[str, int], FrozenSet[date]] = {}

# Primary sales by calendar month (acute therapies peak in the monsoon; March closes the year).
SEASONALITY = {4: 0.95, 5: 0.95, 6: 1.0, 7: 1.08, 8: 1.12, 9: 1.08, 10: 1.02, 11: 1.0, 12: 0.97,
               1: 0.97, 2: 0.95, 3: 1.05}


def holidays(country: str, year: int) -> FrozenSet[date]:
    key = (country, year)
    if key not in _CACHE:
        _CACHE[key] = frozenset(holiday_names(country, year))
    return _CACHE[key]


def holiday_names(country: str, year: int) -> Dict[date, str]:
    """The country's default national holidays of `year`, by date; two holidays on one day share
    it ("May Day / Vesak Full Moon Poya Day")."""
    named: Dict[date, List[str]] = {}
    for m, d, name in _FIXED[country]:
        named.setdefault(date(year, m, d), []).append(name)
    for text, name in zip(_MOVABLE[country].get(year, ()), _MOVABLE_NAMES[country]):
        named.setdefault(date.fromisoformat(text), []).append(name)
    return {day: " / ".join(names) for day, names in sorted(named.items())}


def is_holiday(country: str, day: date) -> bool:
    return day in holidays(country, day.year)


def is_working_day(country: str, day: date) -> bool:
    return day.weekday() != WEEKLY_OFF[country] and not is_holiday(country, day)


def fiscal_year_start(day: date) -> date:
    """1 April of the fiscal year (April-March) holding `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def fiscal_year(day: date) -> str:
    start = fiscal_year_start(day)
    return f"FY{start.year}-{(start.year + 1) % 100:02d}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def quarter_start(day: date) -> date:
    """First day of the fiscal quarter (Apr, Jul, Oct, Jan)."""
    return date(day.year, ((day.month - 1) // 3) * 3 + 1, 1)


def days_in_month(day: date) -> int:
    return _cal.monthrange(day.year, day.month)[1]


def primary_factor(day: date) -> float:
    """How much a stockist buys on `day` relative to an ordinary mid-month weekday: month-end
    loading (bigger at quarter end, biggest at fiscal year end), the lull after it, Mondays busier,
    Saturdays lighter, and the season. Weekly offs and holidays are applied per country."""
    left = days_in_month(day) - day.day  # 0 on the last day
    if left == 0:
        month_end = 2.6
    elif left == 1:
        month_end = 2.0
    elif left == 2:
        month_end = 1.6
    elif left <= 4:
        month_end = 1.25
    elif day.day <= 5:
        month_end = 0.75
    else:
        month_end = 1.0
    if month_end > 1.0 and day.month in (3, 6, 9, 12):
        month_end *= 1.5 if day.month == 3 else 1.25
    weekday = {0: 1.1, 5: 0.8}.get(day.weekday(), 1.0)
    return month_end * weekday * SEASONALITY[day.month]


OFF_DAY_FACTOR = 0.05  # a depot that bills on a weekly off or a holiday: urgent orders only


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before, if negative) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return day.replace(day=days_in_month(day))
