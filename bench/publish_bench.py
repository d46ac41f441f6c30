"""Publication of a partition fed by several files: time and peak memory of CheckQuality's publish.

A usv month's backfill extract of invoice lines (3.3 M lines, bench/README.md) lands as one file
(published as its bytes, nothing decoded), then a second file of the same month adds 1,000 lines
(the partition is decoded, merged on the contract key and written). S3 is moto in-process, so the
times include its copies; peak memory is the process's (ru_maxrss).

    .venv/bin/python bench/publish_bench.py [--rows 3300000]
"""
from __future__ import annotations

import argparse
import resource
import time
from decimal import Decimal

import boto3
import numpy as np
import pyarrow as pa
from moto import mock_aws

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import clean_schema
from saleslens.ingest.conform import parquet_bytes
from saleslens.ingest.publish import publish_member

DATASET = "erp_primary_invoices_backfill"
DT = "2024-05-01"


def lines(n: int, first: int) -> pa.Table:
    schema = clean_schema(DATASETS[DATASET])
    rng = np.random.default_rng(first)
    days = pa.array(np.datetime64("2024-05-01") + rng.integers(0, 31, n), pa.date32())
    cols = {
        "invoice_no": pa.array([f"INV{first + i // 3:012d}" for i in range(n)]),
        "line_no": pa.array(np.arange(n) % 3 + 1, pa.int64()),
        "invoice_date": days,
        "stockist_code": pa.array([f"STK{i % 9000:05d}" for i in range(n)]),
        "sku": pa.array([f"SKU{i % 400:05d}" for i in range(n)]),
        "billed_qty": pa.array(rng.integers(1, 50, n), pa.int64()),
        "free_qty": pa.array(rng.integers(0, 3, n), pa.int64()),
        "price_to_stockist": pa.array([Decimal("12.50")] * n, schema.field("price_to_stockist").type),
        "trade_discount": pa.array([Decimal("0.00")] * n, schema.field("trade_discount").type),
    }
    return pa.table([cols[f.name].cast(f.type) for f in schema], schema=schema)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_300_000)
    args = ap.parse_args()
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        s3.create_bucket(Bucket="clean", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        for run, (table, name, at) in enumerate([
            (lines(args.rows, 0), "ERP_INV_HIST_202405.csv", "2024-06-01T02:00:00Z"),
            (lines(1_000, 10 ** 9), "ERP_INV_HIST_202405_part2.csv", "2024-06-01T02:05:00Z"),
        ], start=1):
            body = parquet_bytes(table)
            s3.put_object(Bucket="clean", Key=f"_staging/r{run}/data.parquet", Body=body)
            del table
            t0 = time.perf_counter()
            pub = publish_member(s3, bucket="clean", dataset=DATASET, partition_date=DT,
                                 staged_key=f"_staging/r{run}/data.parquet",
                                 source_object=f"s3://landing/erp/primary_invoices_backfill/dt={DT}/{name}",
                                 run_id=f"r{run}", received_at=at)
            took = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"file {run}: {len(body) / 1e6:.1f} MB parquet, partition {pub.partition_rows:,} rows "
                  f"from {pub.partition_files} file(s): {took:.2f} s, process peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
