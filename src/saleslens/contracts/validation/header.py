"""File-level checks: UTF-8, line endings, and the header (CSV) or first object's keys (JSON
lines) against the contract. A failure raises and nothing from the file loads."""
from __future__ import annotations

import codecs
import csv
import json
import re
from typing import List, Optional, Sequence, Tuple

from saleslens.contracts.model import Dataset
from saleslens.errors import EmptyFileError, EncodingError, MalformedFileError, SchemaDriftError

_BOM = codecs.BOM_UTF8
# A header token shown in a schema-drift message must look like a column name; anything else may
# be a data value (a headerless file's first row) and is only counted.
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_BARE_CR = re.compile(rb"\r(?!\n)")


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
