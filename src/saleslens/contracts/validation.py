"""Execute a dataset contract over one landed file: types, checks, quarantine, dedupe.

Every rule runs as a vectorised Arrow expression over whole columns (PERF_FACTS.md: row-by-row
or pandas validation cannot reach the conform goal). The file is read with every column as
text, so a rejected row carries its raw values into quarantine exactly as they arrived.

Outcome of each input row (``rows_in == rows_clean + rows_quarantined + rows_deduplicated``):
- quarantined: the row breaks a rule. It gets ONE reject row naming the FIRST rule it breaks,
  in this order: a malformed row first; then columns in contract order, and within a column
  not_null, type, range, allowed, pattern, foreign_key. One reason per row keeps the quarantine
  one-to-one with the input (counts add up) while still pointing at the first thing to fix.
  ``foreign_key:<column>`` runs only when the caller passes the referenced values
  (``references={"erp_products.sku": [...]}``, keys as ``ForeignKey.reference``): a code of the
  right shape that the master does not list (an unknown SKU or territory).
- deduplicated: a valid row whose business key (``dataset.key``) repeats an earlier valid row
  of the same file. The first occurrence is kept.
- clean: everything else, typed (int64, float64, decimal128, date32, timestamp[ms], bool, string).
A record whose fields are all empty (a blank line, or a line of bare commas) carries no data and
is not a row: it is skipped and not counted. An empty field is a null. Values are not trimmed.

Type rules (what "type:<column>" means) are written as full-match regexes next to ``_type_rule``;
where a cheaper Arrow operation gives the same answer it is used first, and tests hold both
paths to the same verdicts. CSV is UTF-8 with a header row (a leading byte-order mark is
skipped; columns may come in any order). A JSON object may leave out a nullable field (APIs
omit nulls); a non-nullable field missing from the first object is schema drift. JSON lines go
through Arrow when every value has the JSON type its column's contract type implies (int64
columns JSON integers, boolean columns JSON booleans, every other column JSON strings; null
anywhere), and line by line otherwise (other numbers, blank or broken lines). Both paths see
a value as the same text.

Whole-file problems raise instead (nothing from the file loads): ``EmptyFileError``,
``EncodingError`` (not UTF-8), ``SchemaDriftError`` (columns missing, unexpected or repeated),
``MalformedFileError`` (cannot be split into rows: line ends that are a bare CR, as old Mac
exports write them, or a quote that never closes). Lines end in LF or CRLF; a quoted field may
hold line breaks (LF, CRLF or CR). Error messages never carry a data value of a dataset with a
personal-data column: a header that is not the contract's is described by the contract's names
and a count of the others.
Python 3.9-safe: the Glue Python-shell conform job imports this module.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pjson

from saleslens.contracts.model import Column, Dataset
from saleslens.errors import (  # noqa: F401  (public names of this module)
    EmptyFileError,
    EncodingError,
    FileRejectedError,
    MalformedFileError,
    SchemaDriftError,
)

# Columns a reject row carries besides the raw contract columns.
REJECT_META = ("source_line", "rule", "reason")
MALFORMED_ROW = "malformed_row"

_BOM = codecs.BOM_UTF8
_TRUE = ("true", "TRUE", "True", "1")
_FALSE = ("false", "FALSE", "False", "0")
_MAX_INT_DIGITS = 18  # 18 digits always fit int64, so a regex-valid int never overflows the cast
_REASON_VALUE_CHARS = 80  # raw values are cut to this length inside a reason sentence
_REASON_LINE_CHARS = 300
_CHUNK_BYTES = 4 << 20  # below this a file is read in one piece
_BLOCK_BYTES = 4 << 20  # Arrow's read block; a quoted field may span blocks
# A header token shown in a schema-drift message must look like a column name; anything else may
# be a data value (a headerless file's first row) and is only counted.
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_BARE_CR = re.compile(rb"\r(?!\n)")




@dataclass(frozen=True)
class ConformResult:
    clean: pa.Table
    rejects: pa.Table
    rows_in: int
    rows_clean: int
    rows_quarantined: int
    rows_deduplicated: int

    def __post_init__(self) -> None:
        # A real check, not `assert`: it must hold under `python -O` too (principle 5).
        if self.rows_in != self.rows_clean + self.rows_quarantined + self.rows_deduplicated:
            raise AssertionError(
                f"row accounting broken: in={self.rows_in} clean={self.rows_clean} "
                f"quarantined={self.rows_quarantined} deduplicated={self.rows_deduplicated}"
            )
        if self.clean.num_rows != self.rows_clean or self.rejects.num_rows != self.rows_quarantined:
            raise AssertionError("row counts disagree with the clean/rejects tables")

    def rejects_by_rule(self) -> Dict[str, int]:
        """Number of quarantined rows per rule id, e.g. {'range:billed_qty': 2}."""
        counts = self.rejects.group_by("rule").aggregate([("rule", "count")])
        return dict(zip(counts["rule"].to_pylist(), counts["rule_count"].to_pylist()))


# -- types -------------------------------------------------------------------------------------
def arrow_type(column: Column) -> pa.DataType:
    """Arrow type of a contract column in the clean zone."""
    dec = column.decimal
    if dec:
        return pa.decimal128(dec[0], dec[1])
    return {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        # Athena reads Parquet timestamps at millisecond precision.
        "timestamp": pa.timestamp("ms"),
    }[column.type]


def clean_schema(dataset: Dataset) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c), nullable=c.nullable) for c in dataset.columns])


def rejects_schema(dataset: Dataset) -> pa.Schema:
    return pa.schema(
        [pa.field("source_line", pa.int64())]
        + [pa.field(c.name, pa.string()) for c in dataset.columns]
        + [pa.field("rule", pa.string()), pa.field("reason", pa.string())]
    )


# -- file-level checks ---------------------------------------------------------------------------
def check_header(dataset: Dataset, first_bytes: bytes) -> None:
    """Raise the file-level errors visible in the first bytes of a file (e.g. its first 64 KiB).

    The prefix may end mid-line or mid-character: a multi-byte character cut at the end is not
    an encoding error, and only the first line (CSV header, or first complete JSON object) is read.
    """
    if not first_bytes:
        raise EmptyFileError(f"{dataset.table}: file is empty (0 bytes); expected at least a header")
    _check_utf8(first_bytes, final=False)
    _check_line_ends(dataset, first_bytes, final=False)
    start = len(_BOM) if first_bytes.startswith(_BOM) else 0
    if dataset.file_format == "csv":
        _check_columns(dataset, _csv_header(dataset, first_bytes, start))
    else:
        keys = _first_json_keys(first_bytes, start, complete_only=True)
        if keys is not None:
            _check_columns(dataset, keys, _json_optional(dataset))


def _check_utf8(data: bytes, final: bool = True) -> None:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise EncodingError(
            f"file is not valid UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            f"(line {line}); re-export the file as UTF-8",
            exc.start,
        ) from None


def _check_line_ends(dataset: Dataset, data: bytes, final: bool = True) -> None:
    """Refuse a file whose lines end in a bare CR (no LF after it): the reader splits rows at LF,
    so such a file has no rows to count, or counts them on the wrong lines. A CR inside a quoted
    CSV field is data; JSON cannot hold a raw CR inside a string, so a JSON-lines file has none.
    ``final=False``: ``data`` is a prefix, and a CR at its very end may be half of a CRLF."""
    crs = data.count(b"\r")
    if crs == 0 or crs == data.count(b"\r\n"):
        return
    quoted = dataset.file_format == "csv" and b'"' in data
    quotes_before, counted_to = 0, 0
    for bare in _BARE_CR.finditer(data):
        pos = bare.start()
        if not final and pos == len(data) - 1:
            return  # the prefix may end between CR and LF
        if quoted:
            quotes_before += data.count(b'"', counted_to, pos)
            counted_to = pos
            if quotes_before % 2:
                continue  # inside a quoted field: data
        if b"\n" not in data:
            raise MalformedFileError(
                f"{dataset.table}: line endings are CR only (as old Mac exports write them); "
                "re-export the file with LF or CRLF line endings"
            )
        line = data.count(b"\n", 0, pos) + 1
        raise MalformedFileError(
            f"{dataset.table}: line {line} ends in a bare CR (a carriage return without a line feed): "
            "the file mixes line endings; re-export it with LF or CRLF line endings"
        )


def _csv_header(dataset: Dataset, data: bytes, start: int) -> List[str]:
    end = data.find(b"\n", start)
    line = data[start : len(data) if end < 0 else end].rstrip(b"\r")
    try:
        return next(csv.reader([line.decode("utf-8")]), [])
    except csv.Error as exc:  # e.g. a field over the csv module's size limit; the line is not shown
        raise MalformedFileError(f"{dataset.table}: the header line cannot be read as CSV ({exc})") from None


def _some(what: str, shown: List[str], hidden: int, why: str) -> str:
    """'unexpected 'a', 'b'', 'unexpected 'a' and 2 more (not shown: why)', '3 unexpected (not shown: why)'."""
    note = f"(not shown: {why})" if why else "(not shown)"
    if not hidden:
        return f"{what} {', '.join(shown)}"
    if not shown:
        return f"{hidden} {what} {note}"
    return f"{what} {', '.join(shown)} and {hidden} more {note}"


def _json_optional(dataset: Dataset) -> Tuple[str, ...]:
    """JSON APIs leave out null fields: a nullable column may be absent from a JSON object."""
    return tuple(c.name for c in dataset.columns if c.nullable)


def _check_columns(dataset: Dataset, names: Sequence[str], optional: Sequence[str] = ()) -> None:
    expected = dataset.column_names
    missing = [c for c in expected if c not in names and c not in optional]
    unexpected = [c for c in names if c not in expected]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if not (missing or unexpected or repeated):
        return
    # A token that is not a contract column may be a data value (a headerless file's first row):
    # it is named only when it looks like a column name and the dataset holds no personal data.
    pii = any(c.pii for c in dataset.columns)
    shown = [] if pii else [c for c in unexpected if _COLUMN_NAME.fullmatch(c)]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if unexpected:
        why = "the dataset holds personal data" if pii else "they do not look like column names"
        parts.append(_some("unexpected", [repr(c) for c in shown], len(unexpected) - len(shown), why))
    if repeated:
        named = [c for c in repeated if c in expected or c in shown]
        parts.append(_some("repeated", named, len(repeated) - len(named), ""))
    raise SchemaDriftError(
        f"{dataset.table}: file columns do not match the contract: {'; '.join(parts)} "
        f"(expected {', '.join(expected)})",
        missing,
        unexpected,
    )


# -- reading: every column as text, with the physical line of each row -------------------------
@dataclass
class _Malformed:
    line: int
    reason: str


@dataclass
class _Raw:
    table: pa.Table  # contract columns in contract order, all string, no nulls
    lines: np.ndarray  # int64, physical line of each table row
    malformed: List[_Malformed]


def _read_csv(dataset: Dataset, data: bytes) -> _Raw:
    _check_line_ends(dataset, data)
    start = len(_BOM) if data.startswith(_BOM) else 0
    header = _csv_header(dataset, data, start)
    _check_columns(dataset, header)
    nl = data.find(b"\n", start)
    body = len(data) if nl < 0 else nl + 1
    if body >= len(data):  # header-only file: valid, zero rows
        return _Raw(_empty_text_table(dataset), np.zeros(0, np.int64), [])

    # Line numbers: the serial Arrow reader numbers invalid rows, the threaded one does not, so
    # we split the file at line ends ourselves and read the pieces serially on parallel threads.
    # A quoted field may hold a line break, so a file with quotes is read in one piece (a line
    # end cannot be told apart from a break inside a field without parsing everything before it)
    # and told to Arrow, whose blocks would otherwise cut such a field.
    quoted = data.find(b'"', body) >= 0
    bounds = _chunk_bounds(data, body, 1 if quoted else _workers(len(data) - body))
    pieces = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    buf = pa.py_buffer(data)
    pii = any(c.pii for c in dataset.columns)
    try:
        if len(pieces) == 1:
            parts = [_read_csv_piece(buf, pieces[0], header, quoted)]
        else:
            with ThreadPoolExecutor(len(pieces)) as pool:
                parts = list(pool.map(lambda p: _read_csv_piece(buf, p, header, quoted), pieces))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        _check_utf8(data)  # raises EncodingError when that is the cause
        # Arrow's message may quote a row: not for a dataset with personal data.
        detail = "details withheld: the dataset holds personal data" if pii else str(exc)[:_REASON_LINE_CHARS]
        raise MalformedFileError(f"{dataset.table}: file cannot be parsed as CSV ({detail})") from None

    tables, malformed_rec, malformed_text, malformed_fields = [], [], [], []
    first_record = 2  # the header is record 1
    for table, invalid in parts:
        tables.append(table)
        for number, text, fields in invalid:
            malformed_rec.append(first_record + number - 1)
            malformed_text.append(text)
            malformed_fields.append(fields)
        first_record += table.num_rows + len(invalid)
    table = pa.concat_tables(tables).select(list(dataset.column_names))

    records = _record_numbers(table.num_rows, malformed_rec)
    extra = _embedded_line_breaks(table, malformed_text) if quoted else None
    valid_lines = _physical_lines(records, malformed_rec, table.num_rows, extra)
    bad_lines = _physical_lines(np.asarray(malformed_rec, np.int64), malformed_rec, table.num_rows, extra)
    for line, text, fields in zip(bad_lines, malformed_text, malformed_fields):
        if "\n" in text and not _one_record(text):
            # A wrong field count over several lines that is not one well-quoted record is a
            # quote that never closes: it swallows the lines after it, so their rows could not be
            # counted. Refuse the file instead. (A well-quoted record with a line break inside a
            # field and the wrong field count is one malformed row, like any other.)
            raise MalformedFileError(
                f"{dataset.table}: the row starting on line {line} runs over {text.count(chr(10)) + 1} lines "
                f"and has {fields} fields; look for a quote that never closes"
            )
    expected = len(header)
    malformed = [
        _Malformed(int(line), _malformed_reason(fields, expected, text, pii))
        for line, text, fields in zip(bad_lines, malformed_text, malformed_fields)
    ]
    return _Raw(table, valid_lines, malformed)


def _one_record(text: str) -> bool:
    """Whether text is exactly one CSV record with every quoted field closed before a delimiter."""
    try:
        return len(list(csv.reader(io.StringIO(text, newline=""), strict=True))) == 1
    except csv.Error:
        return False


def _read_csv_piece(buf: pa.Buffer, piece: Tuple[int, int], header: List[str], quoted: bool) -> Tuple[pa.Table, list]:
    invalid: List[Tuple[int, str, int]] = []

    def on_invalid(row: Any) -> str:
        # Called once per row with the wrong number of fields: keep it for quarantine.
        invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    table = pcsv.read_csv(
        buf.slice(piece[0], piece[1] - piece[0]),
        read_options=pcsv.ReadOptions(use_threads=False, column_names=header, block_size=_BLOCK_BYTES),
        # Blank lines come through as all-empty records so that record n is physical line n.
        parse_options=pcsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=on_invalid,
                                        newlines_in_values=quoted),
        convert_options=pcsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )
    return table, invalid


def _workers(size: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8, size // _CHUNK_BYTES))


def _chunk_bounds(data: bytes, start: int, n: int) -> List[int]:
    bounds = [start]
    for i in range(1, n):
        cut = data.find(b"\n", start + (len(data) - start) * i // n)
        if cut < 0 or cut + 1 <= bounds[-1] or cut + 1 >= len(data):
            continue
        bounds.append(cut + 1)
    bounds.append(len(data))
    return bounds


def _record_numbers(n_valid: int, malformed_rec: List[int]) -> np.ndarray:
    """Record numbers of the valid rows: the data records (2..) not taken by malformed ones."""
    if not malformed_rec:
        return np.arange(2, n_valid + 2, dtype=np.int64)
    taken = np.zeros(n_valid + len(malformed_rec), bool)
    taken[np.asarray(malformed_rec, np.int64) - 2] = True
    return np.flatnonzero(~taken).astype(np.int64) + 2


def _embedded_line_breaks(table: pa.Table, malformed_text: List[str]) -> Tuple[np.ndarray, List[int]]:
    per_row = np.zeros(table.num_rows, np.int64)
    for col in table.columns:
        per_row += pc.count_substring(col, "\n").to_numpy().astype(np.int64)
    return per_row, [t.count("\n") for t in malformed_text]


def _physical_lines(
    records: np.ndarray,
    malformed_rec: List[int],
    n_valid: int,
    extra: Optional[Tuple[np.ndarray, List[int]]],
) -> np.ndarray:
    """Map record numbers to physical lines: a quoted line break makes a record span lines."""
    if extra is None:
        return records
    n = n_valid + len(malformed_rec)
    breaks = np.zeros(n, np.int64)
    breaks[_record_numbers(n_valid, malformed_rec) - 2] = extra[0]
    if malformed_rec:
        breaks[np.asarray(malformed_rec, np.int64) - 2] = extra[1]
    before = np.concatenate([[0], np.cumsum(breaks)[:-1]])
    return records + before[records - 2]


def _malformed_reason(fields: int, expected: int, text: str, pii: bool) -> str:
    reason = f"row has {fields} fields but the header has {expected}"
    if pii:  # the dataset holds personal data: the line stays in the landing file only
        return reason + "; see this line in the landing file"
    if len(text) > _REASON_LINE_CHARS:
        text = text[:_REASON_LINE_CHARS] + "..."
    return f"{reason}: {text!r}"


def _empty_text_table(dataset: Dataset) -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in dataset.column_names})


def _read_jsonl(dataset: Dataset, data: bytes) -> _Raw:
    """JSON lines: line n of the file is record n (there is no header line)."""
    _check_line_ends(dataset, data)
    start = len(_BOM) if data.startswith(_BOM) else 0
    keys = _first_json_keys(data, start, complete_only=False)
    if keys is not None:
        _check_columns(dataset, keys, _json_optional(dataset))
    n_lines = data.count(b"\n", start) + (0 if data.endswith(b"\n") else 1)
    names = list(dataset.column_names)
    for attempt in (_json_schema(dataset, typed=True), _json_schema(dataset, typed=False)):
        try:
            # Vectorised path: each value JSON-typed as its column implies (or every value a
            # string), or null; no blank or broken lines. Integers and booleans come back as the
            # text the line-by-line path gives them (12, -3, true, false).
            table = pjson.read_json(
                pa.py_buffer(data[start:] if start else data),
                parse_options=pjson.ParseOptions(explicit_schema=attempt, unexpected_field_behavior="error"),
            )
        except pa.ArrowInvalid:
            continue
        if table.num_rows != n_lines:
            break
        table = pa.table({n: pc.fill_null(_as_text(table[n]), "") for n in names})
        return _Raw(table, np.arange(1, n_lines + 1, dtype=np.int64), [])
    # Fallback, line by line (numbers, booleans, blank or broken lines): slower, still exact.
    _check_utf8(data)
    return _read_jsonl_lines(dataset, data[start:].decode("utf-8"))


def _json_schema(dataset: Dataset, typed: bool) -> pa.Schema:
    def json_type(column: Column) -> pa.DataType:
        if typed and column.type == "int64":
            return pa.int64()
        if typed and column.type == "boolean":
            return pa.bool_()
        return pa.string()

    return pa.schema([(c.name, json_type(c)) for c in dataset.columns])


def _as_text(values: Any) -> Any:
    if values.type == pa.bool_():  # Arrow would write "true"/"false" too; spelled out to be sure
        return pc.if_else(values, "true", "false")
    return values if values.type == pa.string() else pc.cast(values, pa.string())


def _read_jsonl_lines(dataset: Dataset, text: str) -> _Raw:
    names = list(dataset.column_names)
    values: Dict[str, List[str]] = {n: [] for n in names}
    lines: List[int] = []
    malformed: List[_Malformed] = []
    pii = any(c.pii for c in dataset.columns)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        problem = None
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problem = f"line is not valid JSON ({exc})"
        else:
            if not isinstance(obj, dict):
                problem = f"line is a JSON {type(obj).__name__}, not an object"
            else:
                extra = [k for k in obj if k not in values]
                if extra:
                    problem = (  # field names in a file of personal data may be data themselves
                        f"object has {len(extra)} field(s) not in the contract (not shown: the dataset holds personal data)"
                        if pii else "object has fields not in the contract: " + ", ".join(extra)
                    )
        if problem is not None:
            if not pii:
                problem += f": {line[:_REASON_LINE_CHARS]!r}"
            malformed.append(_Malformed(number, problem))
            continue
        lines.append(number)
        for n in names:
            values[n].append(_json_text(obj.get(n)))
    table = pa.table({n: pa.array(values[n], pa.string()) for n in names})
    return _Raw(table, np.asarray(lines, np.int64), malformed)


def _json_text(value: Any) -> str:
    """Text of a JSON value as the checks see it: numbers by value, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)


