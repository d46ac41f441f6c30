"""DuckDB standing in for Athena.

Queries arrive through moto's Athena API (our hook on start_query_execution). Tables come from
the Glue Data Catalog held by moto, data from the S3 objects under each table's location
(hive-style ``dt=`` partitions), and the Athena SQL is transpiled with sqlglot. Results are
written to the query's output location as Athena writes them (CSV, every value quoted) and are
also served through GetQueryResults.

Like the Glue catalog, the S3 objects are read from moto's backend in this process (no HTTP
round trip per object), and each object is parsed once per version (etag): a query re-reads only
what changed since the last one.
"""
from __future__ import annotations

import functools
import io
import logging
import re
import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

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


@functools.lru_cache(maxsize=1024)
def transpile(sql: str) -> Tuple[str, ...]:
    """Athena (Trino) SQL -> DuckDB statements.

    Trino inlines every WITH query into the plan, so a filter on a view's output reaches the
    tables below its CTEs; DuckDB materialises a CTE used twice, computing it for every as-of
    date before the filter. Marking each CTE NOT MATERIALIZED gives DuckDB Trino's plan shape.

    Kept per process: each runtime deploys the same hundred views (half a second of sqlglot), and
    a test process starts dozens of runtimes.
    """
    out = []
    for tree in sqlglot.parse(sql, read="athena"):
        if tree is None:
            continue
        for cte in tree.find_all(sqlglot.exp.CTE):
            cte.set("materialized", False)
        text = tree.sql(dialect="duckdb")
        if text.strip():
            out.append(text)
    return tuple(out)


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that plans joins the way Athena does without table statistics.

    Athena reorders joins by cost only when every table of a query has Glue column statistics
    (its cost-based optimizer); the lake's tables have none, so Athena joins in the order the SQL
    writes them and builds each hash table from the join's right side (its tuning guide: largest
    table on the left). DuckDB's own join reordering and build-side choice are switched off to
    match: a view whose written order is slow, or that builds a fact table, is slow offline too,
    instead of being rescued by a planner Athena does not run.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    return con


AS_OF_VIEW = "int_calendar__as_of_dates"
_AS_OF = re.compile(r"\bas_of_date\s*=\s*DATE\s*'(\d{4}-\d{2}-\d{2})'", re.IGNORECASE)


def single_as_of_date(sql: str) -> Optional[str]:
    """The one as-of date a query asks for (``as_of_date = DATE '...'``), if it asks for one."""
    dates = set(_AS_OF.findall(sql))
    return dates.pop() if len(dates) == 1 and sql.lstrip().upper().startswith("SELECT") else None


@contextmanager
def as_of_domain(con: duckdb.DuckDBPyConnection, day: Optional[str]) -> Iterator[None]:
    """Run a query with the as-of domain (``int_calendar__as_of_dates``) restricted to its date.

    Every view that answers "as of a date" starts from that view, and a distribution query asks
    for one date. Trino pushes the query's filter down to it; DuckDB does not push it through the
    views' joins and computes the model for every calendar date first, so offline the view is
    shadowed for the query by a temporary one holding that date alone. Same rows, Athena's work.
    """
    if day is None or not con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT temporary", [AS_OF_VIEW]).fetchall()[0][0]:
        yield
        return
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute(f'CREATE OR REPLACE TEMP VIEW {AS_OF_VIEW} AS '
                f'SELECT * FROM "{database}".main.{AS_OF_VIEW} WHERE as_of_date = DATE \'{day}\'')
    try:
        yield
    finally:
        con.execute(f"DROP VIEW IF EXISTS temp.{AS_OF_VIEW}")


