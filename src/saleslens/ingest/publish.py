"""Publication of a partition that more than one file feeds, with nothing lost.

A partition is the union of the latest version of each file landed for it:
- each file's clean rows are kept as a *member* (``naming.member_key``), named after the file,
  so a re-sent file of the same name replaces exactly its earlier version's rows (a correction)
  and a file with a new name (a split extract's second part) adds its rows;
- the published object (``naming.clean_key``, one object, so readers see a whole partition or
  the previous one) is the merge of every member; a contract key present in two files resolves
  to the later-landed file's row (``received_at``, then run id);
- a member is never replaced by an older version of its file (an out-of-order or stale retry is
  reported as superseded instead).

Two runs may publish the same partition at once: each writes its member first, then merges and
writes the published object with an S3 conditional write (``If-Match`` on the ETag it read, or
``If-None-Match: *`` when there was none). A writer that lost the race re-reads and merges again,
so the last successful write always lists every member written before it. A retry after a
partial step is safe: the member copy is skipped when it already holds this run, and the merge
is recomputed from the members. Python 3.9-safe.
"""
from __future__ import annotations

import io
import random
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote, unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from saleslens.contracts import DATASETS
from saleslens.errors import PartitionBusyError
from saleslens.ingest.conform import parquet_bytes
from saleslens.ingest.naming import clean_key, member_id, member_key

LEGACY_MEMBER = "_published-before-members"  # a partition published as one object, before members
_ATTEMPTS = 6


@dataclass(frozen=True)
class Member:
    key: str
    member: str
    run_id: str
    received_at: str
    source: str
    rows: int

    @property
    def order(self) -> Tuple[str, str]:
        return (self.received_at, self.run_id)


@dataclass(frozen=True)
class Publication:
    """What one file did to its partition (recorded in the run ledger)."""

    member: str
    superseded: bool  # a newer version of this file was already published; nothing changed
    partition_rows: int  # rows of the published partition after this run
    partition_files: int  # files (latest versions) the partition is the union of
    rows_replaced: int  # rows of this file's earlier version that this version replaced
    replaced_run_id: Optional[str]
    rows_overriding: int  # rows of earlier files whose key this file's rows now hold
    rows_overridden: int  # rows of this file whose key a later file holds

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _is_precondition_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


def _head(s3: Any, bucket: str, key: str) -> Optional[Dict[str, Any]]:
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _member_of(key: str, head: Dict[str, Any]) -> Member:
    meta = head.get("Metadata", {})
    return Member(
        key=key,
        member=key.rsplit("/", 1)[-1][: -len(".parquet")],
        run_id=meta.get("run-id", ""),
        received_at=meta.get("received-at", ""),
        source=unquote(meta.get("source", "")),
        rows=int(meta.get("rows", "0")),
    )


def _members(s3: Any, bucket: str, prefix: str) -> List[Member]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            head = _head(s3, bucket, obj["Key"])
            if head is not None:
                out.append(_member_of(obj["Key"], head))
    return sorted(out, key=lambda m: m.order)


def _read(s3: Any, bucket: str, key: str) -> pa.Table:
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))


def object_rows(s3: Any, bucket: str, key: str) -> int:
    """Rows of a Parquet object, from its footer."""
    return pq.read_metadata(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())).num_rows


@dataclass(frozen=True)
class Merged:
    table: Optional[pa.Table]  # None when the partition is one file, published as its bytes
    kept: Dict[str, int]  # member -> rows of it in the merge
    overriding: Dict[str, int]  # member -> rows of earlier members it overrides


def merge(dataset: str, parts: List[Tuple[str, pa.Table]]) -> Merged:
    """Union of the members' rows (given oldest first); per contract key the last member's row wins.

    Within one member keys are already unique (conform dedupes a file on the contract key), so a
    repeat can only come from two files.
    """
    keys = list(DATASETS[dataset].key)
    tables = [t for _, t in parts]
    names = [m for m, _ in parts]
    if not tables:
        raise ValueError("merge needs at least one member")
    schema = tables[-1].schema
    table = pa.concat_tables([t.select(schema.names).cast(schema) for t in tables])
    owner = np.repeat(np.arange(len(tables)), [t.num_rows for t in tables])
    code = _key_code(table, keys)
    # the last row of each key wins: the first of each code in the reversed order
    _, last_from_end, counts = np.unique(code[::-1], return_index=True, return_counts=True)
    winners = table.num_rows - 1 - last_from_end
    keep = np.zeros(table.num_rows, bool)
    keep[winners] = True
    kept = {names[i]: int(n) for i, n in enumerate(np.bincount(owner[keep], minlength=len(names))) if n}
    # rows of a key beyond its winner are earlier files' rows the winner's file took over
    taken = np.bincount(owner[winners], weights=counts - 1, minlength=len(names))
    overriding = {names[i]: int(n) for i, n in enumerate(taken) if n}
    return Merged(table.filter(pa.array(keep)), kept, overriding)


def _key_code(table: pa.Table, keys: List[str]) -> np.ndarray:
    """One int64 per row, equal exactly when the contract keys are equal (dictionary codes of each
    key column combined mixed-radix, re-densified before they could overflow)."""
    code = np.zeros(table.num_rows, np.int64)
    for name in keys:
        enc = pc.dictionary_encode(table.column(name).combine_chunks(), null_encoding="encode")
        code = code * max(len(enc.dictionary), 1) + enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        code = np.unique(code, return_inverse=True)[1].astype(np.int64).ravel()
    return code


