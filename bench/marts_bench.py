"""Role-mart benchmark: every distribution query over ~10 M primary lines, and what Athena would scan.

    .venv/bin/python bench/marts_bench.py                          # 3 usv months, build + measure
    .venv/bin/python bench/marts_bench.py --cache /tmp/marts-usv   # keep the lake between runs

Builds the clean and curated zones of a usv-scale world with about three months of history
(loaded as monthly backfill extracts, conformed and curated in process: offline/lake.py) and
writes each table as one Parquet file, then runs each distribution query (distribution.marts: one
per mart, whatever the number of recipients) for the last day of the history and each cadence on
DuckDB, over views that read those files, with athena_sql/ created on top exactly as the offline
Athena runs it (offline.duck_athena.connect: joins in written order, the right side built, as
Athena does without table statistics; as_of_domain). Time: median of --repeat runs, to an Arrow
table of the result. A cache built before cur_erp__primary_daily existed gets it derived from its
curated lines with the curate step's own function (derive_missing).

Bytes Athena would scan per query are modelled from the Parquet objects of the partitions the
query's SQL asks for (the domains it joins its facts to): daily facts, the days of the windows
this year and last year; targets, the months the windows touch; call plans, the plan months;
stockist statements, the last closed month; LMS facts, the training look-back days; the clean ERP
extracts of the control totals, int_control__clean_partitions; dimensions whole. Athena reads
only the columns a query names, so whole objects are an upper bound. Cost: USD 5 per TB scanned,
at least 10 MB per query.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, Set

import pyarrow.parquet as pq

USD_PER_TB = 5.0
MIN_BYTES = 10 * 1024 * 1024


def build(folder: Path, start: date, months: int) -> Dict[str, Dict[str, int]]:
    """The lake as one Parquet file per table in ``folder`` (kept: a second run reuses it), and
    the bytes of each table's Parquet objects per partition, as the lake stores them."""
    from moto import mock_aws

    from saleslens.config import load_config
    from saleslens.curate.run import CurateSettings
    from saleslens.generate import generate
    from saleslens.generate.calendar import add_months
    from saleslens.offline.lake import LocalLake

    if (folder / "done").exists():
        sizes = json.loads((folder / "sizes.json").read_text())
        return derive_missing(folder, sizes)
    t = time.perf_counter()
    data = generate("usv", start=start, days=1, dirt=False, history_from=add_months(start, -months))
    print(f"generated {len(data.files)} files in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    with mock_aws():
        lake = LocalLake(CurateSettings.from_config(load_config()))
        lake.load({k: v for k, v in data.files.items() if date.fromisoformat(k.split("/dt=")[1][:10]) < start},
                  progress=lambda m: print(f"  {m}", flush=True))
        del data
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in lake.tables().items():
            pq.write_table(table, folder / f"{name}.parquet")
        sizes = lake.object_sizes()
    print(f"conformed and curated in {time.perf_counter() - t:.0f} s", flush=True)
    (folder / "sizes.json").write_text(json.dumps(sizes))
    (folder / "done").write_text("ok")
    return sizes


def derive_missing(folder: Path, sizes: Dict[str, Dict[str, int]]) -> Dict[str, Dict[str, int]]:
    """A cache built before cur_erp__primary_daily existed: derive it as the curate step does (the
    same function, from each date's curated lines and the curated versions), one object per date."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from saleslens.curate.aggregates import PRIMARY_DAILY, primary_daily
    from saleslens.curate.store import parquet_bytes

    target = folder / f"{PRIMARY_DAILY.name}.parquet"
    if target.exists() and PRIMARY_DAILY.name in sizes:
        return sizes
    t = time.perf_counter()
    lines = pq.read_table(folder / "cur_erp__primary_lines.parquet")
    stockists = pq.read_table(folder / "cur_erp__stockist_versions.parquet")
    skus = pq.read_table(folder / "cur_erp__sku_versions.parquet")
    parts, part_sizes = [], {}
    for day in sorted(set(lines.column("dt").unique().to_pylist())):
        rows, _, _ = primary_daily(lines.filter(pc.equal(lines.column("dt"), day)), date.fromisoformat(day),
                                   stockists, skus)
        part_sizes[day] = len(parquet_bytes(rows))
        parts.append(rows.append_column("dt", pa.array([day] * rows.num_rows, pa.string())))
    table = pa.concat_tables(parts)
    pq.write_table(table, target)
    sizes[PRIMARY_DAILY.name] = part_sizes
    (folder / "sizes.json").write_text(json.dumps(sizes))
    print(f"derived {PRIMARY_DAILY.name} ({table.num_rows:,} rows) from the cached lines in "
          f"{time.perf_counter() - t:.0f} s", flush=True)
    return sizes


def base_tables(view: str) -> Set[str]:
    """Catalog tables a view reads, through every view below it."""
    from saleslens.contracts import DATASETS
    from saleslens.curate.tables import TABLES
    from saleslens.views import load_views

    views = {v.name: v.identifiers() for v in load_views()}
    seen, stack, out = set(), [view], set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for ident in views.get(name, ()):
            if ident in views:
                stack.append(ident)
            elif ident in TABLES or ident in DATASETS:
                out.add(ident)
    return out


def partitions_asked(con, as_of: date, cadence: str) -> Dict[str, Set[str]]:
    """The partition values each partitioned table is read for, from the domains the SQL joins to."""
    from saleslens.contracts import DATASETS
    from saleslens.curate.tables import TABLES

    def dts(sql: str) -> Set[str]:
        return {str(r[0]) for r in con.execute(sql, [as_of, cadence]).fetchall()}

    days = dts("SELECT DISTINCT dt FROM int_calendar__window_days WHERE as_of_date = ? AND cadence = ?")
    months = dts("SELECT DISTINCT CAST(month_start AS VARCHAR) FROM int_calendar__window_days "
                 "WHERE as_of_date = ? AND cadence = ? AND period = 'TY'")
    plan_months = dts("SELECT DISTINCT CAST(month_start AS VARCHAR) FROM int_effort__plan_days "
                      "WHERE as_of_date = ? AND cadence = ?")
    statement_months = dts("SELECT DISTINCT CAST(CAST(month_start - INTERVAL 1 MONTH AS DATE) AS VARCHAR) "
                           "FROM int_calendar__report_windows WHERE as_of_date = ? AND cadence = ?")
    lookback = {str(r[0]) for r in con.execute(
        "SELECT dt FROM int_training__lookback_days WHERE as_of_date = ?", [as_of]).fetchall()}
    clean_daily = dts("SELECT dt FROM int_control__clean_partitions WHERE as_of_date = ? AND cadence = ? AND holds_daily")
    clean_backfill = dts("SELECT dt FROM int_control__clean_partitions "
                         "WHERE as_of_date = ? AND cadence = ? AND holds_backfill")
    out: Dict[str, Set[str]] = {}
    for name, table in TABLES.items():
        if table.partitioned:
            out[name] = {"cur_erp__targets": months, "cur_crm__call_plans": plan_months,
                         "cur_stk__statements": statement_months}.get(
                name, lookback if name.startswith("cur_lms__") else days)
    for name, dataset in DATASETS.items():
        out[name] = clean_backfill if dataset.backfills else clean_daily
    return out


def scanned(view: str, asked: Dict[str, Set[str]], sizes: Dict[str, Dict[str, int]]) -> int:
    total = 0
    for table in base_tables(view):
        parts = sizes.get(table, {})
        if table in asked:
            total += sum(n for dt, n in parts.items() if dt in asked[table])
        else:
            total += sum(parts.values())  # a dimension: read whole
    return total


def connect_files(folder: Path):
    """The offline Athena's DuckDB over one Parquet file per table, with athena_sql/ on top. A table
    the cache predates is an empty table of its schema, and a column it predates (e.g. the product
    master's standard_cost) reads as null, so an older cache still serves the views of today."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from saleslens.contracts import DATASETS
    from saleslens.contracts.ddl import PARTITION_COLUMN
    from saleslens.contracts.validation import clean_schema
    from saleslens.curate.tables import TABLES
    from saleslens.offline.duck_athena import connect, transpile
    from saleslens.views import load_views

    con = connect()
    present = {p.stem for p in folder.glob("*.parquet")}
    for name in sorted(present):
        path = folder / f"{name}.parquet"
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
    return con


def main() -> None:
    from saleslens.distribution.marts import MARTS, RunRequest, query
    from saleslens.offline.duck_athena import as_of_domain, single_as_of_date, transpile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2024, 7, 1),
                        help="The day after the history; reports are as of the day before.")
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="Folder for the lake's Parquet files (default: a temporary one).")
    parser.add_argument("--only", nargs="+", metavar="VIEW", help="Measure only these marts (view names).")
    args = parser.parse_args()
    marts = [m for m in MARTS if not args.only or m.view in args.only]
    if args.only and len(marts) != len(set(args.only)):
        parser.error(f"--only: unknown mart among {args.only}; marts: {', '.join(m.view for m in MARTS)}")
    folder = args.cache or Path(tempfile.mkdtemp(prefix="marts-bench-"))
    sizes = build(folder, args.start, args.months)
    rows = {name: pq.read_metadata(folder / f"{name}.parquet").num_rows
            for name in ("cur_erp__primary_lines", "cur_erp__primary_daily", "cur_crm__calls")}
    print(f"primary lines: {rows['cur_erp__primary_lines']:,} (daily sums: {rows['cur_erp__primary_daily']:,} rows); "
          f"calls: {rows['cur_crm__calls']:,}; curated zone "
          f"{sum(sum(v.values()) for k, v in sizes.items() if k.startswith('cur_')) / 1e9:.2f} GB of Parquet; "
          f"DuckDB threads: {os.cpu_count()}")
    con = connect_files(folder)
    as_of = args.start - timedelta(days=1)
    print(f"\nqueries as of {as_of} (median of {args.repeat}; seconds, rows, modelled scan):")
    for cadence in ("daily", "fortnightly", "monthly"):
        asked = partitions_asked(con, as_of, cadence)
        run_bytes, run_seconds = 0, 0.0
        for mart in marts:
            sql = query(mart, RunRequest(as_of, cadence))
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                with as_of_domain(con, single_as_of_date(sql)):
                    n = con.sql(transpile(sql)[0]).to_arrow_table().num_rows
                times.append(time.perf_counter() - t)
            b = scanned(mart.view, asked, sizes)
            run_bytes += max(b, MIN_BYTES)
            run_seconds += statistics.median(times)
            print(f"  {cadence:<11} {mart.view:<40} {statistics.median(times):6.2f} s {n:>9,} rows {b / 1e6:9.1f} MB",
                  flush=True)
        print(f"  {cadence:<11} one run: {len(marts)} queries, {run_seconds:.1f} s, modelled scan {run_bytes / 1e9:.2f} GB "
              f"= USD {run_bytes / 1e12 * USD_PER_TB:.4f}\n", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    main()
