"""Insights benchmark: the build-insights step (saleslens.insights.job) for a usv-scale run, each
cadence, over the same lake as bench/marts_bench.py.

    .venv/bin/python bench/insights_bench.py --cache /tmp/marts-usv   # reuse the marts bench's lake
    .venv/bin/python bench/insights_bench.py                         # build 3 usv months first
    .venv/bin/python bench/insights_bench.py --cache /tmp/marts-usv --plant   # findings planted (below)

The lake: one Parquet file per table (bench/marts_bench.py builds and caches it: ~10 M primary
lines over three usv months); tables the cache predates are empty. The views of athena_sql/ run on
DuckDB as the offline Athena runs them. Profitability's two ERP views are stood in for here (the
sources are declared with the ERP contracts): a standard cost of 40 % of each SKU's price to
stockist, and one receivable of 1,00,000.00 in a 30-day bucket per stockist.

--plant: findings planted in the lake the bench reads (its DuckDB views, not the cached files), so
that spikes, troughs and stuffing are found and the contributors' query runs at usv scale (the three
cached months alone give the run date 2 comparable days where 3 are needed, and no prior year).
``plant`` (below) says what it changes: copies of the history 3 and 12 months back, and net and
gross value multiplied for the stockists of a few territories.

Measured per cadence for the last day of the history: the seconds of each input query (what
Athena would run), the rows each returns (what the function holds in pandas), the seconds of the
rules in pandas, and the process's peak RSS at the end (ru_maxrss: a high-water mark, so the
largest of the three cadences). Median of --repeat runs for the totals.

Modelled scan, as bench/marts_bench.py models it: the Parquet bytes (sizes.json: as the lake stores
each partition) of the partitions a query's SQL names in its ``dt`` predicates (``dt IN (...)``,
``dt BETWEEN ... AND ...``), for every partitioned table the query reads through its views, plus the
tables it reads without such a predicate whole (dimensions). A partition the cache does not hold (the
history before its three months: churn reads from the start of last year's trailing window) counts
as the mean of the table's cached partitions, so the figure models a full history. Athena reads only
the columns a query names, and the contributors' query reads the series query's partitions (its
territory filter prunes none): an upper bound. USD 5 per TB, at least 10 MB per query.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def connect(folder: Path):  # type: ignore[no-untyped-def]
    """The marts bench's DuckDB over the cached files (tables and columns the cache predates empty
    or null), with the profitability sources stood in (module docstring)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from marts_bench import connect_files

    con = connect_files(folder)
    con.execute("CREATE OR REPLACE VIEW stg_erp__standard_costs AS SELECT sku, CAST(price_to_stockist AS DOUBLE) * 0.4 "
                "AS standard_cost, valid_from, valid_to FROM stg_erp__sku_versions")
    con.execute("CREATE OR REPLACE VIEW stg_erp__receivables AS SELECT DISTINCT stockist_code, '0-30' AS age_bucket, "
                "30 AS days_of_credit, CAST(100000 AS DOUBLE) AS outstanding_value, DATE '1900-01-01' AS snapshot_date "
                "FROM stg_erp__stockist_versions")
    return con


# --plant: territories ranked by the last month's net primary (the largest: changes clear the
# 50,000-rupee minimum); the first 3 spike, the next 3 trough on the last PLANT_DAYS days, and the
# stockists of the 3 after those stuff the statement month.
PLANT_DAYS = 7
SPIKE_FACTOR, TROUGH_FACTOR, STUFFING_FACTOR = 4, 0.1, 3
PLANT_TERRITORIES = 3