def _first_json_keys(data: bytes, start: int, complete_only: bool) -> Optional[List[str]]:
    """Keys of the first line that parses as a JSON object; None if there is none."""
    pos = start
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            if complete_only:  # a prefix may cut the last line short
                return None
            end = len(data)
        line = data[pos:end].strip()
        pos = end + 1
        if not line:
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except ValueError:
            continue
        if isinstance(obj, dict):
            return list(obj)
    return None


# -- checks --------------------------------------------------------------------------------------
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


def _bound(column: Column, value: float) -> pa.Scalar:
    if column.type == "int64" and float(value).is_integer():
        return pa.scalar(int(value), pa.int64())
    return pa.scalar(float(value), pa.float64())


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


# -- conform -------------------------------------------------------------------------------------
_PARALLEL_ROWS = 100_000  # below this, threads cost more than they save


def conform_bytes(
    dataset: Dataset, data: bytes, references: Optional[Mapping[str, Any]] = None
) -> ConformResult:
    """Validate one landed file against its contract; split it into clean, rejects and duplicates.

    ``references`` maps ``<table>.<column>`` (a foreign key's ``reference``) to the values the
    master holds (any iterable of strings, or an Arrow array); foreign keys whose reference is
    not given are not checked.
    """
    fk_values = _foreign_key_values(dataset, references)
    for name in REJECT_META:
        if name in dataset.column_names:
            raise ValueError(f"{dataset.table}: column name {name!r} is reserved for reject rows")
    if not data:
        raise EmptyFileError(f"{dataset.table}: file is empty (0 bytes); expected at least a header")
    raw = _read_csv(dataset, data) if dataset.file_format == "csv" else _read_jsonl(dataset, data)

    table, lines = raw.table, raw.lines
    empties = {name: pc.equal(table[name], "") for name in dataset.column_names}
    blank = _all(list(empties.values()))
    if blank is not None and pc.any(blank).as_py():  # blank lines and bare-comma lines: no data
        keep = ~_to_numpy(blank)
        table, lines = _filter(table, keep), lines[keep]
        empties = {name: pc.equal(table[name], "") for name in dataset.column_names}

    results = _check_columns_parallel(dataset, table, empties)
    for i, column in enumerate(dataset.columns):
        if column.name in fk_values:
            results[i].checks.append(
                _foreign_key_check(column, table[column.name], empties[column.name], *fk_values[column.name])
            )
    checks = [check for r in results for check in r.checks]
    failed = _any([c.failed for c in checks])
    valid = ~_to_numpy(failed) if failed is not None and pc.any(failed).as_py() else None

    schema = clean_schema(dataset)
    clean = pa.table([r.typed for r in results], schema=schema) if table.num_rows else schema.empty_table()
    keep = valid
    first = _first_occurrence([r.key_codes for r in results if r.key_codes is not None], valid)
    rows_deduplicated = 0
    if first is not None:  # repeats among the valid rows: drop them in the same filter pass
        rows_deduplicated = int((~first).sum())
        keep = np.ones(table.num_rows, bool) if valid is None else valid.copy()
        keep[np.flatnonzero(keep)[~first]] = False
    if keep is not None:
        clean = _filter(clean, keep)

    bad_idx = np.flatnonzero(~valid) if valid is not None else np.zeros(0, np.int64)
    rejects = _rejects(dataset, table, lines, raw.malformed, checks, bad_idx)
    return ConformResult(
        clean=clean,
        rejects=rejects,
        rows_in=table.num_rows + len(raw.malformed),
        rows_clean=clean.num_rows,
        rows_quarantined=rejects.num_rows,
        rows_deduplicated=rows_deduplicated,
    )


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


