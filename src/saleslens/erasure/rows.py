"""What erasure does to the rows of one table (a Parquet object, a CSV result, a JSON list).

Two decisions, by what the rows are for:
- ``blank``: the clean and curated HR rows stay and only their personal columns change (names
  to ``[erased]``, emails and mobiles to empty). An assignment row places a person in the
  hierarchy on its dates and an employee row ends their assignments on the leaving date: the
  figures of everyone above and around them are built on those ids and dates, so removing the
  rows would rewrite other people's history (vacancies, team sizes, attainment).
- ``drop``: rows that exist only to be looked at, the quarantined rejects, a query result's rows,
  a run's recipients entries, go whole.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from saleslens.erasure.person import KEY_COLUMN, Person, decode, encode, placeholder


def read_parquet(body: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(body))


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


def _is_text(table: pa.Table, column: str) -> bool:
    return pa.types.is_string(table.schema.field(column).type) or pa.types.is_large_string(table.schema.field(column).type)


def blank(table: pa.Table, person: Person, columns: Sequence[str]) -> Tuple[pa.Table, int]:
    """The person's rows with ``columns`` set to their placeholders; how many rows changed.

    Every value replaced is noted on ``person``. The schema is kept as it was (a non-nullable
    column stays non-nullable: the clean partitions are merged by casting to their schema)."""
    if KEY_COLUMN not in table.column_names or table.num_rows == 0:
        return table, 0
    mine = pc.fill_null(pc.equal(table.column(KEY_COLUMN), person.employee_id), False)
    if not pc.any(mine).as_py():
        return table, 0
    changed = pa.array([False] * table.num_rows)
    out = table
    for name in columns:
        if name not in table.column_names or not _is_text(table, name):
            continue
        column = table.column(name)
        for value in pc.filter(column, mine).to_pylist():
            person.note(name, value)
        new_value = pa.scalar(placeholder(name), column.type)
        differs = pc.fill_null(pc.not_equal(column, new_value), True)
        changed = pc.or_(changed, pc.and_(mine, differs))
        out = out.set_column(out.schema.get_field_index(name), out.schema.field(name),
                             pc.if_else(mine, new_value, column))
    return out.cast(table.schema), int(pc.sum(changed).as_py() or 0)


def drop(table: pa.Table, person: Person, columns: Sequence[str]) -> Tuple[pa.Table, int, int]:
    """The table without the person's rows (their id, or an email or mobile of theirs, in any
    text cell), and their name replaced in the rows left; (table, rows dropped, names replaced).
    The personal values of the dropped rows are noted on ``person``."""
    text_columns = [n for n in table.column_names if _is_text(table, n)]
    records = table.select(text_columns).to_pylist()
    keep: List[bool] = []
    for record in records:
        own = record.get(KEY_COLUMN) == person.employee_id
        if own:
            for name in columns:
                person.note(name, record.get(name))
        keep.append(not (own or any(isinstance(v, str) and person.contacted_in(v) for v in record.values())))
    dropped = keep.count(False)
    out = table.filter(pa.array(keep)) if dropped else table
    replaced = 0
    for name in text_columns:
        pairs = [person.redact(v) if isinstance(v, str) else (v, 0) for v in out.column(name).to_pylist()]
        count = sum(n for _, n in pairs)
        if count:
            field = out.schema.field(name)
            out = out.set_column(out.schema.get_field_index(name), field, pa.array([v for v, _ in pairs], field.type))
            replaced += count
    return out, dropped, replaced


def drop_csv_rows(body: bytes, person: Person, columns: Sequence[str]) -> Tuple[bytes, int]:
    """A query result (CSV with a header) without the person's rows: those whose employee id is
    theirs or that hold an email or mobile of theirs; their name replaced in the lines left.
    Lines are kept byte for byte otherwise. Returns (body, rows dropped + names replaced)."""
    text = decode(body)
    lines = text.splitlines(keepends=True)
    if not lines:
        return body, 0
    header = next(csv.reader([lines[0]]))
    key_at = header.index(KEY_COLUMN) if KEY_COLUMN in header else None
    noted = [(i, name) for i, name in enumerate(header) if name in columns]
    kept, changes = [lines[0]], 0
    for line in lines[1:]:
        cells = next(csv.reader([line]), [])
        own = key_at is not None and key_at < len(cells) and cells[key_at] == person.employee_id
        if own:
            for i, name in noted:
                if i < len(cells):
                    person.note(name, cells[i])
        if own or person.contacted_in(line):
            changes += 1
            continue
        line, n = person.redact(line)
        changes += n
        kept.append(line)
    return encode("".join(kept)), changes


def csv_header(body: bytes) -> List[str]:
    first = decode(body).splitlines()[:1]
    return next(csv.reader(first), []) if first else []


def drop_entries(body: bytes, person: Person, columns: Sequence[str]) -> Tuple[Optional[bytes], int]:
    """A JSON list of objects (a run's recipients file) without the person's entries; None when
    the body is not such a list."""
    try:
        entries = json.loads(body)
    except ValueError:
        return None, 0
    if not isinstance(entries, list):
        return None, 0
    kept: List[Any] = []
    for entry in entries:
        if isinstance(entry, dict) and _entry_is_theirs(entry, person, columns):
            continue
        kept.append(entry)
    dropped = len(entries) - len(kept)
    return (json.dumps(kept).encode() if dropped else body), dropped


def _entry_is_theirs(entry: Dict[str, Any], person: Person, columns: Sequence[str]) -> bool:
    own = entry.get(KEY_COLUMN) == person.employee_id
    if own:
        for name in columns:
            person.note(name, entry.get(name))
    return own or any(isinstance(v, str) and person.contacted_in(v) for v in entry.values())
