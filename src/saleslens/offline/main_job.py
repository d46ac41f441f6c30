"""The main job offline: generate an org and its data, land it, ingest, train, distribute, export.

Everything between landing a file and an email leaving runs through the deployed artefacts in the
embedded AWS; this module only drives it as EventBridge and the Scheduler would, then copies what
a person wants to open (reports, emails, quarantined rows) into a local folder.
"""
from __future__ import annotations

import io
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import pyarrow as pa
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS, dataset_for_key
from saleslens.offline.landing import received_at
from saleslens.offline.outdir import OutDir, Producer
from saleslens.offline.runtime import ExecutionResult, OfflineAws
from saleslens.reports.stored import read_page
from saleslens.spreadsheet import spreadsheet_csv

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
    # The train-scoring run after ingestion, when this run ingested CRM opportunities (empty otherwise).
    training: Dict[str, Any] = field(default_factory=dict)
    distribution: Dict[str, Any] = field(default_factory=dict)
    forecast: Dict[str, Any] = field(default_factory=dict)  # the forecast run before the distribution, if any
    reports_written: int = 0
    emails_sent: int = 0
    pushes_sent: int = 0  # tablet notifications SNS accepted (the push outbox)
    athena_queries: int = 0
    out: str = ""

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def problems(self) -> List[str]:
        """What the job failed to do, one line each; empty when it did everything. A distribution
        that SUCCEEDED with recipients left undelivered (within the Map's failure tolerance) is
        one: the CLI exits non-zero on any."""
        out = [f"ingest {run.status}: {run.key}" for run in self.ingest if run.status != "SUCCEEDED"]
        out += [f"curate {c.status}: {c.execution}" for c in self.curate if c.status != "SUCCEEDED"]
        if self.training and self.training.get("status") != "SUCCEEDED":
            out.append(f"training {self.training.get('status')}: {self.training.get('error')}")
        if self.forecast and self.forecast.get("status") != "SUCCEEDED":
            out.append(f"forecast {self.forecast.get('status')}: {self.forecast.get('error')}")
        d = self.distribution
        if d.get("status") != "SUCCEEDED":
            out.append(f"distribution {d.get('status')}: {d.get('error')}")
        elif d.get("failed", 0):
            out.append(f"distribution: {d['failed']} of {d.get('recipients')} recipients' reports FAILED to deliver")
        return out


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


# The CRM's opportunity extracts, daily or monthly backfill: what the models train on.
CRM_OPPORTUNITIES = ("crm_opportunities", "crm_opportunities_backfill")


def train_after_ingest(aws: OfflineAws, ingested: List[IngestLine], as_of: str,
                       progress: Callable[[str], None]) -> Dict[str, Any]:
    """Run the train-scoring machine (as its weekly schedule would) when this run ingested CRM
    opportunities; {} otherwise. Short of the minimum history the job writes the fallback table as
    champion (docs/scoring.md): the summary says which each model got."""
    if not any(line.dataset in CRM_OPPORTUNITIES and line.status == "SUCCEEDED" for line in ingested):
        return {}
    progress(f"training the opportunity-scoring models as of {as_of}")
    result = aws.train_scoring(as_of)
    training: Dict[str, Any] = {"execution": result.name, "status": result.status, "error": result.error}
    if result.status == "SUCCEEDED":
        from saleslens.scoring.job import RUNS

        key = f"{aws.cfg.scoring.model_prefix}/{RUNS}/{result.name}.json"
        run = json.loads(_body(aws.client("s3"), aws.bucket("curated"), key))
        training["models"] = {m["model"]: f"{m['kind']} {m['version']}" + (" (champion)" if m["promoted"] else "")
                              for m in run["models"]}
        progress("  " + "; ".join(f"{k}: {v}" for k, v in training["models"].items()))
    else:
        progress(f"  training {result.status}: {result.error}")
    return training


