"""From an S3 "Object Created" event (EventBridge) to the ingest state machine's input and name."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from saleslens.contracts import UnknownDatasetError, dataset_for_key
from saleslens.ingest.naming import execution_name_for


class InvalidLandingEventError(ValueError):
    """The event is not an S3 Object Created event with bucket, key and etag."""


@dataclass(frozen=True)
class IngestStart:
    name: str
    input: Dict[str, Any]


def ingest_start(event: Dict[str, Any], *, ttl_days: int, now: Optional[datetime] = None) -> IngestStart:
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        raise InvalidLandingEventError(
            f"not an S3 Object Created event: source={event.get('source')!r} detail-type={event.get('detail-type')!r}")
    detail = event.get("detail") or {}
    try:
        bucket = detail["bucket"]["name"]
        # S3's EventBridge events carry the key as stored, not URL-encoded: unlike its SQS, SNS
        # and Lambda notifications ("red flower.jpg" -> "red+flower.jpg"), so decoding here would
        # turn a '+' into a space and '%41' into 'A' and point at an object that does not exist.
        key = detail["object"]["key"]
        etag = detail["object"].get("etag") or ""
        size = int(detail["object"].get("size", 0))
        if not isinstance(key, str) or not key:
            raise TypeError(f"object key is {key!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidLandingEventError(f"S3 event lacks bucket, key or size: {exc}") from exc
    version = detail["object"].get("version-id") or ""
    try:
        dataset, dt = dataset_for_key(key)
        table, partition = dataset.table, dt.isoformat()
    except UnknownDatasetError:
        table, partition = "unknown", ""  # ValidateFile rejects it and the file is quarantined whole
    # A key of a known dataset that breaks the other landing rules (file pattern, dates) keeps its
    # dataset and partition here, for the ledger; ValidateFile refuses it (LandingKeyError).
    now = now or datetime.now(timezone.utc)
    received = event.get("time") or now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return IngestStart(
        name=execution_name_for(key, etag or version),
        input={
            "bucket": bucket,
            "key": key,
            "etag": etag,
            "version_id": version,
            "size": size,
            "dataset": table,
            "partition_date": partition,
            "received_at": received,
            "expires_at": int((now + timedelta(days=ttl_days)).timestamp()),
        },
    )


def s3_object_created_event(bucket: str, key: str, etag: str, size: int, *, time: str, version_id: str = "") -> Dict[str, Any]:
    """The event EventBridge receives from S3 for a new object (its documented shape; the key as
    stored, unencoded)."""
    obj: Dict[str, Any] = {"key": key, "size": size, "etag": etag, "sequencer": "0"}
    if version_id:
        obj["version-id"] = version_id
    return {
        "version": "0",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "time": time,
        "detail": {"version": "0", "bucket": {"name": bucket}, "object": obj, "reason": "PutObject"},
    }
