"""Text tables -> source files as the source systems send them, and the dirt they carry.

Dirt is deterministic (its own random stream per file) and every defect is written to the
manifest, so tests can hold the validator and the pipeline to account line by line.

Row-level defects (``Defect.line`` is the 1-based physical line; a CSV header is line 1, JSON
lines start at line 1), one row per defect, each row carrying exactly one:
- ``malformed_row``: a CSV row with a field too few or too many, a JSON line cut short;
- ``bad_date``: a date or timestamp written dd/mm/yyyy;
- ``bad_sku``: a SKU that does not have the SKU shape (SKU-00042);
- ``unknown_sku`` / ``unknown_territory``: a well-formed code the master does not list;
- ``negative_qty``: a quantity with a minus sign;
- ``duplicate_row``: an exact copy of an earlier clean row (deduplicated, not quarantined).

File-level defects (``Defect.line`` is 0; ``detail`` says what was done):
- ``duplicate_file``: the same bytes delivered again under a second name (``<name>_2.<ext>``);
- ``late_file``: a day's file delivered with the files of a later day (``Generated.arrivals``);
- ``schema_drift``: a column renamed, or an extra column (``column`` names it);
- ``truncated_file``: the transfer stopped inside a row; that row is also listed as a
  ``malformed_row`` at its line, since the validator quarantines it;
- ``wrong_encoding``: the file is Windows-1252 (or UTF-16) instead of UTF-8.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts.model import Dataset
from saleslens.generate.world import rng_for

# Row-level defect types.
MALFORMED_ROW = "malformed_row"
BAD_DATE = "bad_date"
BAD_SKU = "bad_sku"
UNKNOWN_SKU = "unknown_sku"
UNKNOWN_TERRITORY = "unknown_territory"
NEGATIVE_QTY = "negative_qty"
DUPLICATE_ROW = "duplicate_row"
ROW_DEFECTS = (MALFORMED_ROW, BAD_DATE, BAD_SKU, UNKNOWN_SKU, UNKNOWN_TERRITORY, NEGATIVE_QTY, DUPLICATE_ROW)
# File-level defect types.
DUPLICATE_FILE = "duplicate_file"
LATE_FILE = "late_file"
SCHEMA_DRIFT = "schema_drift"
SCHEMA_DRIFT_EXTRA = "schema_drift_extra"  # planted as SCHEMA_DRIFT; this name only selects it
TRUNCATED_FILE = "truncated_file"
WRONG_ENCODING = "wrong_encoding"
FILE_DEFECTS = (DUPLICATE_FILE, LATE_FILE, SCHEMA_DRIFT, SCHEMA_DRIFT_EXTRA, TRUNCATED_FILE, WRONG_ENCODING)

# Which column of each daily dataset a value defect lands in (a backfill extract: its parent's).
DIRT_COLUMNS: Dict[str, Dict[str, str]] = {
    "erp_primary_invoices": {BAD_DATE: "invoice_date", BAD_SKU: "sku", UNKNOWN_SKU: "sku", NEGATIVE_QTY: "billed_qty"},
    "erp_credit_notes": {BAD_DATE: "document_date", BAD_SKU: "sku", UNKNOWN_SKU: "sku", NEGATIVE_QTY: "return_qty"},
    "erp_targets": {BAD_DATE: "target_month", UNKNOWN_TERRITORY: "territory_code", NEGATIVE_QTY: "target_units"},
    "stk_statements": {BAD_DATE: "statement_month", UNKNOWN_SKU: "sku", NEGATIVE_QTY: "closing_qty"},
    "crm_call_plans": {BAD_DATE: "plan_month", UNKNOWN_TERRITORY: "territory_code", NEGATIVE_QTY: "planned_calls"},
    "crm_call_reports": {BAD_DATE: "call_date", UNKNOWN_TERRITORY: "territory_code"},
    "crm_day_activities": {BAD_DATE: "activity_date", UNKNOWN_TERRITORY: "territory_code"},
    "clm_slide_views": {BAD_DATE: "started_at", NEGATIVE_QTY: "duration_seconds"},
    "evt_attendance": {BAD_DATE: "event_date", UNKNOWN_TERRITORY: "territory_code"},
    "lms_assignments": {BAD_DATE: "assigned_on"},
    "lms_completions": {BAD_DATE: "assigned_on", NEGATIVE_QTY: "time_spent_minutes"},
    "lms_assessments": {BAD_DATE: "assigned_on", NEGATIVE_QTY: "score"},
}
MIN_ROWS_FOR_DIRT = 20  # smaller files are left clean


@dataclass(frozen=True)
class Defect:
    key: str  # landing key of the file
    line: int  # 1-based physical line (a CSV header is line 1); 0 for a file-level defect
    defect: str  # one of the defect types above
    column: Optional[str] = None  # the column it breaks, if one
    detail: Optional[str] = None  # what was done, for file-level defects


@dataclass(frozen=True)
class Dirt:
    """What dirt to plant.

    ``generate(dirt=True)`` is the walking skeleton's dirt: six row defects in every invoice file
    (``invoice_legacy``), nothing else. ``dirt="full"`` plants every row defect type at
    ``row_rate`` (at least one of each) in every daily fact file of 20 rows or more, and one of each
    file-level defect early in the run (a late file needs at least 3 days). ``dirt=False`` plants none.
    """

    invoice_legacy: bool = False
    row_rate: float = 0.0  # per file and row defect type, share of rows (at least one each)
    row_defects: Tuple[str, ...] = ROW_DEFECTS
    file_defects: Tuple[str, ...] = ()

    @classmethod
    def of(cls, dirt: "Union[bool, str, Dirt, None]") -> "Dirt":
        if isinstance(dirt, Dirt):
            return dirt
        if dirt is None or dirt is False:
            return cls()
        if dirt is True or dirt == "invoices":
            return cls(invoice_legacy=True)
        if dirt == "full":
            return cls(row_rate=0.001, file_defects=FILE_DEFECTS)
        if dirt == "rows":
            return cls(row_rate=0.001)
        if dirt == "files":
            return cls(file_defects=FILE_DEFECTS)
        raise ValueError(f"unknown dirt {dirt!r}: use True, False, 'full', 'rows', 'files' or a Dirt")

    def __post_init__(self) -> None:
        unknown = [d for d in self.row_defects if d not in ROW_DEFECTS] + [
            d for d in self.file_defects if d not in FILE_DEFECTS]
        if unknown:
            raise ValueError(f"unknown defect types: {unknown}")
        if not 0 <= self.row_rate <= 0.05:
            raise ValueError("row_rate must be between 0 and 0.05")


# -- encoding ------------------------------------------------------------------------------------
def csv_bytes(table: pa.Table) -> bytes:
    """UTF-8 CSV with a header row, comma-separated, "\\n" line ends, quotes only where needed."""
    header = ",".join(table.column_names) + "\n"
    if table.num_rows == 0:
        return header.encode("utf-8")
    fields = [_quoted(pc.fill_null(col, "")) for col in table.columns]
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "\n", "")
    return header.encode("utf-8") + _joined(lines)


def jsonl_bytes(table: pa.Table, dataset: Dataset) -> bytes:
    """JSON lines as an API sends them: one object per row, every contract key present, integers
    and booleans as JSON numbers and booleans, an empty nullable value as null."""
    if table.num_rows == 0:
        return b""
    pieces = []
    for i, column in enumerate(dataset.columns):
        raw = pc.fill_null(table[column.name], "")
        if column.type in ("int64", "boolean", "float64") or column.decimal:
            value = raw
        else:
            escaped = pc.replace_substring(pc.replace_substring(raw, "\\", "\\\\"), '"', '\\"')
            value = pc.binary_join_element_wise('"', escaped, '"', "")
        value = pc.if_else(pc.equal(raw, ""), "null", value)
        pieces.append(pc.binary_join_element_wise(("{" if i == 0 else ",") + f'"{column.name}":', value, ""))
    lines = pc.binary_join_element_wise(*pieces, "}\n", "")
    return _joined(lines)


def encode(table: pa.Table, dataset: Dataset) -> bytes:
    return csv_bytes(table) if dataset.file_format == "csv" else jsonl_bytes(table, dataset)


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


# -- the walking skeleton's invoice dirt (dirt=True) ---------------------------------------------
def dirty_invoices(table: pa.Table, key: str, seed: int, day: date) -> Tuple[bytes, List[Defect]]:
    """Invoice CSV with one each of: bad date, unknown-pattern SKU, negative billed qty, a row
    cut short, a row with a decimal comma (one field too many), and an exact duplicate row.
    A file of fewer than six lines (a holiday) is left clean."""
    n = table.num_rows
    if n < 6:
        return csv_bytes(table), []
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


# -- row-level dirt, any daily dataset (dirt="full") -------------------------------------------
def dirty_rows(
    table: pa.Table, dataset: Dataset, key: str, seed: int, day: date, dirt: Dirt
) -> Tuple[bytes, List[Defect]]:
    """The file with `dirt.row_rate` of its rows (at least one) given each applicable row defect,
    each defect on a row of its own, and as many exact copies of clean rows placed after them."""
    n = table.num_rows
    columns = DIRT_COLUMNS.get(dataset.backfills or dataset.table, {})
    kinds = [k for k in dirt.row_defects if k == MALFORMED_ROW or k in columns]
    each = max(1, int(round(dirt.row_rate * n)))
    rng = rng_for(seed, f"{dataset.table}/dirt", day)
    # Malformed CSV rows are cut at their last comma, which must not sit inside quotes.
    quoted = _quoted_rows(table) if dataset.file_format == "csv" else np.zeros(n, bool)
    candidates = rng.permutation(np.flatnonzero(~quoted))
    need = each * len(kinds)
    if n < MIN_ROWS_FOR_DIRT or len(candidates) < 2 * need + each:
        return encode(table, dataset), []
    picks = {k: candidates[i * each : (i + 1) * each] for i, k in enumerate(kinds)}
    clean = candidates[need:]

    for kind, rows in picks.items():
        if kind == MALFORMED_ROW:
            continue
        column = columns[kind]
        old = table[column].take(pa.array(rows)).to_pylist()
        table = _set_many(table, column, rows, [_spoil(kind, value, rng) for value in old])

    lines = encode(table, dataset).split(b"\n")
    header = [lines.pop(0)] if dataset.file_format == "csv" else []
    lines.pop()  # the file ends with a newline
    for row in picks.get(MALFORMED_ROW, ()):
        if dataset.file_format == "csv":
            lines[row] = lines[row].rsplit(b",", 1)[0]  # a field short
        else:
            lines[row] = lines[row][:-1]  # the closing brace lost
    after: Dict[int, List[int]] = {}  # row -> clean rows copied in after it
    if DUPLICATE_ROW in dirt.row_defects:
        for original in rng.choice(clean, size=each, replace=False):
            after.setdefault(int(rng.integers(original, n)), []).append(int(original))
    out: List[bytes] = []
    line_of: Dict[int, int] = {}
    copy_lines: List[int] = []
    first = 2 if header else 1
    for row, text in enumerate(lines):
        line_of[row] = first + len(out)
        out.append(text)
        for original in after.get(row, ()):
            copy_lines.append(first + len(out))
            out.append(lines[original])
    defects = [Defect(key, line_of[int(row)], kind, columns.get(kind)) for kind, rows in picks.items() for row in rows]
    defects += [Defect(key, line, DUPLICATE_ROW) for line in copy_lines]
    data = b"\n".join(header + out) + b"\n"
    return data, sorted(defects, key=lambda d: d.line)


def _quoted_rows(table: pa.Table) -> np.ndarray:
    mask = np.zeros(table.num_rows, bool)
    for col in table.columns:
        mask |= pc.match_substring_regex(col, '[,"\r\n]').to_numpy(zero_copy_only=False)
    return mask


def _spoil(kind: str, value: str, rng: np.random.Generator) -> str:
    if kind == BAD_DATE:
        d = date.fromisoformat(value[:10])
        return d.strftime("%d/%m/%Y") + (value[10:16].replace("T", " ") if len(value) > 10 else "")
    if kind == BAD_SKU:
        return "SKU-" + value[3:]
    if kind == UNKNOWN_SKU:
        return f"SKU9{int(rng.integers(0, 10_000)):04d}"
    if kind == UNKNOWN_TERRITORY:
        return f"T9{int(rng.integers(0, 1_000)):03d}"
    if kind == NEGATIVE_QTY:
        return "-" + (value if value not in ("", "0") else "1")
    raise ValueError(kind)


def _set_many(table: pa.Table, column: str, rows: np.ndarray, values: Sequence[str]) -> pa.Table:
    order = np.argsort(rows)
    mask = np.zeros(table.num_rows, bool)
    mask[np.asarray(rows)] = True
    replacements = pa.array([values[i] for i in order], pa.string())
    updated = pc.replace_with_mask(table[column].combine_chunks(), pa.array(mask), replacements)
    return table.set_column(table.schema.get_field_index(column), column, updated)


# -- file-level dirt -------------------------------------------------------------------------------
RENAMES = {  # schema drift: a column a source renamed
    "crm_call_reports": ("territory_code", "territory"),
    "erp_credit_notes": ("return_qty", "qty_returned"),
    "erp_primary_invoices": ("billed_qty", "billed_quantity"),
    "evt_attendance": ("hcp_id", "doctor_id"),
}
EXTRA_COLUMN = "remarks"


def renamed_column(data: bytes, dataset: Dataset) -> Tuple[bytes, str, str]:
    old, new = RENAMES[dataset.table]
    if dataset.file_format == "csv":
        header, _, body = data.partition(b"\n")
        names = header.split(b",")
        names[names.index(old.encode())] = new.encode()
        return b",".join(names) + b"\n" + body, old, new
    return data.replace(f'"{old}":'.encode(), f'"{new}":'.encode()), old, new


def extra_column(data: bytes, dataset: Dataset) -> bytes:
    if dataset.file_format == "csv":
        lines = data.split(b"\n")
        lines[0] += b"," + EXTRA_COLUMN.encode()
        return b"\n".join(line + b"," if 0 < i < len(lines) - 1 else line for i, line in enumerate(lines))
    return data.replace(b"}\n", f',"{EXTRA_COLUMN}":""}}\n'.encode())


def truncated(data: bytes, dataset: Dataset, rng: np.random.Generator) -> Tuple[bytes, int, int]:
    """The file cut inside one of its last rows, before that row's last field; returns the bytes,
    the cut line's number and the byte offset of the cut."""
    lines = data.split(b"\n")[:-1]
    first = 1 if dataset.file_format == "csv" else 0
    for row in range(len(lines) - 1, max(first, len(lines) - 50) - 1, -1):
        text = lines[row]
        if b'"' in text and dataset.file_format == "csv":
            continue
        cut_to = text.rfind(b",") if dataset.file_format == "csv" else len(text) - 1
        if cut_to <= 1:
            continue
        cut = int(rng.integers(1, cut_to))
        offset = sum(len(x) + 1 for x in lines[:row]) + cut
        return data[:offset], row + 1, offset
    raise ValueError("no row to cut")


def wrong_encoding(data: bytes) -> Tuple[bytes, str]:
    """Windows-1252 when the text has characters outside ASCII (an en dash becomes byte 0x96),
    else UTF-16 with a byte-order mark (Excel's "Unicode text")."""
    text = data.decode("utf-8")
    try:
        encoded = text.encode("cp1252")
    except UnicodeEncodeError:
        encoded = b""
    if encoded and encoded != data:
        return encoded, "Windows-1252"
    return text.encode("utf-16"), "UTF-16"
