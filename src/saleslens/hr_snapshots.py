"""Read the snapshot of a master dataset (HR, customers) in force on a date from the clean zone."""
from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from saleslens.contracts import DATASETS


class SnapshotMissingError(LookupError):
    """No snapshot of a master dataset was published on or before the requested date."""


def latest_partition(wr: Any, bucket: str, table: str, as_of: date) -> str:
    prefix = f"s3://{bucket}/{DATASETS[table].clean_prefix()}"
    dts = []
    for path in wr.s3.list_directories(prefix):
        segment = path.rstrip("/").rsplit("/", 1)[-1]
        if segment.startswith("dt=") and segment[3:] <= as_of.isoformat():
            dts.append(segment[3:])
    if not dts:
        raise SnapshotMissingError(f"no {table} snapshot on or before {as_of.isoformat()} under {prefix}")
    return f"{prefix}dt={max(dts)}/"


def read_snapshot(wr: Any, bucket: str, table: str, as_of: date) -> pa.Table:
    df = wr.s3.read_parquet(latest_partition(wr, bucket, table, as_of), dataset=False)
    return pa.Table.from_pandas(df, preserve_index=False)
