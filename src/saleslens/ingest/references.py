"""Foreign keys checked at conform against the master snapshots in force on the partition date.

The snapshot in force is the latest published partition of the referenced master on or before
the partition date (masters land before the facts of their day). Two outcomes, by kind:
- a *fact* row whose code the master does not list is kept and counted as unmapped: revenue or
  activity is never dropped, the views show it by code (``mart_sales__unmapped``) and map it as
  soon as a snapshot lists the code, and it does not count toward the quarantine gate;
- a *master* row whose own reference is broken (an assignment to a position no snapshot lists),
  or a fact row whose reference is declared ``enforced`` (a receivable owed by no known stockist),
  is quarantined by the ``foreign_key:<column>`` rule.
A reference to the dataset itself (the position tree's parent) is checked on the whole snapshot
by ``ingest.masters``; a reference with no snapshot in force yet is recorded as unchecked.
Python 3.9-safe (the conform job imports this).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS
from saleslens.contracts.model import Dataset
from saleslens.ingest.naming import clean_key

_SAMPLE_CODES = 10


def latest_partition(s3: Any, bucket: str, table_prefix: str, partition_date: str, *, inclusive: bool = True) -> Optional[str]:
    """The latest published partition date of a table on (``inclusive``) or before ``partition_date``."""
    best: Optional[str] = None
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{table_prefix}dt=", Delimiter="/"):
        for p in page.get("CommonPrefixes", []):
            dt = p["Prefix"][len(table_prefix) + 3:].rstrip("/")
            if (dt < partition_date or (inclusive and dt == partition_date)) and (best is None or dt > best):
                best = dt
    return best


@dataclass(frozen=True)
class References:
    values: Dict[str, pa.Array]  # "<table>.<column>" -> the codes the snapshot in force lists
    snapshots: Dict[str, str]  # "<table>.<column>" -> dt of that snapshot
    unchecked: List[str] = field(default_factory=list)  # references with no snapshot in force yet


def load_references(s3: Any, bucket: str, dataset: Dataset, partition_date: str) -> References:
    values: Dict[str, pa.Array] = {}
    snapshots: Dict[str, str] = {}
    unchecked: List[str] = []
    for fk in dataset.foreign_keys:
        if fk.dataset == dataset.table or fk.reference in values or fk.reference in unchecked:
            continue
        prefix = DATASETS[fk.dataset].clean_prefix()
        dt = latest_partition(s3, bucket, prefix, partition_date)
        if dt is None:
            unchecked.append(fk.reference)
            continue
        body = s3.get_object(Bucket=bucket, Key=clean_key(prefix, dt))["Body"].read()
        column = pq.read_table(io.BytesIO(body), columns=[fk.ref_column]).column(0)
        values[fk.reference] = pc.unique(column.combine_chunks().cast(pa.string()))
        snapshots[fk.reference] = dt
    return References(values, snapshots, unchecked)


def enforced_values(dataset: Dataset, refs: References) -> Dict[str, pa.Array]:
    """The referenced values conform checks row by row: every reference of a master, and only the
    enforced ones of a fact (its other unknown codes are kept and counted by ``unmapped``)."""
    if dataset.kind == "master":
        return refs.values
    wanted = {fk.reference for fk in dataset.foreign_keys if fk.enforced}
    return {ref: values for ref, values in refs.values.items() if ref in wanted}


def unmapped(dataset: Dataset, clean: pa.Table, refs: References) -> Tuple[int, Dict[str, Dict[str, Any]]]:
    """Rows of a fact with at least one code the snapshots in force do not list, and per column
    the rows and a few of the codes (codes, never names: no foreign-key column holds personal data)."""
    by_column: Dict[str, Dict[str, Any]] = {}
    any_unknown = None
    for fk in dataset.foreign_keys:
        if fk.enforced or fk.reference not in refs.values:
            continue
        column = clean.column(fk.column).cast(pa.string())
        unknown = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, value_set=refs.values[fk.reference])))
        rows = int(pc.sum(unknown).as_py() or 0)
        if rows:
            codes = sorted(pc.unique(column.filter(unknown)).to_pylist())
            by_column[fk.column] = {"rows": rows, "reference": fk.reference,
                                    "snapshot_dt": refs.snapshots[fk.reference], "codes": codes[:_SAMPLE_CODES]}
            any_unknown = unknown if any_unknown is None else pc.or_(any_unknown, unknown)
    total = 0 if any_unknown is None else int(pc.sum(any_unknown).as_py() or 0)
    return total, by_column
