"""CheckQuality: the data-quality gate, and publication of the partition when it passes.

The partition stays one object, so readers see the old partition or the new one, never half of
either; it is the merge of the latest version of every file landed for it (``ingest.publish``).
A master snapshot is checked whole (``ingest.masters``) before anything becomes visible.
"""
from __future__ import annotations

import json
import statistics
from datetime import date
from typing import Any, Dict, List, Optional

from saleslens.config import QualityThresholds
from saleslens.contracts import DATASETS
from saleslens.ingest.errors import ConformReportMissingError, DataQualityError
from saleslens.ingest.masters import check_snapshot
from saleslens.ingest.naming import clean_key, report_key
from saleslens.ingest.publish import object_rows, publish_member
from saleslens.ingest.references import latest_partition
from saleslens.views import dependent_marts


def read_report(s3: Any, clean_bucket: str, dataset: str, partition_date: str, run_id: str) -> Dict[str, Any]:
    key = report_key(dataset, partition_date, run_id)
    try:
        return json.loads(s3.get_object(Bucket=clean_bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise ConformReportMissingError(f"no conform report at s3://{clean_bucket}/{key}") from exc


def evaluate(report: Dict[str, Any], thresholds: QualityThresholds, history: Optional[List[int]] = None) -> None:
    """Raise DataQualityError naming the first breached rule; `history` is trailing rows_clean."""
    where = f"{report['dataset']} dt={report['partition_date']}"
    rows_in = int(report["rows_in"])
    accounted = int(report["rows_clean"]) + int(report["rows_quarantined"]) + int(report["rows_deduplicated"])
    if accounted != rows_in:
        raise DataQualityError(f"{where}: row accounting broken: in={rows_in} but clean+quarantined+deduplicated={accounted}")
    if rows_in and int(report["rows_quarantined"]) / rows_in > thresholds.max_quarantined_share:
        share = int(report["rows_quarantined"]) / rows_in
        raise DataQualityError(
            f"{where}: {share:.1%} of rows quarantined (limit {thresholds.max_quarantined_share:.0%}); "
            f"partition not published, see {report.get('quarantine')}"
        )
    history = (history or [])[: thresholds.history_runs]
    if len(history) >= thresholds.min_history:
        median = statistics.median(history)
        clean = int(report["rows_clean"])
        if median > 0 and not (thresholds.min_row_ratio * median <= clean <= thresholds.max_row_ratio * median):
            raise DataQualityError(
                f"{where}: {clean} clean rows against a median of {median:g} over the last {len(history)} "
                f"published runs (allowed {thresholds.min_row_ratio:g}x to {thresholds.max_row_ratio:g}x); partition not published"
            )


def is_late(partition_date: str, received_at: Optional[str], late_after_days: int, dataset: str = "") -> bool:
    """A file is late when its partition date is older than `late_after_days` before it landed.
    A monthly backfill extract is history by design, never late."""
    if not received_at or (dataset in DATASETS and DATASETS[dataset].backfills):
        return False
    received = date.fromisoformat(received_at[:10])
    return (received - date.fromisoformat(partition_date)).days > late_after_days


def gate_and_publish(
    s3: Any,
    *,
    clean_bucket: str,
    dataset: str,
    partition_date: str,
    run_id: str,
    thresholds: QualityThresholds,
    history: Optional[List[int]] = None,
    received_at: Optional[str] = None,
    late_after_days: int = 1,
) -> Dict[str, Any]:
    report = read_report(s3, clean_bucket, dataset, partition_date, run_id)
    evaluate(report, thresholds, history)
    contract = DATASETS[dataset]
    guard = None
    if contract.kind == "master":
        previous = latest_partition(s3, clean_bucket, contract.clean_prefix(), partition_date, inclusive=False)
        previous_rows = object_rows(s3, clean_bucket, clean_key(contract.clean_prefix(), previous)) if previous else None

        def guard(snapshot: Any) -> None:
            check_snapshot(dataset, snapshot, previous_rows=previous_rows, min_ratio=thresholds.min_snapshot_ratio,
                           where=f"{dataset} dt={partition_date}")

    publication = publish_member(
        s3,
        bucket=clean_bucket,
        dataset=dataset,
        partition_date=partition_date,
        staged_key=report["staging"].split("://", 1)[1].split("/", 1)[1],
        source_object=report["source"],
        run_id=run_id,
        received_at=received_at or "",
        guard=guard,
    )
    target = clean_key(contract.clean_prefix(), partition_date)
    late = is_late(partition_date, received_at, late_after_days, dataset)
    return {
        **report,
        **publication.to_dict(),
        "status": "SUPERSEDED" if publication.superseded else "PUBLISHED",
        "published": f"s3://{clean_bucket}/{target}",
        "late": late,
        # A late partition changes numbers already reported: the marts over it must be rebuilt.
        "stale_marts": dependent_marts(dataset) if late else [],
    }

