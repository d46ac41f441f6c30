"""ConformRows (the Glue Python-shell job's body): contract check, types, dedupe, references.

Writes the clean rows as Parquet to a staging key, every rejected row with its rule and reason to
the quarantine zone, and a run report the quality gate reads. Nothing is published here: the gate
publishes. Python 3.9-safe (Glue Python shell).
"""
from __future__ import annotations

import argparse
import io
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import conform_bytes
from saleslens.ingest.naming import member_id, quarantine_key, report_key, staging_key
from saleslens.ingest.references import enforced_values, load_references, unmapped

log = logging.getLogger("saleslens.conform")


@dataclass(frozen=True)
class ConformReport:
    run_id: str
    dataset: str
    partition_date: str
    source: str
    rows_in: int
    rows_clean: int
    rows_quarantined: int
    rows_deduplicated: int
    # Fact rows kept although a code is unknown to the master snapshot in force (not rejects).
    rows_unmapped: int
    unmapped: Dict[str, Dict[str, Any]]
    references_unchecked: List[str]
    staging: str
    quarantine: Optional[str]
    reject_rules: Dict[str, int]


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


def conform_object(
    s3: Any,
    *,
    bucket: str,
    key: str,
    dataset: str,
    partition_date: str,
    run_id: str,
    clean_bucket: str,
    quarantine_bucket: str,
) -> ConformReport:
    contract = DATASETS[dataset]
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    refs = load_references(s3, clean_bucket, contract, partition_date)
    # A master row with a broken reference is rejected; a fact row is kept and counted unmapped
    # unless the reference is enforced (references.enforced_values).
    result = conform_bytes(contract, data, references=enforced_values(contract, refs))
    rows_unmapped, by_column = unmapped(contract, result.clean, refs) if contract.kind == "fact" else (0, {})

    staged = staging_key(contract.clean_prefix(), partition_date, run_id)
    s3.put_object(Bucket=clean_bucket, Key=staged, Body=parquet_bytes(result.clean))

    q_key: Optional[str] = quarantine_key(contract.clean_prefix(), partition_date, member_id(key))
    rules: Dict[str, int] = {}
    if result.rejects.num_rows:
        rejects = result.rejects.append_column("run_id", pa.array([run_id] * result.rejects.num_rows, pa.string()))
        rejects = rejects.append_column("source_object", pa.array([f"s3://{bucket}/{key}"] * rejects.num_rows, pa.string()))
        s3.put_object(Bucket=quarantine_bucket, Key=q_key, Body=parquet_bytes(rejects))
        for rule in result.rejects.column("rule").to_pylist():
            rules[rule] = rules.get(rule, 0) + 1
    else:
        # A new version of this file that rejects nothing must not leave its earlier version's
        # rejects behind; another file's rejects have their own key and are never touched.
        s3.delete_object(Bucket=quarantine_bucket, Key=q_key)
        q_key = None

    report = ConformReport(
        run_id=run_id,
        dataset=dataset,
        partition_date=partition_date,
        source=f"s3://{bucket}/{key}",
        rows_in=result.rows_in,
        rows_clean=result.rows_clean,
        rows_quarantined=result.rows_quarantined,
        rows_deduplicated=result.rows_deduplicated,
        rows_unmapped=rows_unmapped,
        unmapped=by_column,
        references_unchecked=refs.unchecked,
        staging=f"s3://{clean_bucket}/{staged}",
        quarantine=f"s3://{quarantine_bucket}/{q_key}" if q_key else None,
        reject_rules=rules,
    )
    s3.put_object(
        Bucket=clean_bucket,
        Key=report_key(dataset, partition_date, run_id),
        Body=json.dumps(asdict(report), indent=2).encode(),
        ContentType="application/json",
    )
    log.info("conformed %s: in=%d clean=%d quarantined=%d deduplicated=%d unmapped=%d", key, report.rows_in,
             report.rows_clean, report.rows_quarantined, report.rows_deduplicated, report.rows_unmapped)
    return report


def main(argv: List[str], s3: Any = None) -> ConformReport:
    """Entry point of glue_jobs/conform.py; Glue passes job arguments as --name value pairs."""
    parser = argparse.ArgumentParser(prog="conform")
    for name in ("dataset", "bucket", "key", "partition_date", "run_id", "clean_bucket", "quarantine_bucket"):
        parser.add_argument(f"--{name}", required=True)
    args, _unknown = parser.parse_known_args(argv)  # Glue adds its own (--JOB_ID, --job-bookmark-option...)
    if args.dataset not in DATASETS:
        raise SystemExit(f"unknown dataset {args.dataset!r}")
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    return conform_object(
        s3,
        bucket=args.bucket,
        key=args.key,
        dataset=args.dataset,
        partition_date=args.partition_date,
        run_id=args.run_id,
        clean_bucket=args.clean_bucket,
        quarantine_bucket=args.quarantine_bucket,
    )