def export(aws: OfflineAws, out: Path) -> Dict[str, int]:
    """Copy reports, the SES outbox (.eml), the push outbox (.json) and quarantined rows (CSV) where a person can open them.

    Only files the previous export wrote are replaced or removed (``saleslens.offline.outdir``);
    a file of the user's at one of these paths stops the export before it writes anything."""
    s3 = aws.client("s3")
    bucket = aws.bucket("reports")
    reports = {key: partial(_page, s3, bucket, key) for key in _keys(s3, bucket, "reports/")}
    emails: Dict[str, Producer] = {}
    for i, mail in enumerate(aws.sent_emails(), start=1):
        raw = mail["raw"] if isinstance(mail["raw"], bytes) else str(mail["raw"]).encode()
        emails[f"outbox/{i:05d}.eml"] = partial(bytes, raw)
    # The push outbox: each notification SNS accepted for a device, as JSON (platform, token, payload).
    pushes: Dict[str, Producer] = {
        f"push-outbox/{i:05d}.json": partial(bytes, json.dumps(p, indent=2, sort_keys=True).encode())
        for i, p in enumerate(aws.sent_pushes(), start=1)}
    quarantine = _quarantine_files(s3, aws.bucket("quarantine"))
    OutDir.open(out).replace({**reports, **emails, **pushes, **quarantine})
    return {"reports": len(reports), "emails": len(emails), "pushes": len(pushes), "quarantine_files": len(quarantine)}


# Where QuarantineFile (saleslens.ingest.quarantine) sets a file rejected whole, beside <key>.reason.json.
_WHOLE_FILES = "_files/"
_REASON = ".reason.json"


def _quarantine_files(s3: Any, bucket: str) -> Dict[str, Producer]:
    """The quarantine zone as files to open: rejected rows as CSV (one per rejects object), files
    rejected whole listed with their reasons in quarantine/files.csv, and their bytes as they
    landed under quarantine/files/ (suffixed .rejected, so no spreadsheet opens them unescaped)."""
    files: Dict[str, Producer] = {}
    reasons: List[str] = []
    for key in _keys(s3, bucket):
        flat = key.replace("/", "__")
        if key.startswith(_WHOLE_FILES) and key.endswith(_REASON):
            reasons.append(key)
        elif key.startswith(_WHOLE_FILES):
            files[_rejected_copy(key)] = partial(_body, s3, bucket, key)
        elif key.endswith(".parquet"):
            files[f"quarantine/{flat[: -len('.parquet')]}.csv"] = partial(_rows_csv, s3, bucket, key)
        else:  # an object of a layout this export does not know: its bytes, never opened as a spreadsheet
            files[f"quarantine/other/{flat}.rejected"] = partial(_body, s3, bucket, key)
    if reasons:
        files["quarantine/files.csv"] = partial(_reasons_csv, s3, bucket, reasons)
    return files


def _rejected_copy(key: str) -> str:
    return f"quarantine/files/{key[len(_WHOLE_FILES):].replace('/', '__')}.rejected"


def _rows_csv(s3: Any, bucket: str, key: str) -> bytes:
    return spreadsheet_csv(pq.read_table(io.BytesIO(_body(s3, bucket, key))))


def _reasons_csv(s3: Any, bucket: str, keys: List[str]) -> bytes:
    """One row per file rejected whole: what landed, why, and where its bytes are in the export."""
    rows = []
    for key in keys:
        reason = json.loads(_body(s3, bucket, key))
        landed = key[len(_WHOLE_FILES): -len(_REASON)]
        rows.append({"landing_key": landed, "error": reason.get("error"), "reason": reason.get("reason"),
                     "run_id": reason.get("run_id"), "quarantined_at": reason.get("quarantined_at"),
                     "exported_as": _rejected_copy(f"{_WHOLE_FILES}{landed}")})
    columns = ("landing_key", "error", "reason", "run_id", "quarantined_at", "exported_as")
    table = pa.table({c: pa.array([None if r[c] is None else str(r[c]) for r in rows], pa.string()) for c in columns})
    return spreadsheet_csv(table)


def _keys(s3: Any, bucket: str, prefix: str = "") -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            yield obj["Key"]


def _page(s3: Any, bucket: str, key: str) -> bytes:
    """A report page as a file a browser opens from disk (stored compressed: saleslens.reports.stored)."""
    return read_page(s3, bucket=bucket, key=key).encode("utf-8")


