"""The main job offline: generate an org and its data, land it, ingest, distribute, export.

Everything between landing a file and an email leaving runs through the deployed artefacts in the
embedded AWS; this module only drives it as EventBridge and the Scheduler would, then copies what
a person wants to open (reports, emails, quarantined rows) into a local folder.
"""
from __future__ import annotations

import io
import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS, dataset_for_key
from saleslens.offline.landing import received_at
from saleslens.offline.runtime import ExecutionResult, OfflineAws

# DATASETS lists masters before facts, so a day's facts land after the org they refer to.
_LOAD_ORDER = list(DATASETS)


@dataclass
class IngestLine:
    execution: str
    dataset: str
    key: str
    status: str
    rows_in: int = 0
    rows_clean: int = 0
    rows_quarantined: int = 0
    rows_deduplicated: int = 0
    error: Optional[str] = None


@dataclass
class CurateLine:
    execution: str
    dataset: str
    partition_date: str
    status: str
    rows_in: int = 0
    rows_written: int = 0
    partitions_written: int = 0
    error: Optional[str] = None


@dataclass
class MainJobSummary:
    run_date: str
    cadence: str
    ingest: List[IngestLine] = field(default_factory=list)
    curate: List[CurateLine] = field(default_factory=list)
    distribution: Dict[str, Any] = field(default_factory=dict)
    reports_written: int = 0
    emails_sent: int = 0
    athena_queries: int = 0
    out: str = ""

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _load_order(key: str) -> int:
    return _LOAD_ORDER.index(dataset_for_key(key)[0].table)


def ingest_files(
    aws: OfflineAws,
    files: Dict[str, bytes],
    progress: Callable[[str], None],
    arrivals: Optional[Dict[str, date]] = None,
) -> Tuple[List[IngestLine], List[CurateLine]]:
    """Land every file in delivery order, ingest it, and curate what it published, as the
    landing event (EventBridge -> start-ingest) and PartitionPublished (EventBridge -> curate)
    would. ``arrivals``: the day each file is delivered (default: the day after its date)."""
    lines: List[IngestLine] = []
    curated: List[CurateLine] = []

    landed = {k: received_at(k, arrivals or {}) for k in files}
    order = sorted(files, key=lambda k: (landed[k], _load_order(k), k))
    for i, key in enumerate(order, start=1):
        received = landed[key]
        result = aws.ingest(aws.put_landing_file(key, files[key]), received_at=received)
        lines.append(_ingest_line(result, key))
        progress(f"[{i}/{len(order)}] ingest {result.status:<9} {key}")
        for run in aws.curate_published():
            curated.append(_curate_line(run))
            if run.status != "SUCCEEDED":
                progress(f"        curate {run.status} {run.name}: {run.error}")
    return lines, curated


def _curate_line(result: ExecutionResult) -> CurateLine:
    line = CurateLine(execution=result.name, dataset=str(result.input.get("dataset")),
                      partition_date=str(result.input.get("partition_date")), status=result.status, error=result.error)
    out = (result.output or {}).get("curated") or {}
    line.rows_in, line.rows_written = int(out.get("rows_in", 0)), int(out.get("rows_written", 0))
    line.partitions_written = int(out.get("partitions_written", 0))
    return line


def _ingest_line(result: ExecutionResult, key: str) -> IngestLine:
    dataset = dataset_for_key(key)[0].table
    line = IngestLine(execution=result.name, dataset=dataset, key=key, status=result.status, error=result.error)
    if result.output and "quality" in result.output:
        q = result.output["quality"]
        line.rows_in, line.rows_clean = q["rows_in"], q["rows_clean"]
        line.rows_quarantined, line.rows_deduplicated = q["rows_quarantined"], q["rows_deduplicated"]
    return line


def export(aws: OfflineAws, out: Path) -> Dict[str, int]:
    """Copy reports, the SES outbox (.eml) and quarantined rows (CSV) where a person can open them."""
    for sub in ("reports", "outbox", "quarantine"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True, exist_ok=True)
    s3 = aws.client("s3")
    counts = {"reports": 0, "emails": 0, "quarantine_files": 0}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=aws.bucket("reports"), Prefix="reports/"):
        for obj in page.get("Contents", []):
            target = out / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=aws.bucket("reports"), Key=obj["Key"])["Body"].read())
            counts["reports"] += 1
    for i, mail in enumerate(aws.sent_emails(), start=1):
        raw = mail["raw"] if isinstance(mail["raw"], bytes) else str(mail["raw"]).encode()
        (out / "outbox" / f"{i:05d}.eml").write_bytes(raw)
        counts["emails"] += 1
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=aws.bucket("quarantine")):
        for obj in page.get("Contents", []):
            table = pq.read_table(io.BytesIO(s3.get_object(Bucket=aws.bucket("quarantine"), Key=obj["Key"])["Body"].read()))
            target = out / "quarantine" / (obj["Key"].replace("/", "__").replace(".parquet", ".csv"))
            pacsv.write_csv(table, str(target))
            counts["quarantine_files"] += 1
    return counts


def run_main_job(
    *,
    files: Dict[str, bytes],
    run_date: date,
    cadence: str,
    out: Path,
    progress: Callable[[str], None] = lambda _m: None,
    aws: Optional[OfflineAws] = None,
    arrivals: Optional[Dict[str, date]] = None,
) -> MainJobSummary:
    summary = MainJobSummary(run_date=run_date.isoformat(), cadence=cadence, out=str(out))
    own = aws is None
    aws = aws or OfflineAws()
    if own:
        progress("starting the embedded AWS and provisioning it from config/saleslens.json")
        aws.__enter__()
    try:
        summary.ingest, summary.curate = ingest_files(aws, files, progress, arrivals)
        progress(f"distribution {cadence} for {run_date.isoformat()}")
        queries_before = len(aws.athena_engine.queries)
        result = aws.distribute(run_date, cadence)
        summary.distribution = {"execution": result.name, "status": result.status, "error": result.error}
        if result.output:
            summary.distribution.update(result.output.get("summary", {}).get("summary", {}))
        summary.athena_queries = len(aws.athena_engine.queries) - queries_before
        counts = export(aws, out)
        summary.reports_written, summary.emails_sent = counts["reports"], counts["emails"]
        (out / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2, default=str))
    finally:
        if own:
            aws.__exit__(None, None, None)
    return summary
