"""Insights benchmark: the build-insights step (saleslens.insights.job) for a usv-scale run, each
cadence, over the same lake as bench/marts_bench.py.

    .venv/bin/python bench/insights_bench.py --cache /tmp/marts-usv   # reuse the marts bench's lake
    .venv/bin/python bench/insights_bench.py                         # build 3 usv months first

The lake: one Parquet file per table (bench/marts_bench.py builds and caches it: ~10 M primary
lines over three usv months); tables the cache predates are empty. The views of athena_sql/ run on
DuckDB as the offline Athena runs them. Profitability's two ERP views are stood in for here (the
sources are declared with the ERP contracts): a standard cost of 40 % of each SKU's price to
stockist, and one receivable of 1,00,000.00 in a 30-day bucket per stockist.

Measured per cadence for the last day of the history: the seconds of each input query (what
Athena would run), the rows each returns (what the function holds in pandas), the seconds of the
rules in pandas, and the process's peak RSS at the end (ru_maxrss: a high-water mark, so the
largest of the three cadences). Median of --repeat runs for the totals.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def connect(folder: Path):  # type: ignore[no-untyped-def]
    """DuckDB over the cached files, an empty table for each table the cache predates, the views on top."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from saleslens.contracts import DATASETS
    from saleslens.contracts.ddl import PARTITION_COLUMN
    from saleslens.contracts.validation import clean_schema
    from saleslens.curate.tables import TABLES
    from saleslens.offline.duck_athena import connect as duck
    from saleslens.offline.duck_athena import transpile
    from saleslens.views import load_views

    con = duck()
    present = {p.stem for p in folder.glob("*.parquet")}
    for name in sorted(present):
        path = folder / f"{name}.parquet"
        # A column the cache predates (e.g. the product master's standard_cost) reads as null.
        have = set(pq.read_schema(path).names)
        missing = [c for c in TABLES[name].columns if c.name not in have] if name in TABLES else []
        extra = "".join(f", CAST(NULL AS {c.athena_type.upper()}) AS {c.name}" for c in missing)
        con.execute(f"CREATE VIEW {name} AS SELECT *{extra} FROM read_parquet('{path}')")
    for name, table in TABLES.items():
        if name not in present:
            schema = table.schema()
            if table.partitioned:
                schema = schema.append(pa.field(PARTITION_COLUMN, pa.string()))
            con.register(name, schema.empty_table())
    for name, dataset in DATASETS.items():
        if name not in present:
            con.register(name, clean_schema(dataset).append(pa.field(PARTITION_COLUMN, pa.string())).empty_table())
    for view in load_views():
        for statement in transpile(view.sql):
            con.execute(statement)
    con.execute("CREATE OR REPLACE VIEW stg_erp__standard_costs AS SELECT sku, CAST(price_to_stockist AS DOUBLE) * 0.4 "
                "AS standard_cost, valid_from, valid_to FROM stg_erp__sku_versions")
    con.execute("CREATE OR REPLACE VIEW stg_erp__receivables AS SELECT DISTINCT stockist_code, '0-30' AS age_bucket, "
                "30 AS days_of_credit, CAST(100000 AS DOUBLE) AS outstanding_value, DATE '1900-01-01' AS snapshot_date "
                "FROM stg_erp__stockist_versions")
    return con


def timed_query(con, log: List[Tuple[str, float, int]]):  # type: ignore[no-untyped-def]
    import pandas as pd

    from saleslens.offline.duck_athena import as_of_domain, single_as_of_date, transpile

    def run(sql: str) -> pd.DataFrame:
        t = time.perf_counter()
        # As the offline Athena runs a query: an as-of query's domain cut to its date (Trino's pushdown).
        with as_of_domain(con, single_as_of_date(sql)):
            frame = con.sql(transpile(sql)[-1]).df()
        log.append((" ".join(sql.split()[:12]), time.perf_counter() - t, len(frame)))
        return frame

    return run


def main() -> None:
    from saleslens.config import load_config
    from saleslens.insights import job

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2024, 7, 1),
                        help="The day after the history; the run date is the day before.")
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="The marts bench's lake folder (built there when missing).")
    args = parser.parse_args()
    folder = args.cache or Path(tempfile.mkdtemp(prefix="insights-bench-"))
    if not (folder / "done").exists():
        sys.path.insert(0, str(ROOT / "bench"))
        from marts_bench import build

        build(folder, args.start, args.months)
    con = connect(folder)
    cfg = load_config().insights
    run_date = args.start - timedelta(days=1)
    print(f"run date {run_date}; DuckDB threads: {os.cpu_count()}")
    for cadence in ("daily", "fortnightly", "monthly"):
        totals, rules = [], []
        last: List[Tuple[str, float, int]] = []
        counts: Dict[str, int] = {}
        for _ in range(args.repeat):
            log: List[Tuple[str, float, int]] = []
            t = time.perf_counter()
            tables = job.build(timed_query(con, log), run_date, cadence, cfg, profit_sources=True)
            total = time.perf_counter() - t
            totals.append(total)
            rules.append(total - sum(s for _, s, _ in log))
            last, counts = log, tables.counts()
        print(f"\n{cadence}: {statistics.median(totals):.1f} s in all (median of {args.repeat}), of which "
              f"{statistics.median(rules):.1f} s the rules in pandas; {counts}")
        for sql, seconds, rows in last:
            print(f"  {seconds:6.2f} s {rows:>10,} rows  {sql} ...")
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
