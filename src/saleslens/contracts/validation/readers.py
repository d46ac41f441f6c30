"""Reading a landed file: every contract column as text, the physical line of each row, and
the rows that cannot be split into the header's fields (CSV in line-aligned pieces on parallel
threads; JSON lines through Arrow, or line by line)."""
from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pjson

from saleslens.contracts.model import Column, Dataset
from saleslens.contracts.validation import parallel
from saleslens.contracts.validation.header import (
    _BOM,
    _check_columns,
    _check_line_ends,
    _check_utf8,
    _csv_header,
    _first_json_keys,
    _json_optional,
)
from saleslens.errors import MalformedFileError

_REASON_LINE_CHARS = 300
_BLOCK_BYTES = 4 << 20  # Arrow's read block; a quoted field may span blocks


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
    bounds = _chunk_bounds(data, body, 1 if quoted else parallel._workers(len(data) - body))
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
    # NUL never delimits anything, but Python 3.9's csv refuses it ("line contains NUL").
    try:
        return len(list(csv.reader(io.StringIO(text.replace("\x00", " "), newline=""), strict=True))) == 1
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
