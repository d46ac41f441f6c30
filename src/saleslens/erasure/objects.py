"""S3 objects and their versions, as erasure reads and changes them.

Every lake bucket is versioned, so a rewritten or deleted object keeps its earlier content as a
noncurrent version: erasure looks at every version and removes each one that holds the person,
after writing the new current version (or a delete marker, so that an older version without the
person never becomes current again).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

UNVERSIONED = "null"  # the version id S3 gives objects of a bucket without versioning


@dataclass(frozen=True)
class Version:
    key: str
    version_id: str
    etag: str
    latest: bool
    size: int = 0


@dataclass(frozen=True)
class Content:
    body: bytes
    content_type: str
    metadata: Dict[str, str]


@dataclass(frozen=True)
class Edit:
    """What one version holding the person becomes: ``rows`` of theirs removed or blanked, and
    either nothing (``gone``: the object goes) or the content ``body()`` builds, written with the
    content type and metadata of ``original``."""

    rows: int
    gone: bool = False
    body: Optional[Callable[[], bytes]] = field(default=None, compare=False)
    original: Optional["Content"] = field(default=None, compare=False)


@dataclass
class ObjectChange:
    """One object that held the person. ``action``: rewritten (its current version, without
    them), deleted (every version held them, or the object is theirs), pruned (only earlier
    versions held them) or kept (its current version must stay for now: ``note`` says why)."""

    place: str
    bucket: str
    key: str
    action: str
    versions: List[str]  # version ids holding the person: removed
    rows: int
    note: str = ""

    def record(self) -> Dict[str, Any]:
        """The change as the audit log keeps it: where, what and how much, never the data."""
        out = {"place": self.place, "bucket": self.bucket, "key": self.key, "action": self.action,
               "versions_removed": len(self.versions), "rows": self.rows}
        if self.note:
            out["note"] = self.note
        return out


def grouped_versions(s3: Any, bucket: str, prefix: str, match: Callable[[str], bool] = lambda _k: True
                     ) -> Iterator[Tuple[str, List[Version]]]:
    """(key, its versions newest first) for every key under ``prefix`` that ``match`` accepts.
    A key whose newest entry is a delete marker has no latest version."""
    found: Dict[str, List[Version]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions", []):
            if match(v["Key"]):
                found.setdefault(v["Key"], []).append(
                    Version(v["Key"], v.get("VersionId") or UNVERSIONED, v["ETag"].strip('"'), bool(v.get("IsLatest")),
                            int(v.get("Size", 0))))
    for key in sorted(found):
        yield key, found[key]


def versions_of(s3: Any, bucket: str, key: str) -> List[Version]:
    return next((vs for k, vs in grouped_versions(s3, bucket, key, lambda k: k == key)), [])


def read(s3: Any, bucket: str, version: Version) -> Content:
    extra = {} if version.version_id == UNVERSIONED else {"VersionId": version.version_id}
    got = s3.get_object(Bucket=bucket, Key=version.key, **extra)
    return Content(got["Body"].read(), got.get("ContentType") or "binary/octet-stream", dict(got.get("Metadata") or {}))


def head_bytes(s3: Any, bucket: str, version: Version, size: int = 65536) -> bytes:
    if version.size == 0:
        return b""  # S3 refuses a range of an empty object
    extra = {} if version.version_id == UNVERSIONED else {"VersionId": version.version_id}
    return s3.get_object(Bucket=bucket, Key=version.key, Range=f"bytes=0-{size - 1}", **extra)["Body"].read()


def count_lines(s3: Any, bucket: str, version: Version, test: Callable[[bytes], bool]) -> int:
    """Lines of the version that ``test`` accepts, read as a stream: a raw or refused file may
    be large, and most hold nobody being erased."""
    extra = {} if version.version_id == UNVERSIONED else {"VersionId": version.version_id}
    body = s3.get_object(Bucket=bucket, Key=version.key, **extra)["Body"]
    return sum(1 for line in body.iter_lines(chunk_size=1 << 20) if test(line))


def is_precondition_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


def rewrite(s3: Any, bucket: str, key: str, content: Content, *, etag: str, remove: List[str]) -> None:
    """Write ``content`` as the key's current version, only if the current one is still ``etag``
    (a pipeline run may have replaced it meanwhile: the caller then looks again), then remove the
    versions holding the person."""
    put = s3.put_object(Bucket=bucket, Key=key, Body=content.body, ContentType=content.content_type,
                        Metadata=content.metadata, IfMatch=etag)
    new = put.get("VersionId")
    if not new:
        return  # an unversioned bucket: the put replaced the object, nothing older is kept
    for version_id in remove:
        if version_id != new:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)


def delete(s3: Any, bucket: str, key: str, *, current: bool, remove: List[str], all_versions: bool) -> None:
    """Remove the versions holding the person. When the current one is among them, a delete
    marker goes first, so that no older version becomes current; it is removed again when no
    version of the key is left."""
    marker = s3.delete_object(Bucket=bucket, Key=key).get("VersionId") if current else None
    for version_id in remove:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
    if marker and all_versions:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=marker)