def plant(con, run_date: date) -> Dict[str, List[str]]:  # type: ignore[no-untyped-def]
    """Plant findings in the views the insights read (the cached files are not touched):

    - history: every primary line and stock statement copied 12 months back (the prior year the
      monthly comparisons and stuffing need) and lines 3 months back (a day of month the shift moves
      is left out), so the run date has 4 comparable days within 6 months; July-December 2023 stay
      empty;
    - spikes: the lines of the last PLANT_DAYS days up to the run date of the stockists of 3
      territories moved onto the run date, net and gross value x SPIKE_FACTOR (the run date's day
      and its month both rise; multiplying the day's own lines would not do: 30 June 2024 is a
      Sunday, when little is sold, and its comparable days are weekdays);
    - troughs: net and gross value x TROUGH_FACTOR on the last PLANT_DAYS days for the stockists of
      3 more territories;
    - stuffing: net and gross value x STUFFING_FACTOR in the statement month (the month before the
      run date's) for the stockists of 3 more territories, and their closing units x STUFFING_FACTOR
      in that month's statement: primary spikes against the prior year's copy, secondary stays as it
      was, stock days rise.

    The copies are unplanted: the multiplied rows are the cached ones only. Returns the territories."""
    month_start = run_date.replace(day=1)
    statement = (month_start - timedelta(days=1)).replace(day=1)
    ranked = [r[0] for r in con.execute(
        "SELECT v.territory_code FROM cur_erp__primary_lines AS l JOIN cur_erp__stockist_versions AS v "
        "ON v.stockist_code = l.stockist_code AND ? BETWEEN v.valid_from AND v.valid_to "
        "WHERE l.dt BETWEEN ? AND ? AND v.territory_code IS NOT NULL GROUP BY 1 ORDER BY sum(l.net_value) DESC, 1 "
        "LIMIT ?", [run_date, month_start.isoformat(), run_date.isoformat(), 3 * PLANT_TERRITORIES]).fetchall()]
    n = PLANT_TERRITORIES
    chosen = {"spike": ranked[:n], "trough": ranked[n:2 * n], "stuffing": ranked[2 * n:3 * n]}

    def stockists(kind: str) -> str:
        codes = ", ".join(f"'{t}'" for t in chosen[kind])
        return (f"stockist_code IN (SELECT stockist_code FROM cur_erp__stockist_versions WHERE territory_code IN "
                f"({codes}) AND DATE '{run_date}' BETWEEN valid_from AND valid_to)")

    last = f"doc_date BETWEEN DATE '{run_date - timedelta(days=PLANT_DAYS - 1)}' AND DATE '{run_date}'"
    in_statement_month = f"dt BETWEEN '{statement}' AND '{month_start - timedelta(days=1)}'"
    factor = (f"CASE WHEN {stockists('spike')} AND {last} THEN {SPIKE_FACTOR} "
              f"WHEN {stockists('trough')} AND {last} THEN {TROUGH_FACTOR} "
              f"WHEN {stockists('stuffing')} AND {in_statement_month} THEN {STUFFING_FACTOR} ELSE 1 END")

    def shifted(table: str, date_column: str, months: int) -> str:
        moved = f"CAST({date_column} - INTERVAL {months} MONTH AS DATE)"
        return (f"SELECT * REPLACE ({moved} AS {date_column}, strftime({moved}, '%Y-%m-%d') AS dt) "
                f"FROM bench_cached__{table} WHERE day({moved}) = day({date_column})")

    for table in ("cur_erp__primary_lines", "cur_stk__statements"):
        con.execute(f"ALTER VIEW {table} RENAME TO bench_cached__{table}")
    money = "DECIMAL(18, 2)"
    moved = f"{stockists('spike')} AND {last}"
    con.execute(
        "CREATE VIEW cur_erp__primary_lines AS "
        f"SELECT * REPLACE (CASE WHEN {moved} THEN DATE '{run_date}' ELSE doc_date END AS doc_date, "
        f"CASE WHEN {moved} THEN '{run_date}' ELSE dt END AS dt, CAST(net_value * ({factor}) AS {money}) AS net_value, "
        f"CAST(gross_value * ({factor}) AS {money}) AS gross_value) FROM bench_cached__cur_erp__primary_lines "
        f"UNION ALL {shifted('cur_erp__primary_lines', 'doc_date', 3)} "
        f"UNION ALL {shifted('cur_erp__primary_lines', 'doc_date', 12)}")
    con.execute(
        "CREATE VIEW cur_stk__statements AS "
        f"SELECT * REPLACE (CASE WHEN {stockists('stuffing')} AND dt = '{statement}' "
        f"THEN closing_units * {STUFFING_FACTOR} ELSE closing_units END AS closing_units) "
        "FROM bench_cached__cur_stk__statements "
        f"UNION ALL {shifted('cur_stk__statements', 'statement_month', 12)}")
    return chosen


