"""Names derived from a landed object. Python 3.9-safe."""
from __future__ import annotations

import hashlib
import re

from saleslens.contracts import UnknownDatasetError, dataset_for_key

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def execution_name_for(key: str, etag: str) -> str:
    """Step Functions execution name for one delivery of an object.

    Names are unique per state machine for 90 days, so the same object version can never be
    ingested by two executions at once. Readable prefix (dataset, date) + digest of key and etag;
    at most 80 characters of [A-Za-z0-9_-].
    """
    digest = hashlib.sha256(f"{key}\0{etag}".encode()).hexdigest()[:16]
    try:
        dataset, dt = dataset_for_key(key)
        prefix = f"{dataset.table}-{dt.isoformat()}"
    except UnknownDatasetError:
        prefix = "unknown"
    return _UNSAFE.sub("-", f"{prefix}-{digest}")[:80]


def staging_key(table_prefix: str, partition_date: str, run_id: str) -> str:
    """Where a conform run writes its clean Parquet before the quality gate publishes it."""
    return f"_staging/{table_prefix}dt={partition_date}/{run_id}/data.parquet"


def clean_key(table_prefix: str, partition_date: str) -> str:
    """The published partition: one object, so replacing it is one atomic PUT/COPY."""
    return f"{table_prefix}dt={partition_date}/data.parquet"


def member_id(source_key: str) -> str:
    """A landed file's identity within its partition: its name (a re-sent file of the same name
    is a new version of it; a new name, e.g. a split extract's second part, is another file).
    Readable stem + digest of the whole name, so two names never collide after sanitising."""
    name = source_key.rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("-", name.rsplit(".", 1)[0])[:60]
    return f"{stem}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def member_key(table_prefix: str, partition_date: str, member: str) -> str:
    """The clean rows of the latest version of one file of a partition; the published partition
    is the merge of these (``ingest.publish``)."""
    return f"_members/{table_prefix}dt={partition_date}/{member}.parquet"


def quarantine_key(table_prefix: str, partition_date: str, member: str) -> str:
    """The rejects of one file: a later file of the partition never touches them."""
    return f"{table_prefix}dt={partition_date}/rejects-{member}.parquet"


def report_key(table: str, partition_date: str, run_id: str) -> str:
    return f"_runs/{table}/dt={partition_date}/{run_id}.json"