def _check_columns_parallel(dataset: Dataset, table: pa.Table, empties: Dict[str, Any]) -> List[_ColumnResult]:
    """Check every column; columns are independent, so big files check them on parallel threads
    (Arrow compute releases the GIL). Key columns also get their dictionary codes for dedupe:
    a text key from its raw values as a task of its own, a typed key from its typed values."""
    def check(i: int) -> Any:
        column = dataset.columns[i]
        result = _check_column(column, table[column.name], empties[column.name])
        if column.name in dataset.key and column.type != "string":
            result.key_codes = _key_codes(result.typed)
        return result

    def codes(i: int) -> Any:
        return _key_codes(table[dataset.columns[i].name])

    n = len(dataset.columns)
    text_keys = [i for i, c in enumerate(dataset.columns) if c.name in dataset.key and c.type == "string"]
    tasks = [(check, i, _cost(dataset.columns[i])) for i in range(n)] + [(codes, i, 2) for i in text_keys]
    tasks.sort(key=lambda t: -t[2])  # costliest first so the threads finish together
    out = _run(tasks, _workers(table.nbytes) if table.num_rows >= _PARALLEL_ROWS else 1)
    results = [out[(check, i)] for i in range(n)]
    for i in text_keys:
        results[i].key_codes = out[(codes, i)]
    return results


