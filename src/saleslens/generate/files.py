"""Text tables -> source files as the source systems send them, and the dirt they carry.

Dirt is deterministic (its own random stream per day) and every defect is written to the
manifest with its physical line, so tests can hold the validator to account line by line.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.generate.world import rng_for

# Defect types, with the contract column they break.
MALFORMED_ROW = "malformed_row"
BAD_DATE = "bad_date"
BAD_SKU = "bad_sku"
NEGATIVE_QTY = "negative_qty"
DUPLICATE_ROW = "duplicate_row"


@dataclass(frozen=True)
class Defect:
    key: str  # landing key of the file
    line: int  # 1-based physical line, the header is line 1
    defect: str  # one of the defect types above
    column: Optional[str] = None  # the column it breaks, if one


def csv_bytes(table: pa.Table) -> bytes:
    """UTF-8 CSV with a header row, comma-separated, "\\n" line ends, quotes only where needed."""
    header = ",".join(table.column_names) + "\n"
    if table.num_rows == 0:
        return header.encode("utf-8")
    fields = [_quoted(pc.fill_null(col, "")) for col in table.columns]
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "\n", "")
    return header.encode("utf-8") + _joined(lines)


def _quoted(col: pa.ChunkedArray) -> pa.ChunkedArray:
    needs = pc.match_substring_regex(col, '[,"\r\n]')
    if not pc.any(needs).as_py():
        return col
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, col)


def _joined(lines: pa.ChunkedArray) -> bytes:
    """All values of a string array back to back: the array's own data buffer, one copy."""
    arr = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    arr = arr.cast(pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    return memoryview(arr.buffers()[2])[int(offsets[0]) : int(offsets[-1])].tobytes()


def dirty_invoices(table: pa.Table, key: str, seed: int, day: date) -> Tuple[bytes, List[Defect]]:
    """Invoice CSV with one each of: bad date, unknown-pattern SKU, negative billed qty, a row
    cut short, a row with a decimal comma (one field too many), and an exact duplicate row."""
    n = table.num_rows
    if n < 6:
        raise ValueError(f"{key}: dirt needs at least 6 invoice lines, the day has {n}")
    rng = rng_for(seed, "erp_primary_invoices/dirt", day)
    bad_date, bad_sku, negative, short, decimal_comma, original = (int(i) for i in rng.choice(n, 6, replace=False))

    table = _set(table, "invoice_date", bad_date, day.strftime("%d/%m/%Y"))
    sku = table["sku"][bad_sku].as_py()
    table = _set(table, "sku", bad_sku, "SKU-" + sku[4:])
    table = _set(table, "billed_qty", negative, "-" + table["billed_qty"][negative].as_py())

    body = csv_bytes(table)
    header, _, rest = body.partition(b"\n")
    lines = rest.split(b"\n")[:-1]  # the file ends with a newline
    lines[short] = lines[short].rsplit(b",", 1)[0]
    fields = lines[decimal_comma].split(b",")
    fields[7] = fields[7].replace(b".", b",")  # price_to_stockist written 12,50
    lines[decimal_comma] = b",".join(fields)
    copy_at = int(rng.integers(original + 1, n, endpoint=True))  # somewhere after the original
    lines.insert(copy_at, lines[original])

    def line_of(row: int) -> int:  # row index before the insert -> physical line
        return row + 2 + (1 if row >= copy_at else 0)

    defects = [
        Defect(key, line_of(bad_date), BAD_DATE, "invoice_date"),
        Defect(key, line_of(bad_sku), BAD_SKU, "sku"),
        Defect(key, line_of(negative), NEGATIVE_QTY, "billed_qty"),
        Defect(key, line_of(short), MALFORMED_ROW),
        Defect(key, line_of(decimal_comma), MALFORMED_ROW),
        Defect(key, copy_at + 2, DUPLICATE_ROW),
    ]
    data = header + b"\n" + b"\n".join(lines) + b"\n"
    return data, sorted(defects, key=lambda d: d.line)


def _set(table: pa.Table, column: str, row: int, value: str) -> pa.Table:
    mask = np.zeros(table.num_rows, bool)
    mask[row] = True
    updated = pc.if_else(pa.array(mask), pa.scalar(value), table[column])
    return table.set_column(table.schema.get_field_index(column), column, updated)
