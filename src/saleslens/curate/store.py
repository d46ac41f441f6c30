"""The curate step's I/O: clean partitions in, curated objects and the source index out.

Clean partitions are one Parquet object each (``ingest.naming.clean_key``). When two partitions
carry the same business key, the row of the later partition date wins, and on the same date a
daily file's row wins over its month's backfill extract (``PartitionObject.order``): a rule on
the data alone, so the control totals' SQL applies the same one. Curated objects are written
with one PUT each, so a reader sees a whole partition or the previous one. Python 3.9-safe.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS
from saleslens.contracts.ddl import PARTITION_COLUMN
from saleslens.curate.errors import CuratedIndexError
from saleslens.curate.tables import CuratedTable
from saleslens.ingest.naming import clean_key

INDEX_PREFIX = "_index/"


@dataclass(frozen=True)
class PartitionObject:
    """One published clean partition."""

    table: str
    dt: str
    key: str
    published: str  # S3 LastModified, ISO-8601 UTC (lineage only)
    etag: str

    @property
    def order(self) -> str:
        """Sorts the partition whose row wins a shared key last: later date, then daily over backfill."""
        return f"{self.dt}|{0 if DATASETS[self.table].backfills else 1}"


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


class CurateStore:
    def __init__(self, s3: Any, *, clean_bucket: str, curated_bucket: str) -> None:
        self.s3 = s3
        self.clean_bucket = clean_bucket
        self.curated_bucket = curated_bucket
        self._tables: Dict[Tuple[str, str, str], pa.Table] = {}
        self.bytes_read = 0
        self.objects_written = 0

    # -- clean zone ------------------------------------------------------------------------
    def clean_partitions(self, table: str) -> Dict[str, PartitionObject]:
        """Every published partition of a clean table, by partition date."""
        prefix = f"{DATASETS[table].clean_prefix()}{PARTITION_COLUMN}="
        found: Dict[str, PartitionObject] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.clean_bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                rest = obj["Key"][len(prefix):]
                dt, _, name = rest.partition("/")
                if name != "data.parquet":
                    continue
                found[dt] = PartitionObject(table, dt, obj["Key"], _iso(obj["LastModified"]), obj["ETag"].strip('"'))
        return found

    def clean_partition(self, table: str, dt: str) -> Optional[PartitionObject]:
        key = clean_key(DATASETS[table].clean_prefix(), dt)
        try:
            head = self.s3.head_object(Bucket=self.clean_bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return PartitionObject(table, dt, key, _iso(head["LastModified"]), head["ETag"].strip('"'))

    def read_clean(self, part: PartitionObject) -> pa.Table:
        cache_key = (part.table, part.dt, part.etag)
        if cache_key not in self._tables:
            body = self.s3.get_object(Bucket=self.clean_bucket, Key=part.key)["Body"].read()
            self.bytes_read += len(body)
            self._tables[cache_key] = pq.read_table(io.BytesIO(body))
        return self._tables[cache_key]

    def snapshots(self, table: str, dts: Optional[List[str]] = None) -> List[Tuple[date, pd.DataFrame]]:
        """Snapshots of a master (all published ones, or those dated ``dts``), oldest first."""
        parts = self.clean_partitions(table)
        chosen = sorted(parts) if dts is None else sorted(d for d in dts if d in parts)
        return [(date.fromisoformat(dt), self.read_clean(parts[dt]).to_pandas()) for dt in chosen]

    def latest_snapshot(self, table: str) -> Optional[Tuple[date, pd.DataFrame]]:
        parts = self.clean_partitions(table)
        if not parts:
            return None
        dt = max(parts)
        return date.fromisoformat(dt), self.read_clean(parts[dt]).to_pandas()

    # -- curated zone ----------------------------------------------------------------------
    def read_curated(self, table: CuratedTable, dt: Optional[str] = None) -> Optional[pa.Table]:
        try:
            body = self.s3.get_object(Bucket=self.curated_bucket, Key=table.key(dt))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return pq.read_table(io.BytesIO(body))

    def write_curated(self, table: CuratedTable, rows: pa.Table, dt: Optional[str] = None) -> None:
        rows = rows.cast(table.schema())
        self.s3.put_object(Bucket=self.curated_bucket, Key=table.key(dt), Body=parquet_bytes(rows),
                           ContentType="application/vnd.apache.parquet")
        self.objects_written += 1

    def delete_curated(self, table: CuratedTable, dt: str) -> None:
        self.s3.delete_object(Bucket=self.curated_bucket, Key=table.key(dt))

    def curated_partitions(self, table: CuratedTable) -> List[str]:
        prefix = f"{table.prefix}{PARTITION_COLUMN}="
        dts = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.curated_bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                dt, _, name = obj["Key"][len(prefix):].partition("/")
                if name == "data.parquet":
                    dts.append(dt)
        return sorted(dts)

    # -- the source index ------------------------------------------------------------------
    def read_index(self, name: str) -> Dict[str, Any]:
        key = f"{INDEX_PREFIX}{name}.json"
        try:
            body = self.s3.get_object(Bucket=self.curated_bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return {}
        try:
            index = json.loads(body)
        except ValueError as exc:
            raise CuratedIndexError(f"s3://{self.curated_bucket}/{key} is not JSON: {exc}") from exc
        if not isinstance(index, dict):
            raise CuratedIndexError(f"s3://{self.curated_bucket}/{key} is not a JSON object")
        return index

    def write_index(self, name: str, index: Dict[str, Any]) -> None:
        self.s3.put_object(Bucket=self.curated_bucket, Key=f"{INDEX_PREFIX}{name}.json",
                           Body=json.dumps(index, sort_keys=True).encode(), ContentType="application/json")