MIN_BYTES = 10 * 1024 * 1024  # Athena bills at least 10 MB a query
USD_PER_TB = 5.0
_IDENT = re.compile(r"\b[a-z][a-z0-9_]*\b")
_DAY = re.compile(r"'(\d{4}-\d{2}-\d{2})'")
_DT_IN = re.compile(r"\bdt\s+IN\s*\(([^)]*)\)", re.IGNORECASE)
_DT_BETWEEN = re.compile(r"\bdt\s+BETWEEN\s+'(\d{4}-\d{2}-\d{2})'\s+AND\s+'(\d{4}-\d{2}-\d{2})'", re.IGNORECASE)
Entry = Tuple[str, float, int, int]  # the SQL's first words, seconds, rows, modelled bytes


def partitions_named(sql: str) -> Optional[Set[str]]:
    """The ``dt`` values a query's predicates name (a BETWEEN: every day of it); None: no ``dt`` predicate."""
    named: Optional[Set[str]] = None
    for m in _DT_IN.finditer(sql):
        named = (named or set()) | set(_DAY.findall(m.group(1)))
    for m in _DT_BETWEEN.finditer(sql):
        first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        named = (named or set()) | {(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    return named


def tables_read(sql: str, views: Dict[str, FrozenSet[str]]) -> Set[str]:
    """Catalog tables a query reads, through every view below the ones it names."""
    from saleslens.contracts import DATASETS
    from saleslens.curate.tables import TABLES

    seen: Set[str] = set()
    stack = list(set(_IDENT.findall(sql.lower())))
    out: Set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in views:
            stack.extend(views[name])
        elif name in TABLES or name in DATASETS:
            out.add(name)
    return out


def modelled_bytes(sql: str, views: Dict[str, FrozenSet[str]], sizes: Dict[str, Dict[str, int]]) -> int:
    """Bytes Athena would scan for ``sql`` (module docstring: the partitions named, dimensions whole)."""
    named = partitions_named(sql)
    total = 0
    for table in tables_read(sql, views):
        parts = sizes.get(table, {})
        if named is None or len(parts) <= 1:  # no dt predicate, or an unpartitioned table: read whole
            total += sum(parts.values())
        else:
            mean = sum(parts.values()) / len(parts)
            total += round(sum(parts.get(dt, mean) for dt in named))
    return total


def timed_query(con, log: List[Entry], views: Dict[str, FrozenSet[str]],  # type: ignore[no-untyped-def]
                sizes: Dict[str, Dict[str, int]]):
    import pandas as pd

    from saleslens.offline.duck_athena import as_of_domain, single_as_of_date, transpile

    def run(sql: str) -> pd.DataFrame:
        t = time.perf_counter()
        # As the offline Athena runs a query: an as-of query's domain cut to its date (Trino's pushdown).
        with as_of_domain(con, single_as_of_date(sql)):
            frame = con.sql(transpile(sql)[-1]).df()
        log.append((" ".join(sql.split()[:12]), time.perf_counter() - t, len(frame), modelled_bytes(sql, views, sizes)))
        return frame

    return run


def insight_marts(con, run_date: date, cadence: str, tables) -> None:  # type: ignore[no-untyped-def]
    """The run's insight tables as the curated tables the insight marts read (this run date's
    partition, this cadence), then each insight mart's query as a distribution run asks it."""
    import pyarrow as pa

    from saleslens.contracts.ddl import PARTITION_COLUMN
    from saleslens.distribution.marts import INSIGHT_MARTS, RunRequest, query
    from saleslens.insights.job import CHURN, FINDINGS, PROFITABILITY, as_arrow
    from saleslens.offline.duck_athena import as_of_domain, single_as_of_date, transpile

    for name, frame in ((FINDINGS, tables.findings), (CHURN, tables.churn), (PROFITABILITY, tables.profitability)):
        arrow = as_arrow(name, frame, cadence)
        arrow = arrow.append_column(PARTITION_COLUMN, pa.array([run_date.isoformat()] * arrow.num_rows, pa.string()))
        con.register(name, arrow)
    for mart in INSIGHT_MARTS:
        sql = query(mart, RunRequest(run_date, cadence))
        t = time.perf_counter()
        with as_of_domain(con, single_as_of_date(sql)):
            n = con.sql(transpile(sql)[0]).to_arrow_table().num_rows
        print(f"  insight mart {mart.view:<40} {time.perf_counter() - t:6.2f} s {n:>10,} rows")


def main() -> None:
    from saleslens.config import load_config
    from saleslens.insights import job
    from saleslens.views import load_views

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2024, 7, 1),
                        help="The day after the history; the run date is the day before.")
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="The marts bench's lake folder (built there when missing).")
    parser.add_argument("--marts", action="store_true",
                        help="Also run the insight marts (cut per recipient) on the tables each cadence built.")
    parser.add_argument("--plant", action="store_true",
                        help="Plant spikes, troughs and stuffing in the views read (plant(): the cached files are not touched).")
    args = parser.parse_args()
    folder = args.cache or Path(tempfile.mkdtemp(prefix="insights-bench-"))
    if not (folder / "done").exists():
        sys.path.insert(0, str(ROOT / "bench"))
        from marts_bench import build

        build(folder, args.start, args.months)
    con = connect(folder)
    sizes: Dict[str, Dict[str, int]] = json.loads((folder / "sizes.json").read_text())
    views = {v.name: v.identifiers() for v in load_views()}
    cfg = load_config().insights
    run_date = args.start - timedelta(days=1)
    print(f"run date {run_date}; DuckDB threads: {os.cpu_count()}")
    planted: Dict[str, List[str]] = {}
    if args.plant:
        planted = plant(con, run_date)
        print("planted (stockists of the territories): " + "; ".join(f"{k} {', '.join(v)}" for k, v in planted.items()))
    for cadence in ("daily", "fortnightly", "monthly"):
        totals, rules = [], []
        last: List[Entry] = []
        counts: Dict[str, int] = {}
        kinds: Dict[str, int] = {}
        hits: Dict[str, int] = {}
        for _ in range(args.repeat):
            log: List[Entry] = []
            t = time.perf_counter()
            tables = job.build(timed_query(con, log, views, sizes), run_date, cadence, cfg, profit_sources=True)
            total = time.perf_counter() - t
            totals.append(total)
            rules.append(total - sum(s for _, s, _, _ in log))
            last, counts = log, tables.counts()
            found = tables.findings
            kinds = {str(k): int(n) for k, n in found["kind"].value_counts().sort_index().items()}
            # Planted territories found with the kind planted there (stuffing: the territory of a stockist).
            hits = {kind: len(set(found.loc[found["kind"] == kind, "territory_code"]) & set(codes))
                    for kind, codes in planted.items()}
        print(f"\n{cadence}: {statistics.median(totals):.1f} s in all (median of {args.repeat}), of which "
              f"{statistics.median(rules):.1f} s the rules in pandas; {counts}; findings by kind {kinds}"
              + (f"; planted territories found: {', '.join(f'{k} {n}/{len(planted[k])}' for k, n in hits.items())}"
                 if planted else ""))
        for sql, seconds, rows, scan in last:
            print(f"  {seconds:6.2f} s {rows:>10,} rows {scan / 1e6:8.1f} MB  {sql} ...")
        if args.marts:
            insight_marts(con, run_date, cadence, tables)
        billed = sum(max(b, MIN_BYTES) for _, _, _, b in last)
        print(f"  modelled scan of the run: {len(last)} queries, {billed / 1e9:.3f} GB billed "
              f"(10 MB minimum each) = USD {billed / 1e12 * USD_PER_TB:.4f}")
        # Spikes and troughs: the series query (per territory x division x period) and, when a finding
        # is flagged, the contributors' query (the same, by brand, stockist and SKU too).
        findings_queries = [(sql, b) for sql, _, _, b in last if sql.startswith("SELECT territory_code, division_code,")]
        if not any("brand_code," in sql for sql, _ in findings_queries):
            series = max(findings_queries[0][1], MIN_BYTES)  # the contributors' query reads the series' partitions
            print(f"  no finding, so no contributors' query; with it (the series query's partitions again): "
                  f"{len(last) + 1} queries, {(billed + series) / 1e9:.3f} GB")
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
