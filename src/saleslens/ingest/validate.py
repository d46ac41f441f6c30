"""ValidateFile: identify a landed object's dataset and check it before any compute is spent.

Reads only the object's metadata and first bytes. Every refusal is a named FileRejectedError (or
UnknownDatasetError / FileTooLargeError), which the state machine routes to QuarantineFile: the
file is set aside whole with its reason. Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Optional

from saleslens.contracts import LandingKey, parse_landing_key
from saleslens.contracts.validation import EmptyFileError, check_header
from saleslens.errors import LandingKeyError
from saleslens.ingest.errors import FileTooLargeError

HEAD_BYTES = 64 * 1024
MAX_FILE_BYTES = 5 * 1024**3  # a Python-shell job with 1 DPU (16 GB) conforms up to this
# The latest calendar day anywhere at an instant is its UTC date 14 hours later (UTC+14, the Line
# Islands). The config names no company time zone, and this bound needs none: a partition dated
# after that day has not begun anywhere, so it is refused, while a file dated "today" in any zone
# (IST, Sri Lanka's +05:30 and Nepal's +05:45 included) always passes. It is at most one day more
# lenient than the company's own zone, never stricter.
LATEST_UTC_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class LandedFile:
    dataset: str
    partition_date: str
    size: int

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def latest_day(received: datetime) -> date:
    """The last calendar day that has begun somewhere on Earth at ``received``."""
    if received.tzinfo is None:
        raise ValueError("received must carry a time zone")
    return (received.astimezone(timezone.utc) + LATEST_UTC_OFFSET).date()


def check_not_future(landing: LandingKey, received: datetime) -> None:
    """Refuse a partition that had not begun anywhere when the file was received."""
    latest = latest_day(received)
    if landing.partition_date > latest:
        raise LandingKeyError(
            f"{landing.dataset.table}: partition dt={landing.partition_date.isoformat()} is in the future: "
            f"the file was received at {received.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}, "
            f"when no place had reached a day later than {latest.isoformat()}; check the date the source "
            "system stamped on the extract"
        )


def parse_received_at(text: str) -> datetime:
    """The landing event's time (ISO 8601, e.g. 2026-11-21T02:00:00Z) as an aware datetime."""
    when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def validate_landed_file(s3: Any, bucket: str, key: str, received_at: Optional[str] = None) -> LandedFile:
    """Check a landed object against the landing rules and its contract's file-level rules.

    ``received_at`` is the time of the object's landing event (the state machine passes it); the
    object's Last-Modified time, the same instant in AWS, stands in when it is not given.
    """
    landing = parse_landing_key(key)
    head = s3.head_object(Bucket=bucket, Key=key)
    check_not_future(landing, parse_received_at(received_at) if received_at else head["LastModified"])
    size = int(head["ContentLength"])
    if size == 0:
        raise EmptyFileError(f"s3://{bucket}/{key} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise FileTooLargeError(f"s3://{bucket}/{key} is {size} bytes; the limit is {MAX_FILE_BYTES}")
    head_bytes = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")["Body"].read()
    check_header(landing.dataset, head_bytes)
    return LandedFile(dataset=landing.dataset.table, partition_date=landing.partition_date.isoformat(), size=size)
