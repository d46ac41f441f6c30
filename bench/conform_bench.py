"""Conform benchmark: conform_bytes (validate every row) + Parquet write, against DuckDB's own
CSV -> Parquet copy of the same file, measured in the same run.

    .venv/bin/python bench/conform_bench.py                 # usv month-end invoices + a 2M-line file
    .venv/bin/python bench/conform_bench.py --repeat 9 --big-rows 2000000

Files (generated, clean, written to --tmp):
- the USV-scale invoice file of a month-end day (2024-04-30, the largest of the month);
- a 2,000,000-line invoice file from the USV world;
- the USV-scale CRM call reports of a day (JSON lines), against DuckDB's read_json_auto.
Both sides read the file from disk and write Snappy Parquet to disk. The conform side is what
ConformRows runs: conform_bytes(contract, bytes) then pyarrow.parquet.write_table(result.clean).
DuckDB runs with its default threads (all cores); conform_bytes uses its own thread pool.
Goal (issue 4): conform rows/s >= 0.5 x DuckDB's rows/s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from datetime import date

import duckdb
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS, landing_key
from saleslens.contracts.validation import conform_bytes
from saleslens.generate import SCALES, build_world, generate_day

MONTH_END = date(2024, 4, 30)


def write(path: str, data: bytes) -> str:
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def conform_and_write(table: str, path: str, out: str) -> int:
    with open(path, "rb") as fh:
        data = fh.read()
    result = conform_bytes(DATASETS[table], data)
    pq.write_table(result.clean, out, compression="snappy")
    return result.rows_in


def duckdb_copy(reader: str, path: str, out: str) -> None:
    duckdb.sql(f"COPY (SELECT * FROM {reader}('{path}')) TO '{out}' (FORMAT parquet, COMPRESSION snappy)")


def bench(name: str, table: str, reader: str, path: str, tmp: str, repeat: int) -> None:
    out_duck, out_conform = os.path.join(tmp, "duck.parquet"), os.path.join(tmp, "conform.parquet")
    rows = conform_and_write(table, path, out_conform)  # warm-up (imports, page cache)
    duckdb_copy(reader, path, out_duck)
    t_duck, t_conform = [], []
    for i in range(repeat):  # alternate which runs first
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            t0 = time.perf_counter()
            if which == 0:
                duckdb_copy(reader, path, out_duck)
                t_duck.append(time.perf_counter() - t0)
            else:
                conform_and_write(table, path, out_conform)
                t_conform.append(time.perf_counter() - t0)
    d, c = statistics.median(t_duck), statistics.median(t_conform)
    size = os.path.getsize(path) / 1e6
    print(f"{name}: {rows:,} rows, {size:,.0f} MB")
    print(f"  duckdb COPY {reader} -> parquet   median {d:6.3f} s  {rows / d / 1e6:5.2f} M rows/s  (best {min(t_duck):.3f} s)")
    print(f"  conform_bytes + write_table        median {c:6.3f} s  {rows / c / 1e6:5.2f} M rows/s  (best {min(t_conform):.3f} s)")
    print(f"  ratio conform / duckdb (rows/s)    {d / c:.2f}x")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--big-rows", type=int, default=2_000_000)
    parser.add_argument("--tmp", default="/tmp/saleslens-bench")
    args = parser.parse_args(argv)
    os.makedirs(args.tmp, exist_ok=True)
    print(f"python {sys.version.split()[0]}, duckdb {duckdb.__version__}, cores {os.cpu_count()}")

    world = build_world(SCALES["usv"], 7, date(2024, 4, 1))
    day = {t: d for t, d, _ in generate_day(world, MONTH_END, dirt=False)}
    invoices = write(os.path.join(args.tmp, "usv_invoices_month_end.csv"), day["erp_primary_invoices"])
    calls = write(os.path.join(args.tmp, "usv_calls.jsonl"), day["crm_call_reports"])
    bench(f"USV month-end invoices ({landing_key(DATASETS['erp_primary_invoices'], MONTH_END)})",
          "erp_primary_invoices", "read_csv_auto", invoices, args.tmp, args.repeat)
    bench("USV call reports, JSON lines", "crm_call_reports", "read_json_auto", calls, args.tmp, args.repeat)

    if args.big_rows:
        # Same world, a day with big_rows invoice lines (an ordinary mid-month Wednesday, factor 1).
        big = replace(SCALES["usv"], name="usv-big", invoice_lines_per_day=(args.big_rows, args.big_rows))
        big_world = replace(world, scale=big, _cache={})
        data = dict((t, d) for t, d, _ in generate_day(big_world, date(2024, 4, 17), dirt=False))["erp_primary_invoices"]
        path = write(os.path.join(args.tmp, "usv_invoices_big.csv"), data)
        bench(f"USV-world invoices, {args.big_rows:,} lines requested", "erp_primary_invoices", "read_csv_auto",
              path, args.tmp, max(3, args.repeat // 2))


if __name__ == "__main__":
    main()