def _run(tasks: List[Tuple[Callable[[int], Any], int, int]], workers: int) -> Dict[Tuple[Any, int], Any]:
    if workers == 1:
        return {(fn, i): fn(i) for fn, i, _ in tasks}
    with ThreadPoolExecutor(workers) as pool:
        futures = {(fn, i): pool.submit(fn, i) for fn, i, _ in tasks}
        return {k: f.result() for k, f in futures.items()}


_FEW_ROWS = 1024  # dropping or picking this many rows or fewer is done with zero-copy slices


def _filter(table: pa.Table, keep: np.ndarray) -> pa.Table:
    """Rows where keep is True. A few dropped rows (the usual dirty file) cost zero-copy slices
    around them, not a copy of the table; many are filtered one column per thread."""
    drop = np.flatnonzero(~keep)
    if len(drop) <= _FEW_ROWS:
        starts = np.concatenate([[0], drop + 1])
        ends = np.concatenate([drop, [table.num_rows]])
        parts = [table.slice(int(a), int(b - a)) for a, b in zip(starts, ends) if b > a]
        return pa.concat_tables(parts) if parts else table.slice(0, 0)
    mask = pa.array(keep)
    workers = _workers(table.nbytes) if table.num_rows >= _PARALLEL_ROWS else 1
    if workers == 1:
        return table.filter(mask)
    with ThreadPoolExecutor(workers) as pool:
        columns = list(pool.map(lambda col: pc.filter(col, mask), table.columns))
    return pa.table(columns, schema=table.schema)


