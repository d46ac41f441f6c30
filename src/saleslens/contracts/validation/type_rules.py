"""Type rules: the full-match regex each non-string type must meet, and the cast of text to
the clean type (with cheaper Arrow paths that give the same verdicts)."""
from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts.model import Column
from saleslens.contracts.validation.arrays import _to_numpy
from saleslens.contracts.validation.schema import arrow_type

_MAX_INT_DIGITS = 18  # 18 digits always fit int64, so a regex-valid int never overflows the cast


def _decimal_regex(precision: int, scale: int) -> str:
    whole = precision - scale
    int_part = f"[0-9]{{1,{whole}}}" if whole > 0 else "0"
    if scale == 0:
        return rf"^-?{int_part}$"
    return rf"^-?({int_part}(\.[0-9]{{0,{scale}}})?|\.[0-9]{{1,{scale}}})$"


# The type rules. Each is a full-match regex (plus, for dates, a real calendar day), so what is
# valid is written down in one place; the fast paths below are only shortcuts to the same answer.
_INT_RE = rf"^-?[0-9]{{1,{_MAX_INT_DIGITS}}}$"  # 18 digits always fit int64
_FLOAT_RE = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,3})?$"


def _type_rule(column: Column) -> Tuple[str, str]:
    """(regex, what a valid value looks like) for a non-string, non-boolean column."""
    dec = column.decimal
    if dec:
        return _decimal_regex(*dec), (
            f"a decimal number with at most {dec[0] - dec[1]} digits before the point and {dec[1]} after"
        )
    return {
        "int64": (_INT_RE, f"a whole number (digits, optional leading minus, at most {_MAX_INT_DIGITS} digits)"),
        "float64": (_FLOAT_RE, "a finite number"),
        "date": (_DATE_RE, "a calendar date written YYYY-MM-DD"),
        "timestamp": (_TIMESTAMP_RE, "a timestamp written YYYY-MM-DD HH:MM:SS[.fff]"),
    }[column.type]


_DAY_ONE = -719162  # 0001-01-01 in days since 1970-01-01
_PLACEHOLDER = {"int64": "0", "float64": "0", "date": "1970-01-01", "timestamp": "1970-01-01 00:00:00"}


def _parse(column: Column, raw: Any) -> Tuple[Any, Any, Any]:
    """(typed values, mask of values meeting the type rule, numbers for range checks or None)."""
    target = arrow_type(column)
    if column.type == "date":
        # Chunk by chunk (the reader's blocks), so only a chunk holding a bad value pays for
        # the regex; each chunk tries the fast path first.
        pairs = [_parse_dates(chunk, target) for chunk in _chunks(raw)]
        return (pa.chunked_array([t for t, _ in pairs], target),
                pa.chunked_array([o for _, o in pairs], pa.bool_()), None)
    if column.type == "int64":
        # Fast path: plain digits (no sign) of length <= 18 satisfy the regex; only the other
        # rows (negatives, junk) go through the regex.
        quick = pc.and_(pc.ascii_is_decimal(raw), pc.less_equal(pc.utf8_length(raw), _MAX_INT_DIGITS))
        ok = _matches(raw, _INT_RE, quick)
    elif column.type == "timestamp":
        ok = pc.match_substring_regex(raw, _TIMESTAMP_RE)
        typed = _cast_dates(pc.if_else(ok, raw, _PLACEHOLDER["timestamp"]), target)
        if typed is not None:
            return typed, ok, None
        ok = pc.and_(ok, _real_day(pc.utf8_slice_codeunits(raw, 0, 10)))
    else:
        ok = pc.match_substring_regex(raw, _type_rule(column)[0])
    every = pc.all(ok).as_py() is not False
    fill = "0" if column.decimal else _PLACEHOLDER[column.type]
    source = raw if every else pc.if_else(ok, raw, fill)
    dec = column.decimal
    if dec and dec[0] <= _EXACT_DECIMAL_DIGITS:
        numbers = pc.cast(source, pa.float64())
        return _decimal_from_float(numbers, dec[0], dec[1]), ok, numbers
    typed = pc.cast(source, target)
    if column.type == "float64":  # 1e999 has the shape of a number but is not finite
        ok = pc.and_(ok, pc.is_finite(typed))
    return typed, ok, None