def publish_member(
    s3: Any,
    *,
    bucket: str,
    dataset: str,
    partition_date: str,
    staged_key: str,
    source_object: str,
    run_id: str,
    received_at: str,
    guard: Optional[Callable[[pa.Table], None]] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Publication:
    """Make the staged rows of one file a member of its partition and publish the merge.

    ``guard`` sees the partition as it would be published (every other member plus this file)
    before anything becomes visible, and raises to refuse it (the master-snapshot checks).
    """
    prefix = DATASETS[dataset].clean_prefix()
    member = member_id(source_object.split("://", 1)[-1].split("/", 1)[-1])
    mkey = member_key(prefix, partition_date, member)
    members_prefix = mkey.rsplit("/", 1)[0] + "/"
    target = clean_key(prefix, partition_date)

    existing = _head(s3, bucket, mkey)
    previous = _member_of(mkey, existing) if existing is not None else None
    if previous is not None and previous.run_id != run_id and previous.order > (received_at, run_id):
        _drop_staged(s3, bucket, staged_key)
        return _superseded(s3, bucket, member, members_prefix, target)

    if previous is None or previous.run_id != run_id:
        staged_body = s3.get_object(Bucket=bucket, Key=staged_key)["Body"].read()
        staged_rows = pq.read_metadata(io.BytesIO(staged_body)).num_rows
        others = [m for m in _members(s3, bucket, members_prefix) if m.member != member]
        if not others and previous is None:
            others = _adopt_legacy(s3, bucket, target, members_prefix)
        if guard is not None:
            parts = [(m.member, _read(s3, bucket, m.key)) for m in others if m.order <= (received_at, run_id)]
            parts.append((member, pq.read_table(io.BytesIO(staged_body))))
            parts += [(m.member, _read(s3, bucket, m.key)) for m in others if m.order > (received_at, run_id)]
            guard(merge(dataset, parts).table)
        s3.copy_object(
            Bucket=bucket, Key=mkey, CopySource={"Bucket": bucket, "Key": staged_key},
            MetadataDirective="REPLACE",
            Metadata={"run-id": run_id, "received-at": received_at, "source": quote(source_object, safe=""),
                      "rows": str(staged_rows)},
        )
    merged, files = _merge_and_write(s3, bucket, dataset, members_prefix, target, sleep)
    _drop_staged(s3, bucket, staged_key)
    this_rows = previous.rows if previous is not None and previous.run_id != run_id else 0
    mine = next(m for m in files if m.member == member)
    return Publication(
        member=member,
        superseded=False,
        partition_rows=sum(merged.kept.values()),
        partition_files=len(files),
        rows_replaced=this_rows,
        replaced_run_id=previous.run_id if previous is not None and previous.run_id != run_id else None,
        rows_overriding=merged.overriding.get(member, 0),
        rows_overridden=mine.rows - merged.kept.get(member, 0),
    )


def _adopt_legacy(s3: Any, bucket: str, target: str, members_prefix: str) -> List[Member]:
    """A partition published as one object before members existed keeps its rows as the oldest member."""
    head = _head(s3, bucket, target)
    if head is None:
        return []
    key = f"{members_prefix}{LEGACY_MEMBER}.parquet"
    rows = object_rows(s3, bucket, target)
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": target}, MetadataDirective="REPLACE",
                   Metadata={"run-id": "", "received-at": "", "source": "", "rows": str(rows)})
    return [_member_of(key, _head(s3, bucket, key) or {})]


def _merge_and_write(
    s3: Any, bucket: str, dataset: str, members_prefix: str, target: str, sleep: Callable[[float], None]
) -> Tuple[Merged, List[Member]]:
    for attempt in range(_ATTEMPTS):
        head = _head(s3, bucket, target)
        files = _members(s3, bucket, members_prefix)
        if len(files) == 1:  # the usual partition, one file: its bytes as they are, nothing decoded
            only = files[0]
            body = s3.get_object(Bucket=bucket, Key=only.key)["Body"].read()
            merged = Merged(None, {only.member: only.rows}, {})
        else:
            merged = merge(dataset, [(m.member, _read(s3, bucket, m.key)) for m in files])
            body = parquet_bytes(merged.table)
        condition = {"IfMatch": head["ETag"]} if head is not None else {"IfNoneMatch": "*"}
        try:
            s3.put_object(Bucket=bucket, Key=target, Body=body, **condition)
            return merged, files
        except s3.exceptions.ClientError as exc:
            if not _is_precondition_failure(exc):
                raise
            sleep(random.uniform(0, 0.2 * 2 ** attempt))  # another run published in between: merge again
    raise PartitionBusyError(
        f"s3://{bucket}/{target}: replaced by other runs {_ATTEMPTS} times while this run merged it"
    )


def _superseded(s3: Any, bucket: str, member: str, members_prefix: str, target: str) -> Publication:
    files = _members(s3, bucket, members_prefix)
    head = _head(s3, bucket, target)
    rows = object_rows(s3, bucket, target) if head else 0
    return Publication(member=member, superseded=True, partition_rows=rows, partition_files=len(files),
                       rows_replaced=0, replaced_run_id=None, rows_overriding=0, rows_overridden=0)


def _drop_staged(s3: Any, bucket: str, staged_key: str) -> None:
    s3.delete_object(Bucket=bucket, Key=staged_key)  # idempotent: deleting a missing key succeeds
