"""Duplicate business keys: dense codes per key column, and the first valid row of each key."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _key_codes(values: Any) -> Tuple[np.ndarray, int]:
    """Dense int codes of a key column (equal values, equal codes) and how many there are."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    enc = pc.dictionary_encode(arr, null_encoding="encode")
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), max(len(enc.dictionary), 1)


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
