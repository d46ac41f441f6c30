"""Whether the data of a run date has landed, before a distribution sends anything.

The daily datasets (those whose contract says ``daily``: the source sends a file every day, a
header-only one on a day without rows) must each have published the run date's partition in the
clean zone. The published object (``<source>/<dataset>/dt=<date>/data.parquet``, written in one
PUT by the quality gate) is what the marts read, so its presence is the authoritative answer; one
or two LIST calls per dataset (s3:ListBucket only: nothing is read) are the cheap one.
"""
from __future__ import annotations

from datetime import date
from typing import Any, List, Tuple

from saleslens.contracts import DATASETS
from saleslens.errors import DataIncompleteError
from saleslens.ingest.naming import clean_key


def daily_datasets() -> Tuple[str, ...]:
    return tuple(table for table, d in DATASETS.items() if d.daily)


def _first_partition(s3: Any, clean_bucket: str, prefix: str) -> str:
    """The earliest published partition date of a dataset ("" for none): S3 lists in key order."""
    for obj in s3.list_objects_v2(Bucket=clean_bucket, Prefix=f"{prefix}dt=", MaxKeys=1).get("Contents", []):
        return str(obj["Key"][len(prefix) + 3:len(prefix) + 13])
    return ""


def missing_datasets(s3: Any, clean_bucket: str, run_date: date) -> List[str]:
    """The daily datasets without a published partition for ``run_date``. A date before a
    dataset's first daily partition is history (loaded as monthly backfill extracts and one HR
    snapshot, docs/runbook.md): it has no daily partition to wait for."""
    missing = []
    day = run_date.isoformat()
    for table in daily_datasets():
        prefix = DATASETS[table].clean_prefix()
        key = clean_key(prefix, day)
        found = s3.list_objects_v2(Bucket=clean_bucket, Prefix=key, MaxKeys=1).get("Contents", [])
        if any(obj["Key"] == key for obj in found):
            continue
        first = _first_partition(s3, clean_bucket, prefix)
        if not first or day > first:
            missing.append(table)
    return missing


def incomplete_message(run_date: date, missing: List[str]) -> str:
    return (f"data incomplete: no published partition for {run_date.isoformat()} of {', '.join(missing)} "
            f"(daily datasets; nothing was sent)")


def check_ready(s3: Any, clean_bucket: str, run_date: date) -> None:
    """Raise DataIncompleteError naming every daily dataset the run date lacks."""
    missing = missing_datasets(s3, clean_bucket, run_date)
    if missing:
        raise DataIncompleteError(incomplete_message(run_date, missing))
