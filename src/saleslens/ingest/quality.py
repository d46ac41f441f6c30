"""CheckQuality: the data-quality gate, and publication of the partition when it passes.

Publishing is one server-side copy onto the partition's single object, so readers see the old
partition or the new one, never half of either.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict

from saleslens.contracts import DATASETS
from saleslens.ingest.errors import ConformReportMissingError, DataQualityError
from saleslens.ingest.naming import clean_key, report_key


@dataclass(frozen=True)
class QualityThresholds:
    max_quarantined_share: float = 0.25  # of rows_in


def read_report(s3: Any, clean_bucket: str, dataset: str, partition_date: str, run_id: str) -> Dict[str, Any]:
    key = report_key(dataset, partition_date, run_id)
    try:
        return json.loads(s3.get_object(Bucket=clean_bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey as exc:
        raise ConformReportMissingError(f"no conform report at s3://{clean_bucket}/{key}") from exc


def evaluate(report: Dict[str, Any], thresholds: QualityThresholds) -> None:
    rows_in = int(report["rows_in"])
    accounted = int(report["rows_clean"]) + int(report["rows_quarantined"]) + int(report["rows_deduplicated"])
    if accounted != rows_in:
        raise DataQualityError(f"row accounting broken: in={rows_in} but clean+quarantined+deduplicated={accounted}")
    if rows_in and int(report["rows_quarantined"]) / rows_in > thresholds.max_quarantined_share:
        share = int(report["rows_quarantined"]) / rows_in
        raise DataQualityError(
            f"{report['dataset']} dt={report['partition_date']}: {share:.1%} of rows quarantined "
            f"(limit {thresholds.max_quarantined_share:.0%}); partition not published, see {report.get('quarantine')}"
        )


def gate_and_publish(
    s3: Any, *, clean_bucket: str, dataset: str, partition_date: str, run_id: str, thresholds: QualityThresholds
) -> Dict[str, Any]:
    report = read_report(s3, clean_bucket, dataset, partition_date, run_id)
    evaluate(report, thresholds)
    staged = report["staging"].split("://", 1)[1].split("/", 1)[1]
    target = clean_key(DATASETS[dataset].clean_prefix(), partition_date)
    s3.copy_object(Bucket=clean_bucket, Key=target, CopySource={"Bucket": clean_bucket, "Key": staged})
    s3.delete_object(Bucket=clean_bucket, Key=staged)
    return {**report, "status": "PUBLISHED", "published": f"s3://{clean_bucket}/{target}"}