def _body(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _forecast_versions(aws: OfflineAws) -> Dict[str, str]:
    """Version id -> partition date of every object version of the by-position forecast table (the
    curated bucket is versioned, so a rewrite of a partition is a new version too)."""
    from saleslens.curate.tables import TABLES

    prefix = TABLES["cur_forecast__by_position"].prefix
    pages = aws.client("s3").get_paginator("list_object_versions").paginate(Bucket=aws.bucket("curated"), Prefix=prefix)
    return {v["VersionId"]: v["Key"][len(prefix):].split("/", 1)[0].split("=", 1)[1]
            for page in pages for v in page.get("Versions", [])}


def forecast_after_ingest(aws: OfflineAws, run_date: Union[date, str],
                          progress: Callable[[str], None]) -> Dict[str, Any]:
    """Run the forecast machine at the last month end before the run date, as the monthly schedule
    would have ("auto": the job settles the origin, the last month end before today). The origin in
    the summary is the one the job wrote its forecast at, read from the versions it added to the
    by-position table; with none written (a history too short, or a failed run) "written" is False
    and an "auto" origin stays "auto"."""
    origin = forecast_origin_for(run_date)
    progress(f"forecast at origin {origin}" + (" (the last month end before today, as the job settles it)"
                                               if origin == "auto" else ""))
    before = _forecast_versions(aws)
    result = aws.forecast(origin)
    written = sorted({dt for version, dt in _forecast_versions(aws).items() if version not in before})
    settled = written[0] if written else origin
    if origin == "auto":
        progress(f"  forecast written at origin {settled}" if written else "  no forecast written")
    return {"execution": result.name, "status": result.status, "error": result.error,
            "origin": settled, "written": bool(written)}


def forecast_origin_for(run_date: Union[date, str]) -> str:
    """The origin a run date's forecast is made at: the last month end before it ("auto" stays
    "auto": the job takes it before today)."""
    if not isinstance(run_date, date):
        if run_date == "auto":
            return "auto"
        run_date = date.fromisoformat(run_date)
    from saleslens.forecast.series import month_end_of, month_index

    return month_end_of(month_index(run_date) - 1).isoformat()


def run_main_job(
    *,
    files: Dict[str, bytes],
    run_date: Union[date, str],
    cadence: str,
    out: Path,
    progress: Callable[[str], None] = lambda _m: None,
    aws: Optional[OfflineAws] = None,
    arrivals: Optional[Dict[str, date]] = None,
    scheduled_time: Optional[str] = None,
) -> MainJobSummary:
    """``run_date`` "auto" starts the distribution as a schedule does (at ``scheduled_time``)."""
    day = run_date.isoformat() if isinstance(run_date, date) else run_date
    summary = MainJobSummary(run_date=day, cadence=cadence, out=str(out))
    own = aws is None
    aws = aws or OfflineAws()
    if own:
        progress("starting the embedded AWS and provisioning it from config/saleslens.json")
        aws.__enter__()
    try:
        summary.ingest, summary.curate = ingest_files(aws, files, progress, arrivals)
        # Train as of the end of the run date (a schedule's fire time for "auto"): the history ingested above.
        as_of = f"{day}T23:59:59Z" if day != "auto" else (scheduled_time or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        summary.training = train_after_ingest(aws, summary.ingest, as_of, progress)
        if files:
            # New history arrived: forecast at the last month end before the run date, as the
            # monthly schedule would have (the job says itself when the history is too short).
            summary.forecast = forecast_after_ingest(aws, run_date, progress)
        progress(f"distribution {cadence} for {day}" + (f" (scheduled at {scheduled_time})" if scheduled_time else ""))
        queries_before = len(aws.athena_engine.queries)
        result = aws.distribute(run_date, cadence, scheduled_time=scheduled_time)
        summary.distribution = {"execution": result.name, "status": result.status, "error": result.error}
        if result.output and result.output.get("run_date"):
            summary.run_date = str(result.output["run_date"])  # "auto" as PlanRun settled it
        if result.output:
            summary.distribution.update(result.output.get("summary", {}).get("summary", {}))
        summary.athena_queries = len(aws.athena_engine.queries) - queries_before
        counts = export(aws, out)
        summary.reports_written, summary.emails_sent = counts["reports"], counts["emails"]
        summary.pushes_sent = counts["pushes"]
        body = json.dumps(summary.as_dict(), indent=2, default=str).encode()
        OutDir.open(out).add({"summary.json": partial(bytes, body)})
    finally:
        if own:
            aws.__exit__(None, None, None)
    return summary