class DuckAthena:
    """One DuckDB database per offline runtime; views created through Athena persist in it."""

    def __init__(self, glue_backend: Any, s3_client: Any, s3_backend: Any) -> None:
        self._glue = glue_backend
        self._s3 = s3_client
        self._s3_backend = s3_backend
        self._con = connect()
        self._lock = threading.Lock()
        self._cache: Dict[str, Tuple[Tuple[Tuple[str, str], ...], pa.Table]] = {}
        self._parts: Dict[Tuple[str, str], pa.Table] = {}  # (key, etag) -> parsed object
        self._registered: Dict[str, pa.Table] = {}  # name -> the table registered under it in DuckDB
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
        with as_of_domain(self._con, single_as_of_date(sql)):
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
            data = self._load(name, spec)
            # Registering costs about a millisecond a table and every query registers them all
            # (deploying the views is a hundred queries): only a table whose data changed is registered again.
            if self._registered.get(name) is not data:
                self._con.register(name, data)
                self._registered[name] = data

    def _objects(self, bucket: str, prefix: str) -> Dict[str, Any]:
        """Current Parquet objects under a prefix: key -> moto FakeKey (delete markers left out)."""
        from moto.s3.models import FakeKey

        found = self._s3_backend.buckets.get(bucket)
        if found is None:
            raise ValueError(f"NoSuchBucket: {bucket}")
        out = {}
        for key in list(dict.keys(found.keys)):
            if key.startswith(prefix) and key.endswith(".parquet"):
                obj = found.keys.get(key)
                if isinstance(obj, FakeKey):
                    out[key] = obj
        return out

    def _load(self, name: str, spec: Dict[str, Any]) -> pa.Table:
        location = spec["StorageDescriptor"]["Location"]
        bucket, _, prefix = location.split("://", 1)[1].partition("/")
        objects = self._objects(bucket, prefix)
        fingerprint = tuple(sorted((k, o.etag) for k, o in objects.items()))
        cached = self._cache.get(name)
        if cached and cached[0] == fingerprint:
            return cached[1]
        schema = _schema(spec)
        parts = []
        for key, etag in fingerprint:
            part = self._parts.get((key, etag))
            if part is None:
                part = read_object(key, objects[key].value, schema, [pk["Name"] for pk in spec.get("PartitionKeys", [])])
                self._parts[(key, etag)] = part
            parts.append(part)
        table = pa.concat_tables(parts) if parts else schema.empty_table()
        # A part replaced (a partition curated again) is read no more: it goes, or every day's
        # rewritten partitions would stay in memory for the runtime's life.
        if cached:
            for old in set(cached[0]) - set(fingerprint):
                self._parts.pop(old, None)
        self._cache[name] = (fingerprint, table)
        return table

    # -- results -------------------------------------------------------------------------
    def _publish(self, backend: Any, execution: Any, table: pa.Table) -> None:
        location = (execution.config or {}).get("OutputLocation")
        if location:
            buf = io.BytesIO()
            pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="all_valid"))
            bucket, _, key = location.split("://", 1)[1].partition("/")
            self._s3.put_object(Bucket=bucket, Key=key, Body=buf.getvalue())
        backend.query_results[execution.id] = ArrowQueryResults(table, [_column_info(f) for f in table.schema])


class ArrowQueryResults:
    """moto's QueryResults (``rows``, ``column_info``, ``to_dict``) over the result's Arrow table:
    the rows GetQueryResults returns are made when it asks for them. Made once up front, as moto's
    class holds them, a usv distribution run's 600 k mart rows took about 2 GB of Python objects
    that nothing read (render-report reads the CSV results). The table is kept as a compressed
    Arrow IPC stream, as Athena keeps a result in S3 rather than in the engine, and the runtime
    keeps every run's: the usv role marts' 19 results take 88.4 MB as Arrow tables, 20.3 MB so."""

    def __init__(self, table: pa.Table, column_info: List[Dict[str, Any]]) -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
            writer.write_table(table)
        self._stream = sink.getvalue().to_pybytes()  # exactly its size: the stream's buffer keeps its doubled capacity
        self.column_info = column_info

    @property
    def table(self) -> pa.Table:
        return pa.ipc.open_stream(pa.py_buffer(self._stream)).read_all()

    @property
    def rows(self) -> List[Dict[str, Any]]:
        table = self.table
        rows: List[Dict[str, Any]] = [{"Data": [{"VarCharValue": n} for n in table.column_names]}]
        for record in table.to_pylist():
            rows.append({"Data": [({} if v is None else {"VarCharValue": str(v)}) for v in record.values()]})
        return rows

    def to_dict(self) -> Dict[str, Any]:
        return {"ResultSet": {"Rows": self.rows, "ResultSetMetadata": {"ColumnInfo": self.column_info}}}


def partition_value(key: str, name: str) -> Optional[str]:
    """The value of a Hive-style partition segment (``name=value``) of an object key."""
    for segment in key.split("/"):
        if segment.startswith(name + "="):
            return segment.split("=", 1)[1]
    return None


def read_object(key: str, body: bytes, schema: pa.Schema, partition_keys: Sequence[str]) -> pa.Table:
    """A Parquet object as its table's rows: partition columns from the key, the table's schema."""
    part = pq.read_table(io.BytesIO(body))
    for name in partition_keys:
        part = part.append_column(name, pa.array([partition_value(key, name)] * part.num_rows, pa.string()))
    return part.select(schema.names).cast(schema)


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
