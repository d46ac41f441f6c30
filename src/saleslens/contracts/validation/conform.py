"""Conform one landed file: read it, check every column, drop duplicates, and split the rows
into clean and rejects with counts that add up."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts.model import Column, Dataset
from saleslens.contracts.validation import parallel
from saleslens.contracts.validation.arrays import _all, _any, _filter, _to_numpy
from saleslens.contracts.validation.checks import (
    _below_check,
    _check_column,
    _ColumnResult,
    _foreign_key_check,
    _foreign_key_values,
)
from saleslens.contracts.validation.dedupe import _first_occurrence, _key_codes
from saleslens.contracts.validation.readers import _read_csv, _read_jsonl
from saleslens.contracts.validation.rejects import REJECT_META, _rejects
from saleslens.contracts.validation.schema import clean_schema
from saleslens.errors import EmptyFileError


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
        data_rows = ~_to_numpy(blank)
        table, lines = _filter(table, data_rows), lines[data_rows]
        empties = {name: pc.equal(table[name], "") for name in dataset.column_names}

    results = _check_columns_parallel(dataset, table, empties)
    index = {c.name: i for i, c in enumerate(dataset.columns)}
    for i, column in enumerate(dataset.columns):
        if column.below is not None:
            j = index[column.below]
            results[i].checks.append(_below_check(column, results[i].typed, dataset.columns[j], results[j].typed,
                                                  results[i].checks + results[j].checks))
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
    keep: Optional[np.ndarray] = valid
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
    out = parallel._run(tasks, parallel._workers(table.nbytes) if table.num_rows >= parallel._PARALLEL_ROWS else 1)
    results = [out[(check, i)] for i in range(n)]
    for i in text_keys:
        results[i].key_codes = out[(codes, i)]
    return results


def _cost(column: Column) -> int:
    """Rough relative cost of checking a column: regexes and decimal parsing dominate."""
    return 2 * bool(column.decimal) + bool(column.pattern) + (column.type == "float64")
