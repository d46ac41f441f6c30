"""Conform one landed file the way ConformRows does, for timing and peak memory under /usr/bin/time.

    /usr/bin/time -v .venv/bin/python bench/conform_peak.py LANDING_ROOT/erp/.../ERP_INV_HIST_202405.csv
    /usr/bin/time -v .venv-glue39/bin/python bench/conform_peak.py FILE     # on the job's runtime

The dataset comes from the file's landing key (``<source>/<dataset>/dt=.../<file>``). Reads the
file, runs ``conform_bytes`` and writes the clean rows as Snappy Parquet to a temporary file (the
job writes them to S3), then prints rows in/clean, the seconds of each step and the Python and
library versions. Peak RSS is what ``/usr/bin/time -v`` reports ("Maximum resident set size").
Python 3.9-safe: it runs on the Glue job's runtime too.
"""
from __future__ import annotations

import os
import platform
import sys
import tempfile
import time

import numpy
import pyarrow
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

from saleslens.contracts import dataset_for_key  # noqa: E402
from saleslens.contracts.validation import conform_bytes  # noqa: E402


def landing_key(path: str) -> str:
    parts = os.path.abspath(path).split(os.sep)
    for i, part in enumerate(parts):
        if part.startswith("dt="):
            return "/".join(parts[i - 2:])
    raise SystemExit(f"{path}: not under <source>/<dataset>/dt=YYYY-MM-DD/")


def main(path: str) -> None:
    dataset, _ = dataset_for_key(landing_key(path))
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        data = fh.read()
    t1 = time.perf_counter()
    result = conform_bytes(dataset, data)
    t2 = time.perf_counter()
    del data
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "clean.parquet")
        pq.write_table(result.clean, out, compression="snappy")
        parquet_mb = os.path.getsize(out) / 1e6
    t3 = time.perf_counter()
    print(f"{dataset.table}: {os.path.getsize(path) / 1e6:,.0f} MB, rows in {result.rows_in:,}, "
          f"clean {result.rows_clean:,}, quarantined {result.rows_quarantined:,}")
    print(f"  read {t1 - t0:.2f} s, conform_bytes {t2 - t1:.2f} s, parquet write {t3 - t2:.2f} s "
          f"({parquet_mb:,.0f} MB), total {t3 - t0:.2f} s")
    print(f"  Python {platform.python_version()}, pyarrow {pyarrow.__version__}, numpy {numpy.__version__}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
