"""A clean and curated zone built in this process, and DuckDB over it with the real views.

For benchmarks and property tests that need months of curated data fast: every file is conformed
(``conform_bytes``), published as the quality gate would (one object per partition) and curated
(``curate.run.curate``), in an in-process S3 (moto's ``mock_aws``), then the curated and clean
tables are registered in DuckDB and ``athena_sql/`` is created over them (sqlglot transpile).
No state machine, Lambda or quality gate runs here: ``OfflineAws`` is the pipeline's own path;
this is the same library code without the orchestration, to measure and probe the data model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import duckdb
import pyarrow as pa

from saleslens.contracts import DATASETS, dataset_for_key
from saleslens.contracts.ddl import PARTITION_COLUMN
from saleslens.contracts.validation import clean_schema, conform_bytes
from saleslens.curate.run import CurateSettings, curate
from saleslens.curate.store import CurateStore, parquet_bytes
from saleslens.curate.tables import TABLES
from saleslens.ingest.naming import clean_key
from saleslens.offline.duck_athena import as_of_domain, connect, partition_value, read_object, single_as_of_date, transpile
from saleslens.views import load_views

CLEAN, CURATED = "clean", "curated"


@dataclass
class LocalLake:
    """Build with ``load(files)``; query with ``connect()``. Use inside ``moto.mock_aws()``."""

    settings: CurateSettings
    region: str = "ap-south-1"
    curate_runs: int = 0
    rows_in: int = 0
    _store: Optional[CurateStore] = field(default=None, repr=False)

    @property
    def store(self) -> CurateStore:
        if self._store is None:
            import boto3

            s3 = boto3.client("s3", region_name=self.region)
            for bucket in (CLEAN, CURATED):
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
            self._store = CurateStore(s3, clean_bucket=CLEAN, curated_bucket=CURATED)
        return self._store

    def load(self, files: Dict[str, bytes], order: Optional[Iterable[str]] = None,
             progress: Callable[[str], None] = lambda _m: None) -> None:
        """Conform, publish and curate each file (masters before facts unless ``order`` is given)."""
        keys = list(order) if order is not None else sorted(
            files, key=lambda k: (DATASETS[dataset_for_key(k)[0].table].kind != "master", dataset_for_key(k)[1], k))
        for i, key in enumerate(keys, start=1):
            dataset, dt = dataset_for_key(key)
            result = conform_bytes(dataset, files[key])
            self.rows_in += result.rows_in
            self.store.s3.put_object(Bucket=CLEAN, Key=clean_key(dataset.clean_prefix(), dt.isoformat()),
                                     Body=parquet_bytes(result.clean))
            curate(self.store, dataset=dataset.table, partition_date=dt.isoformat(), run_id=f"local-{i}",
                   settings=self.settings)
            self.curate_runs += 1
            if i % 50 == 0 or i == len(keys):
                progress(f"curated {i}/{len(keys)} files")

    def _objects(self, bucket: str, prefix: str) -> List[Tuple[str, bytes]]:
        s3 = self.store.s3
        out = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["Key"].endswith(".parquet"):
                    out.append((obj["Key"], s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()))
        return out

    def tables(self) -> Dict[str, pa.Table]:
        """Every curated and clean table as one Arrow table (partition value as column ``dt``)."""
        out: Dict[str, pa.Table] = {}
        for name, table in TABLES.items():
            out[name] = _concat(self._objects(CURATED, table.prefix), table.schema(), table.partitioned)
        for name, dataset in DATASETS.items():
            out[name] = _concat(self._objects(CLEAN, f"{dataset.clean_prefix()}{PARTITION_COLUMN}="),
                                clean_schema(dataset), True)
        return out

    def object_sizes(self) -> Dict[str, Dict[str, int]]:
        """Bytes of each table's Parquet objects, by partition value ("" for a dimension)."""
        s3 = self.store.s3
        out: Dict[str, Dict[str, int]] = {}
        prefixes = [(CURATED, n, t.prefix) for n, t in TABLES.items()]
        prefixes += [(CLEAN, n, f"{d.clean_prefix()}{PARTITION_COLUMN}=") for n, d in DATASETS.items()]
        for bucket, name, prefix in prefixes:
            sizes: Dict[str, int] = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    key = obj["Key"]
                    dt = partition_value(key, PARTITION_COLUMN) or ""
                    sizes[dt] = sizes.get(dt, 0) + obj["Size"]
            out[name] = sizes
        return out

    def connect(self) -> duckdb.DuckDBPyConnection:
        return self.connect_tables(self.tables())

    @staticmethod
    def connect_tables(tables: Dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
        """DuckDB with the tables registered and athena_sql/ created over them."""
        con = connect()
        for name, table in tables.items():
            con.register(name, table)
        for view in load_views():
            for statement in transpile(view.sql):
                con.execute(statement)
        return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> List[Dict[str, Any]]:
    """An Athena query on the connection, as the offline Athena runs it (as_of_domain)."""
    with as_of_domain(con, single_as_of_date(sql)):
        cur = con.execute(transpile(sql)[0])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _concat(objects: List[Tuple[str, bytes]], schema: pa.Schema, partitioned: bool) -> pa.Table:
    keys = [PARTITION_COLUMN] if partitioned else []
    if partitioned:
        schema = schema.append(pa.field(PARTITION_COLUMN, pa.string()))
    parts = [read_object(key, body, schema, keys) for key, body in objects]
    return pa.concat_tables(parts) if parts else schema.empty_table()
