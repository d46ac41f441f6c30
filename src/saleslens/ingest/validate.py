"""ValidateFile: identify a landed object's dataset and check it before any compute is spent.

Reads only the object's metadata and first bytes. Python 3.9-safe.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict

from saleslens.contracts import dataset_for_key
from saleslens.contracts.validation import EmptyFileError, check_header
from saleslens.ingest.errors import FileTooLargeError

HEAD_BYTES = 64 * 1024
MAX_FILE_BYTES = 5 * 1024**3  # a Python-shell job with 1 DPU (16 GB) conforms up to this


@dataclass(frozen=True)
class LandedFile:
    dataset: str
    partition_date: str
    size: int

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def validate_landed_file(s3: Any, bucket: str, key: str) -> LandedFile:
    dataset, dt = dataset_for_key(key)
    size = int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    if size == 0:
        raise EmptyFileError(f"s3://{bucket}/{key} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise FileTooLargeError(f"s3://{bucket}/{key} is {size} bytes; the limit is {MAX_FILE_BYTES}")
    head = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")["Body"].read()
    check_header(dataset, head)
    return LandedFile(dataset=dataset.table, partition_date=dt.isoformat(), size=size)
