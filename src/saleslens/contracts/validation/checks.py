"""Row rules of one column, in priority order (not_null, type, range, allowed, pattern, below,
foreign_key), each a boolean mask over the rows with the reason sentence it gives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts.model import Column, Dataset
from saleslens.contracts.validation.schema import arrow_type
from saleslens.contracts.validation.type_rules import _parse, _type_rule

_TRUE = ("true", "TRUE", "True", "1")
_FALSE = ("false", "FALSE", "False", "0")
_REASON_VALUE_CHARS = 80  # raw values are cut to this length inside a reason sentence


@dataclass
class _Check:
    rule: str  # e.g. "range:billed_qty"
    failed: Any  # boolean (Chunked)Array over all rows, no nulls
    reason: Callable[[Any], Any]  # raw values of the failing rows -> reason sentences


@dataclass
class _ColumnResult:
    checks: List[_Check]
    typed: Any  # (Chunked)Array of the clean type; placeholder values where a check failed
    key_codes: Optional[Tuple[np.ndarray, int]] = None  # dense codes when a key column


def _sentence(column: Column, text: str) -> Callable[[Any], Any]:
    """Reason builder: "<column> = '<raw>' <text>", without the value for personal data."""
    if column.pii:
        return _constant(f"{column.name} {text} (value withheld: personal data)")
    prefix, suffix = f"{column.name} = '", f"' {text}"

    def build(raw: Any) -> Any:
        value = pc.utf8_slice_codeunits(raw, 0, _REASON_VALUE_CHARS)
        return pc.binary_join_element_wise(prefix, value, suffix, "")

    return build


def _constant(text: str) -> Callable[[Any], Any]:
    return lambda raw: pa.array([text] * len(raw), pa.string())


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _check_column(column: Column, raw: Any, empty: Any) -> _ColumnResult:
    """All checks of one column, in priority order, and the column cast to its clean type."""
    name = column.name
    checks: List[_Check] = []
    if not column.nullable:
        checks.append(_Check(f"not_null:{name}", empty, _constant(f"{name} is empty but a value is required")))
    present = pc.invert(empty)

    typed, parsed, numbers = raw, present, None  # parsed: rows holding a value of the column's type
    if column.type == "boolean":
        parsed = pc.is_in(raw, value_set=pa.array(_TRUE + _FALSE))
        typed = pc.is_in(raw, value_set=pa.array(_TRUE))
        looks_like = "a boolean (true/false/1/0)"
    elif column.type != "string":
        typed, parsed, numbers = _parse(column, raw)
        looks_like = _type_rule(column)[1]
    if column.type != "string":
        checks.append(_Check(f"type:{name}", pc.and_(present, pc.invert(parsed)),
                             _sentence(column, f"is not {looks_like}")))

    if column.min is not None or column.max is not None:
        if column.type not in ("int64", "float64") and not column.decimal:
            raise ValueError(f"column {name!r}: min/max declared on non-numeric type {column.type}")
        if numbers is None:
            numbers = typed if column.type == "int64" else pc.cast(typed, pa.float64())
        if column.min is not None:
            low = pc.and_(parsed, pc.less(numbers, _bound(column, column.min)))
            checks.append(_Check(f"range:{name}", low,
                                 _sentence(column, f"is below the minimum {_fmt_num(column.min)}")))
        if column.max is not None:
            # Same rule id as the minimum (one range per column); the reason says which end.
            high = pc.and_(parsed, pc.greater(numbers, _bound(column, column.max)))
            checks.append(_Check(f"range:{name}", high,
                                 _sentence(column, f"is above the maximum {_fmt_num(column.max)}")))
    if column.allowed is not None:
        listed = pc.is_in(raw, value_set=pa.array(list(column.allowed), pa.string()))
        checks.append(_Check(f"allowed:{name}", pc.and_(present, pc.invert(listed)),
                             _sentence(column, "is not one of: " + ", ".join(column.allowed))))
    if column.pattern is not None:
        matched = pc.match_substring_regex(raw, f"^(?:{column.pattern})$")
        checks.append(_Check(f"pattern:{name}", pc.and_(present, pc.invert(matched)),
                             _sentence(column, f"does not match the pattern {column.pattern}")))

    if column.nullable and pc.any(empty).as_py():
        typed = pc.if_else(empty, pa.scalar(None, arrow_type(column)), typed)
    return _ColumnResult(checks, typed)


def _below_check(column: Column, typed: Any, other: Column, other_typed: Any, earlier: List[_Check]) -> _Check:
    """``below:<column>``: the value is not strictly below the row's ``other`` value. Rows that
    already break either column's own rules are left to those (they hold placeholders here)."""
    ok_before = _not_any([c.failed for c in earlier])
    values = pc.cast(typed, pa.float64()) if column.decimal else typed
    others = pc.cast(other_typed, pa.float64()) if other.decimal else other_typed
    not_below = pc.fill_null(pc.greater_equal(values, others), False)
    failed = not_below if ok_before is None else pc.and_(ok_before, not_below)
    return _Check(f"below:{column.name}", failed, _sentence(column, f"is not below {other.name}"))


def _not_any(masks: List[Any]) -> Any:
    out = None
    for m in masks:
        out = m if out is None else pc.or_(out, m)
    return None if out is None else pc.invert(out)


def _bound(column: Column, value: float) -> pa.Scalar:
    if column.type == "int64" and float(value).is_integer():
        return pa.scalar(int(value), pa.int64())
    return pa.scalar(float(value), pa.float64())


def _foreign_key_values(
    dataset: Dataset, references: Optional[Mapping[str, Any]]
) -> Dict[str, Tuple[str, pa.Array]]:
    """column -> (reference, distinct referenced values) for the foreign keys given values."""
    out: Dict[str, Tuple[str, pa.Array]] = {}
    for fk in dataset.foreign_keys:
        if not references or fk.reference not in references:
            continue
        values = references[fk.reference]
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if not isinstance(values, pa.Array):
            values = pa.array(list(values), pa.string())
        out[fk.column] = (fk.reference, pc.unique(values.cast(pa.string())))
    return out


def _foreign_key_check(column: Column, raw: Any, empty: Any, reference: str, values: pa.Array) -> _Check:
    listed = pc.is_in(raw, value_set=values)
    return _Check(f"foreign_key:{column.name}", pc.and_(pc.invert(empty), pc.invert(listed)),
                  _sentence(column, f"is not in {reference}"))
