"""Numbers as an Indian reader writes them: lakh/crore digit grouping and the rupee sign."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, List, Optional

RUPEE = "\u20b9"
NULL = "\u2013"  # an en dash where a figure does not exist (e.g. growth with no last year)


_CENT = Decimal("0.01")
_ONE = Decimal(1)
_LAKH = Decimal(100_000)
_CRORE = Decimal(10_000_000)


def number(value: Any) -> Optional[Decimal]:
    """The value as a Decimal, or None for an empty or non-numeric value (a null of the marts)."""
    if value is None or value == "":
        return None
    try:
        n = Decimal(value if type(value) is str else str(value))
    except InvalidOperation:
        return None
    return n if n.is_finite() else None


def group_indian(whole: str) -> str:
    """'12345678' -> '1,23,45,678': the last three digits, then groups of two."""
    if len(whole) <= 3:
        return whole
    head, tail = whole[:-3], whole[-3:]
    odd = len(head) % 2  # an odd head leads with one digit
    groups: List[str] = [head[:1]] if odd else []
    groups += [head[i:i + 2] for i in range(odd, len(head), 2)]
    groups.append(tail)
    return ",".join(groups)


def format_inr(value: Any) -> str:
    """12345678.5 -> '1,23,45,678.50' (Indian digit grouping, two decimals)."""
    # a report formats hundreds of thousands of cells from Decimals already parsed (number)
    q = (value if type(value) is Decimal else Decimal(str(value or 0))).quantize(_CENT)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    return f"{sign}{group_indian(whole)}.{frac}"


def format_int(value: Any) -> str:
    """12345678 -> '1,23,45,678'."""
    n = int((value if type(value) is Decimal else Decimal(str(value or 0))).to_integral_value())
    return ("-" if n < 0 else "") + group_indian(str(abs(n)))


def rupees(value: Any) -> str:
    """An amount in words a reader takes in at a glance: '₹45,600', '₹12.35 lakh', '₹1.23 crore'
    (rounded to the rupee below a lakh, to two decimals of a lakh or crore above; halves up, as a
    reader rounds). The unit is chosen after rounding: ₹99,999.60 is '₹1.00 lakh', not '₹1,00,000'."""
    n = number(value)
    if n is None:
        return NULL
    sign = "-" if n < 0 else ""
    a = abs(n)
    whole = a.quantize(_ONE, ROUND_HALF_UP)
    if whole < _LAKH:
        return f"{sign if whole else ''}{RUPEE}{format_int(whole)}"
    lakhs = (a / _LAKH).quantize(_CENT, ROUND_HALF_UP)
    if lakhs < 100:
        return f"{sign}{RUPEE}{lakhs} lakh"
    return f"{sign}{RUPEE}{(a / _CRORE).quantize(_CENT, ROUND_HALF_UP)} crore"


def pct(value: Any, places: int = 1) -> str:
    n = number(value)
    return NULL if n is None else f"{n:.{places}f}%"


# The marts round every percentage (and most ratios) once, to 2 places (athena_sql: round(round(x,
# 8), 2)). Shown at fewer places it would be rounded twice: 99.948 % is 99.95 in the mart and would
# read 100.0 % beside a "not met". A mart's figure is shown at the places the mart gave it.
MART_PLACES = 2


def figure_pct(value: Any) -> str:
    """A mart's percentage as the mart holds it: '99.95%'."""
    return pct(value, MART_PLACES)
