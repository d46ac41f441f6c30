"""The offline Athena's DuckDB plans joins as Athena does without table statistics."""
from __future__ import annotations

import io
import json

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from saleslens.offline.duck_athena import DuckAthena, as_of_domain, connect, single_as_of_date


def hash_join_sides(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    """The tables under the first hash join of the plan: [probe side, build side]."""
    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchall()[0][1])

    def find(node, name):
        if name in node.get("name", ""):
            return node
        for child in node.get("children", []):
            hit = find(child, name)
            if hit:
                return hit
        return None

    join = find(plan[0], "HASH_JOIN")
    return [find(child, "SCAN")["extra_info"]["Table"].split(".")[-1] for child in join["children"]]


def tables(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("CREATE TABLE small AS SELECT range AS k FROM range(10)")
    con.execute("CREATE TABLE big AS SELECT range % 10 AS k, range AS v FROM range(100000)")
    return con


def test_a_join_builds_its_right_side_even_when_it_is_the_big_one():
    sql = "SELECT * FROM small JOIN big USING (k)"
    # DuckDB left to itself builds the small table; Athena builds the right one, whatever its size.
    assert hash_join_sides(tables(duckdb.connect()), sql) == ["big", "small"]
    assert hash_join_sides(tables(connect()), sql) == ["small", "big"]


def join_tree(con: duckdb.DuckDBPyConnection, sql: str):
    """The plan's joins as nested [probe, build] lists of table names."""
    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchall()[0][1])

    def walk(node):
        name = node.get("name", "")
        if "JOIN" in name:
            return [walk(child) for child in node["children"]]
        if "SCAN" in name:
            return node["extra_info"]["Table"].split(".")[-1]
        return walk(node["children"][0])

    return walk(plan[0])


def test_joins_run_in_written_order():
    sql = "SELECT * FROM big JOIN small USING (k) JOIN tiny USING (k)"
    default = tables(duckdb.connect())
    default.execute("CREATE TABLE tiny AS SELECT 1 AS k")
    assert join_tree(default, sql) != [["big", "small"], "tiny"]  # DuckDB alone reorders by cost
    con = tables(connect())
    con.execute("CREATE TABLE tiny AS SELECT 1 AS k")
    assert join_tree(con, sql) == [["big", "small"], "tiny"]


def test_a_query_for_one_as_of_date_is_recognised_and_restricted():
    assert single_as_of_date("SELECT * FROM mart_x WHERE as_of_date = DATE '2024-06-30' AND cadence = 'daily'") == "2024-06-30"
    assert single_as_of_date("SELECT * FROM mart_x WHERE as_of_date IN (DATE '2024-06-30', DATE '2024-07-01')") is None
    assert single_as_of_date("SELECT * FROM t WHERE as_of_date = DATE '2024-06-30' OR as_of_date = DATE '2024-07-01'") is None
    con = connect()
    con.execute("CREATE VIEW int_calendar__as_of_dates AS SELECT DATE '2024-06-29' + range::INTEGER AS as_of_date FROM range(3)")
    con.execute("CREATE VIEW v AS SELECT count(*) AS n FROM int_calendar__as_of_dates")
    with as_of_domain(con, "2024-06-30"):
        assert con.execute("SELECT n FROM v").fetchone()[0] == 1
    assert con.execute("SELECT n FROM v").fetchone()[0] == 3


def test_a_partition_written_again_is_read_anew_and_its_old_part_let_go():
    def parquet(values):
        out = io.BytesIO()
        pq.write_table(pa.table({"v": pa.array(values, pa.int64())}), out)
        return out.getvalue()

    spec = {"StorageDescriptor": {"Location": "s3://lake/t/", "Columns": [{"Name": "v", "Type": "bigint"}]},
            "PartitionKeys": [{"Name": "dt", "Type": "string"}]}
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lake")
        s3.put_object(Bucket="lake", Key="t/dt=2024-06-11/data.parquet", Body=parquet([1, 2]))
        s3.put_object(Bucket="lake", Key="t/dt=2024-06-12/data.parquet", Body=parquet([3]))
        athena = DuckAthena(None, s3, s3_backends[DEFAULT_ACCOUNT_ID]["global"])
        assert sorted(athena._load("t", spec).column("v").to_pylist()) == [1, 2, 3]
        s3.put_object(Bucket="lake", Key="t/dt=2024-06-12/data.parquet", Body=parquet([3, 4]))  # curated again
        assert sorted(athena._load("t", spec).column("v").to_pylist()) == [1, 2, 3, 4]
        # the parts held are the two current objects only, not the replaced one
        etags = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket="lake")["Contents"]}
        assert set(athena._parts) == set(etags.items())


def test_query_results_give_the_header_then_each_value_as_text_and_a_null_as_empty():
    import datetime
    from decimal import Decimal

    from saleslens.offline.duck_athena import ArrowQueryResults

    table = pa.table({"position_id": ["P001", "P002", None],
                      "net_value": pa.array([Decimal("1200.50"), None, Decimal("-3.25")], pa.decimal128(12, 2)),
                      "calls": pa.array([3, 0, None], pa.int64()),
                      "as_of": pa.array([datetime.date(2024, 6, 12)] * 3, pa.date32())})
    info = [{"Name": "position_id", "Type": "varchar"}]
    results = ArrowQueryResults(table, info)
    del table  # what GetQueryResults answers comes from what the results kept
    assert results.to_dict() == {"ResultSet": {"ResultSetMetadata": {"ColumnInfo": info}, "Rows": [
        {"Data": [{"VarCharValue": "position_id"}, {"VarCharValue": "net_value"}, {"VarCharValue": "calls"},
                  {"VarCharValue": "as_of"}]},
        {"Data": [{"VarCharValue": "P001"}, {"VarCharValue": "1200.50"}, {"VarCharValue": "3"},
                  {"VarCharValue": "2024-06-12"}]},
        {"Data": [{"VarCharValue": "P002"}, {}, {"VarCharValue": "0"}, {"VarCharValue": "2024-06-12"}]},
        {"Data": [{}, {"VarCharValue": "-3.25"}, {}, {"VarCharValue": "2024-06-12"}]},
    ]}}
    assert ArrowQueryResults(pa.table({"v": pa.array([], pa.int64())}), []).rows == [{"Data": [{"VarCharValue": "v"}]}]
