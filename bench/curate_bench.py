"""Curate benchmark: what one curate run costs at USV scale, to size the curate function.

    .venv/bin/python bench/curate_bench.py               # a usv day, and a usv month's backfill
    .venv/bin/python bench/curate_bench.py --skip-month  # the day only

1. A usv day: the opening masters and every source's files of one ordinary day, conformed and
   published (one Parquet object per partition, as the quality gate leaves them), then one curate
   run per published partition, in delivery order, as the PartitionPublished rule starts them.
2. A usv month's backfill: the monthly extracts of one month (invoices, credit notes, calls,
   slide views, ...), each curated in one run: the biggest single runs curation ever has.

Each part runs in a child process (S3 is moto's in-process mock, so the process also holds every
object) that reports the curate runs' time, rows per second, its RSS before curating and its peak
while curating (Linux: VmHWM after resetting it), and the peak Arrow memory; the slowest run is
listed with its own time. Figures decide Lambda vs Glue (15 min, 10 GB).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DAY = date(2024, 6, 12)  # an ordinary mid-month Wednesday


def prepare(kind: str, out: Path) -> None:
    """Generate, conform and write the clean partitions (and their delivery order) to `out`."""
    from saleslens.contracts import dataset_for_key
    from saleslens.contracts.validation import conform_bytes
    from saleslens.curate.store import parquet_bytes
    from saleslens.generate import generate

    if kind == "day":
        data = generate("usv", start=DAY, days=1, dirt=False)
    else:  # one whole month of history, then the next day's files (not curated here)
        data = generate("usv", start=date(2024, 6, 1), days=1, dirt=False, history_from=date(2024, 5, 1))
    order = []
    for key, body in data.files.items():
        dataset, dt = dataset_for_key(key)
        if kind == "month" and dt >= date(2024, 6, 1) and dataset.kind == "fact":
            continue
        result = conform_bytes(dataset, body)
        path = out / dataset.table / f"{dt.isoformat()}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(parquet_bytes(result.clean))
        order.append((dataset.table, dt.isoformat(), result.rows_clean))
    (out / "order.json").write_text(json.dumps(order))


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: resets VmHWM to the current RSS
    except OSError:
        pass


def worker(folder: Path) -> None:
    """Publish every partition into an in-process S3, then curate each one; print JSON figures."""
    import boto3
    from moto import mock_aws

    from saleslens.config import load_config
    from saleslens.contracts import DATASETS
    from saleslens.curate.run import CurateSettings, curate
    from saleslens.curate.store import CurateStore
    from saleslens.ingest.naming import clean_key

    order = json.loads((folder / "order.json").read_text())
    settings = CurateSettings.from_config(load_config())
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        for b in ("clean", "curated"):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        store = CurateStore(s3, clean_bucket="clean", curated_bucket="curated")
        runs = []
        before_rss = _rss_kb("VmRSS")
        _reset_peak_rss()  # so the peak below is the curate runs' own
        total = time.perf_counter()
        for table, dt, rows in order:
            s3.put_object(Bucket="clean", Key=clean_key(DATASETS[table].clean_prefix(), dt),
                          Body=(folder / table / f"{dt}.parquet").read_bytes())
            t = time.perf_counter()
            report = curate(store, dataset=table, partition_date=dt, run_id="bench", settings=settings).as_dict()
            runs.append({"dataset": table, "dt": dt, "rows_in": rows, "seconds": time.perf_counter() - t,
                         "rows_written": report["rows_written"], "partitions_written": report["partitions_written"]})
        seconds = time.perf_counter() - total
        peak = _rss_kb("VmHWM")
    import pyarrow as pa

    curated = sum(r["seconds"] for r in runs)
    rows = sum(r["rows_in"] for r in runs)
    biggest = max(runs, key=lambda r: r["seconds"])
    print(json.dumps({
        "runs": len(runs), "rows_in": rows, "curate_seconds": curated, "wall_seconds": seconds,
        "rows_per_second": rows / curated if curated else 0, "peak_rss_mb": peak / 1024,
        "rss_before_curating_mb": before_rss / 1024, "arrow_peak_mb": pa.default_memory_pool().max_memory() / 2**20,
        "slowest": biggest,
    }))


def run_part(kind: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        prepare(kind, folder)
        print(f"  {kind}: generated and conformed in {time.perf_counter() - t:.1f} s", flush=True)
        out = subprocess.run([sys.executable, __file__, "--worker", str(folder)], check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-month", action="store_true", help="Only the usv day.")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    parts = ["day"] + ([] if args.skip_month else ["month"])
    for kind in parts:
        r = run_part(kind)
        s = r["slowest"]
        print(f"usv {kind}: {r['runs']} curate runs, {r['rows_in']:,} rows in, {r['curate_seconds']:.1f} s curating "
              f"({r['rows_per_second'] / 1e6:.2f} M rows/s); RSS {r['rss_before_curating_mb']:,.0f} MB before curating, "
              f"peak {r['peak_rss_mb']:,.0f} MB while curating (Arrow memory peak {r['arrow_peak_mb']:,.0f} MB; "
              f"the in-process S3 holds every object too); slowest run: {s['dataset']} dt={s['dt']} "
              f"{s['rows_in']:,} rows in {s['seconds']:.1f} s -> {s['partitions_written']} partitions, "
              f"{s['rows_written']:,} rows", flush=True)


if __name__ == "__main__":
    main()