def _parse_dates(text: pa.Array, target: pa.DataType) -> Tuple[pa.Array, pa.Array]:
    # Fast path: Arrow's date parser accepts exactly YYYY-MM-DD naming a real day, our rule,
    # except that it also takes year 0000 (which Python and Athena cannot hold). So a clean
    # chunk needs no regex, only a look at its minimum.
    typed = _cast_dates(text, target)
    if typed is not None:
        return typed, _all_true(text)
    ok = pc.match_substring_regex(text, _DATE_RE)
    # Shape alone usually suffices; the per-row calendar check runs only if a well-shaped
    # value is not a real day (2023-02-29, 0000-01-01).
    typed = _cast_dates(pc.if_else(ok, text, _PLACEHOLDER["date"]), target)
    if typed is None:
        ok = pc.and_(ok, _real_day(text))
        typed = pc.cast(pc.if_else(ok, text, _PLACEHOLDER["date"]), target)
    return typed, ok


def _chunks(values: Any) -> List[pa.Array]:
    return list(values.chunks) if isinstance(values, pa.ChunkedArray) else [values]


def _cast_dates(text: Any, target: pa.DataType) -> Any:
    """Dates cast from text, or None if any is not a real day from 0001-01-01 on."""
    try:
        typed = pc.cast(text, target)
    except pa.ArrowInvalid:
        return None
    days = pc.cast(typed if target == pa.date32() else pc.cast(typed, pa.date32()), pa.int32())
    first = pc.min(days).as_py()
    return typed if first is None or first >= _DAY_ONE else None


# Arrow's string->decimal cast is ~4x slower than string->double. For precision <= 15 going
# through double is exact: the unscaled integer is below 1e15 < 2**53 and a parsed double is
# within half a unit in its last place, so rounding value * 10**scale gives it back exactly.
_EXACT_DECIMAL_DIGITS = 15


def _decimal_from_float(numbers: Any, precision: int, scale: int) -> pa.Array:
    unscaled = np.rint(_to_numpy(numbers) * 10.0**scale).astype(np.int64)
    words = np.empty((len(unscaled), 2), np.int64)  # decimal128: little-endian low, high word
    words[:, 0] = unscaled
    words[:, 1] = unscaled >> 63  # sign extension
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(unscaled), [None, pa.py_buffer(words)])


def _all_true(raw: Any) -> pa.Array:
    return pa.array(np.ones(len(raw), bool))


def _matches(raw: Any, regex: str, quick: Any) -> Any:
    """Full-match mask of `regex`, running the regex only where the cheap `quick` test failed."""
    quick_np = _to_numpy(quick)
    rest = np.flatnonzero(~quick_np)
    if len(rest) == 0:
        return pa.array(quick_np)
    if len(rest) * 4 > len(quick_np):  # mostly not quick: one pass over everything is cheaper
        return pc.match_substring_regex(raw, regex)
    out = quick_np.copy()
    out[rest] = _to_numpy(pc.match_substring_regex(pc.take(raw, pa.array(rest)), regex))
    return pa.array(out)


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _real_day(text: Any) -> pa.Array:
    """True where text starts YYYY-MM-DD naming a real calendar day (year 0001 to 9999)."""
    def part(start: int, length: int) -> np.ndarray:
        digits = pc.utf8_slice_codeunits(text, start, start + length)
        digits = pc.if_else(pc.ascii_is_decimal(digits), digits, "0")
        return _to_numpy(pc.cast(digits, pa.int64()))

    year, month, day = part(0, 4), part(5, 2), part(8, 2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[np.clip(month - 1, 0, 11)] + (leap & (month == 2))
    return pa.array((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last))
