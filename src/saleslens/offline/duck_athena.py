"""DuckDB standing in for Athena.

Queries arrive through moto's Athena API (our hook on start_query_execution). Tables come from
the Glue Data Catalog held by moto, data from the S3 objects under each table's location
(hive-style ``dt=`` partitions), and the Athena SQL is transpiled with sqlglot. Results are
written to the query's output location as Athena writes them (CSV, every value quoted) and are
also served through GetQueryResults.
"""
from __future__ import annotations

import io
import logging
import threading
from typing import Any, Dict, List, Optional, Tuple

import boto3
import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlglot

log = logging.getLogger("saleslens_offline.athena")

_ATHENA_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "DOUBLE": "double",
    "FLOAT": "float",
    "VARCHAR": "varchar",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
    "HUGEINT": "bigint",
}


def transpile(sql: str) -> List[str]:
    """Athena (Trino) SQL -> DuckDB statements."""
    return [s for s in sqlglot.transpile(sql, read="athena", write="duckdb") if s.strip()]


class DuckAthena:
    """One DuckDB database per offline runtime; views created through Athena persist in it."""

    def __init__(self, glue_backend: Any, s3_client: Any) -> None:
        self._glue = glue_backend
        self._s3 = s3_client
        self._con = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self._cache: Dict[str, Tuple[Tuple[Tuple[str, str], ...], pa.Table]] = {}
        self.queries: List[str] = []  # every SQL text received, in order (tests count them)

    # -- moto hook -----------------------------------------------------------------------
    def __call__(self, backend: Any, execution: Any) -> None:
        database = (execution.context or {}).get("Database")
        self.queries.append(execution.query)
        try:
            with self._lock:
                result = self.run(execution.query, database)
            if result is not None:
                self._publish(backend, execution, result)
            execution.status = "SUCCEEDED"
        except Exception as exc:  # Athena reports a failed query, it does not raise
            log.warning("offline Athena query failed: %s", exc)
            execution.status = "FAILED"
            execution.state_change_reason = f"{type(exc).__name__}: {exc}"

    # -- engine --------------------------------------------------------------------------
    def run(self, sql: str, database: Optional[str]) -> Optional[pa.Table]:
        if database:
            self._register_tables(database)
        result = None
        for statement in transpile(sql):
            rel = self._con.sql(statement)  # None for DDL, a relation for a query
            result = rel.to_arrow_table() if rel is not None else None
        return result

    def _register_tables(self, database: str) -> None:
        db = self._glue.databases.get(database)
        if db is None:
            raise ValueError(f"SCHEMA_NOT_FOUND: database {database!r} does not exist")
        for name, table in db.tables.items():
            spec = table.versions[str(table._current_version)]
            if spec.get("TableType") == "VIRTUAL_VIEW":
                continue
            self._con.register(name, self._load(name, spec))

    def _load(self, name: str, spec: Dict[str, Any]) -> pa.Table:
        location = spec["StorageDescriptor"]["Location"]
        bucket, _, prefix = location.split("://", 1)[1].partition("/")
        listing: List[Tuple[str, str]] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            listing += [(o["Key"], o["ETag"]) for o in page.get("Contents", []) if o["Key"].endswith(".parquet")]
        fingerprint = tuple(sorted(listing))
        cached = self._cache.get(name)
        if cached and cached[0] == fingerprint:
            return cached[1]
        schema = _schema(spec)
        parts = []
        for key, _ in fingerprint:
            body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            part = pq.read_table(io.BytesIO(body))
            for pk in spec.get("PartitionKeys", []):
                value = _partition_value(key, pk["Name"])
                part = part.append_column(pk["Name"], pa.array([value] * part.num_rows, pa.string()))
            parts.append(part.select(schema.names).cast(schema))
        table = pa.concat_tables(parts) if parts else schema.empty_table()
        self._cache[name] = (fingerprint, table)
        return table

    # -- results -------------------------------------------------------------------------
    def _publish(self, backend: Any, execution: Any, table: pa.Table) -> None:
        from moto.athena.models import QueryResults

        location = (execution.config or {}).get("OutputLocation")
        if location:
            buf = io.BytesIO()
            pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="all_valid"))
            bucket, _, key = location.split("://", 1)[1].partition("/")
            self._s3.put_object(Bucket=bucket, Key=key, Body=buf.getvalue())
        header = {"Data": [{"VarCharValue": n} for n in table.column_names]}
        rows = [header]
        for record in table.to_pylist():
            rows.append({"Data": [({} if v is None else {"VarCharValue": str(v)}) for v in record.values()]})
        info = [_column_info(f) for f in table.schema]
        backend.query_results[execution.id] = QueryResults(rows=rows, column_info=info)


def _partition_value(key: str, name: str) -> Optional[str]:
    for segment in key.split("/"):
        if segment.startswith(name + "="):
            return segment.split("=", 1)[1]
    return None


def _schema(spec: Dict[str, Any]) -> pa.Schema:
    cols = spec["StorageDescriptor"]["Columns"] + spec.get("PartitionKeys", [])
    return pa.schema([(c["Name"], _arrow_type(c["Type"])) for c in cols])


def _arrow_type(athena_type: str) -> pa.DataType:
    t = athena_type.lower()
    if t.startswith("decimal"):
        p, s = t[t.index("(") + 1 : t.index(")")].split(",")
        return pa.decimal128(int(p), int(s))
    return {
        "string": pa.string(),
        "varchar": pa.string(),
        "bigint": pa.int64(),
        "int": pa.int32(),
        "integer": pa.int32(),
        "double": pa.float64(),
        "float": pa.float32(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }[t]


def _column_info(f: pa.Field) -> Dict[str, Any]:
    t = f.type
    if pa.types.is_decimal(t):
        athena, precision, scale = "decimal", t.precision, t.scale
    else:
        duck = {
            pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.float64(): "DOUBLE", pa.float32(): "FLOAT",
            pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.date32(): "DATE", pa.bool_(): "BOOLEAN",
        }.get(t, "TIMESTAMP" if pa.types.is_timestamp(t) else "VARCHAR")
        athena, precision, scale = _ATHENA_TYPES[duck], 0, 0
    return {
        "CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": f.name, "Label": f.name,
        "Type": athena, "Precision": precision, "Scale": scale, "Nullable": "UNKNOWN", "CaseSensitive": athena == "varchar",
    }


def s3_client(endpoint: str, region: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=region)