def _pick(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """table.take(rows); a few rows as slices (take on a chunked table concatenates chunks)."""
    if len(rows) == 0:
        return table.slice(0, 0)
    if len(rows) <= _FEW_ROWS:
        return pa.concat_tables([table.slice(int(i), 1) for i in rows]).combine_chunks()
    return table.take(pa.array(rows))


def _cost(column: Column) -> int:
    """Rough relative cost of checking a column: regexes and decimal parsing dominate."""
    return 2 * bool(column.decimal) + bool(column.pattern) + (column.type == "float64")


def _key_codes(values: Any) -> Tuple[np.ndarray, int]:
    """Dense int codes of a key column (equal values, equal codes) and how many there are."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    enc = pc.dictionary_encode(arr, null_encoding="encode")
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), max(len(enc.dictionary), 1)


def _to_numpy(mask: Any) -> np.ndarray:
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    return mask.to_numpy(zero_copy_only=False)


def _all(masks: List[Any]) -> Any:
    out = None
    for m in masks:
        out = m if out is None else pc.and_(out, m)
    return out


def _any(masks: List[Any]) -> Any:
    out = None
    for m in masks:
        out = m if out is None else pc.or_(out, m)
    return out


def _first_occurrence(key_codes: List[Tuple[np.ndarray, int]], valid: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """Over the valid rows: mask of rows first with their key, or None when every key is unique.

    The per-column codes are combined mixed-radix into one dense code per row, so finding
    repeats is a bincount rather than a hash join or a sort of the key values.
    """
    if not key_codes:
        return None
    code: Optional[np.ndarray] = None
    span = 1
    for codes, width in key_codes:
        codes = codes if valid is None else codes[valid]
        code = codes if code is None else code * width + codes
        span *= width
        if span > 4 * len(code) + 1024:  # re-densify so bincount stays small
            _, code = np.unique(code, return_inverse=True)
            code = code.astype(np.int64).ravel()
            span = int(code.max()) + 1 if len(code) else 1
    if code is None or len(code) < 2:
        return None
    counts = np.bincount(code, minlength=span)
    if counts.max() <= 1:
        return None
    repeated = counts[code] > 1
    rows = np.flatnonzero(repeated)
    _, first_pos = np.unique(code[rows], return_index=True)  # index of the first of each code
    first = ~repeated
    first[rows[first_pos]] = True
    return first


def _rejects(
    dataset: Dataset,
    table: pa.Table,
    lines: np.ndarray,
    malformed: List[_Malformed],
    checks: List[_Check],
    bad_idx: np.ndarray,
) -> pa.Table:
    schema = rejects_schema(dataset)
    parts: List[pa.Table] = []
    if len(bad_idx):
        take = pa.array(bad_idx)
        bad_raw = _pick(table, bad_idx)
        rule = pa.nulls(len(bad_idx), pa.string())
        reason = pa.nulls(len(bad_idx), pa.string())
        # Walk the checks from last to first so that the first failing rule wins.
        for check in reversed(checks):
            failed = pc.take(check.failed, take)
            if not pc.any(failed).as_py():
                continue
            column = check.rule.split(":", 1)[1]
            rule = pc.if_else(failed, check.rule, rule)
            reason = pc.if_else(failed, check.reason(bad_raw[column]), reason)
        columns: Dict[str, Any] = {"source_line": pa.array(lines[bad_idx], pa.int64())}
        columns.update({name: bad_raw[name] for name in dataset.column_names})
        columns.update({"rule": rule, "reason": reason})
        parts.append(pa.table(columns, schema=schema))
    if malformed:
        n = len(malformed)
        columns = {"source_line": pa.array([m.line for m in malformed], pa.int64())}
        columns.update({name: pa.nulls(n, pa.string()) for name in dataset.column_names})
        columns.update({
            "rule": pa.array([MALFORMED_ROW] * n, pa.string()),
            "reason": pa.array([m.reason for m in malformed], pa.string()),
        })
        parts.append(pa.table(columns, schema=schema))
    if not parts:
        return schema.empty_table()
    out = pa.concat_tables(parts)
    return out.take(pc.sort_indices(out["source_line"])) if len(parts) > 1 else out
