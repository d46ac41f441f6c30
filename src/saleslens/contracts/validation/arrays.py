"""Arrow and NumPy helpers shared by the checks, dedupe and the reject table: boolean masks
to NumPy, combined with and/or, and picking or dropping table rows without needless copies."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, List

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts.validation import parallel


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
    workers = parallel._workers(table.nbytes) if table.num_rows >= parallel._PARALLEL_ROWS else 1
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
