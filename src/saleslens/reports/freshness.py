"""How fresh each source is: the newest file of each dataset ingested on or before the run date.

Read once per distribution run from the run ledger (DynamoDB; one item per ingest execution with
the dataset, the file's partition date and when the file landed) by ResolveRecipients, which
writes it to ``runs/<run id>/freshness.json``; RenderReport reads that file with the run's mart
results and hands it to every report as ``RunData.freshness``. Each report's footer says, per
source system, when its last file landed and how old the newest file of each dataset is.

A row: ``source``, ``dataset`` (the clean table), ``file_date`` (the partition date of the newest
successfully ingested file dated on or before the run date) and ``landed_at`` (when that file
landed, UTC ISO 8601); a dataset with no such file on record (never sent, or its ledger items
expired) is absent.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from saleslens.contracts import DATASETS
from saleslens.ledger import BY_DATASET, _deserialize

Row = Dict[str, str]
SOURCE_NAMES = {"erp": "ERP", "stk": "Stockist statements", "crm": "CRM", "clm": "E-detailing", "evt": "Events",
                "lms": "LMS", "hr": "HR"}
IST = timezone(timedelta(hours=5, minutes=30), "IST")


def reported_datasets() -> List[str]:
    """The datasets a footer speaks of: those of the systems a report's figures come from
    (SOURCE_NAMES; not the device registry, which only routes notifications), without the one-off
    history backfills."""
    return [t for t, d in DATASETS.items() if d.backfills is None and d.source in SOURCE_NAMES]


def newest_file(items: Iterable[Mapping[str, Any]], run_date: str) -> Optional[Row]:
    """Of one dataset's ledger items, the newest file (by partition date, then landing time)
    ingested successfully and dated on or before the run date."""
    best: Optional[Tuple[str, str]] = None
    for it in items:
        part, landed = str(it.get("partition_date") or ""), str(it.get("received_at") or "")
        if it.get("status") != "SUCCEEDED" or not part or part > run_date:
            continue
        if best is None or (part, landed) > best:
            best = (part, landed)
    return None if best is None else {"file_date": best[0], "landed_at": best[1]}


def freshness_rows(ledger_items: Iterable[Mapping[str, Any]], run_date: str) -> List[Row]:
    """Freshness rows from ingest ledger items (already read), one per reported dataset."""
    by_dataset: Dict[str, List[Mapping[str, Any]]] = {}
    for it in ledger_items:
        by_dataset.setdefault(str(it.get("dataset", "")), []).append(it)
    out: List[Row] = []
    for table in reported_datasets():
        newest = newest_file(by_dataset.get(table, []), run_date)
        if newest:
            out.append({"source": DATASETS[table].source, "dataset": table, **newest})
    return out


def read_freshness(ddb: Any, table: str, run_date: str) -> List[Row]:
    """Freshness rows from the run ledger: per dataset, one query of its index (newest first);
    pages are read until an ingest item dated on or before the run date has succeeded."""
    rows: List[Row] = []
    for dataset in reported_datasets():
        kwargs: Dict[str, Any] = dict(
            TableName=table, IndexName=BY_DATASET, KeyConditionExpression="dataset = :d",
            FilterExpression="#s = :ok AND partition_date <= :r", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":d": {"S": dataset}, ":ok": {"S": "SUCCEEDED"}, ":r": {"S": run_date}},
            ScanIndexForward=False,
        )
        items: List[Dict[str, Any]] = []
        while True:
            page = ddb.query(**kwargs)
            items += [_deserialize(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        rows += freshness_rows(items, run_date) if items else []
    return rows


def _day(iso: str) -> str:
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {d:%b %Y}"


def _landed(iso: str) -> str:
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    t = t.astimezone(IST)
    return f"{t.day} {t:%b %Y, %H:%M} IST"


def _dataset_label(table: str) -> str:
    return DATASETS[table].name.replace("_", " ") if table in DATASETS else table


def source_lines(rows: Sequence[Mapping[str, str]]) -> List[Tuple[str, str]]:
    """One (source, sentence) per source system with a file on record, in the sources' order:
    when its last file landed and the dates of its datasets' newest files (ERP first, HR last).
    None when the run carries no freshness rows at all (it could not read the ledger)."""
    if not rows:
        return []
    by_source: Dict[str, List[Mapping[str, str]]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)
    expected: Dict[str, List[str]] = {}
    for table in reported_datasets():
        expected.setdefault(DATASETS[table].source, []).append(table)
    out: List[Tuple[str, str]] = []
    for source, tables in sorted(expected.items(), key=lambda kv: list(SOURCE_NAMES).index(kv[0]) if kv[0] in SOURCE_NAMES else 99):
        have = by_source.get(source)
        name = SOURCE_NAMES.get(source, source.upper())
        if not have:
            out.append((name, "no file on record"))
            continue
        last = max(have, key=lambda r: r["landed_at"])
        oldest = min(have, key=lambda r: r["file_date"])
        newest = max(r["file_date"] for r in have)
        text = f"last file landed {_landed(last['landed_at'])} ({_dataset_label(last['dataset'])} of {_day(last['file_date'])})"
        if oldest["file_date"] == newest:
            text += f"; the newest file of each dataset is dated {_day(newest)}"
        else:
            text += f"; newest files dated {_day(oldest['file_date'])} ({_dataset_label(oldest['dataset'])}) to {_day(newest)}"
        missing = [t for t in tables if t not in {r["dataset"] for r in have}]
        if missing:
            text += f"; no file on record of {', '.join(_dataset_label(t) for t in missing)}"
        out.append((name, text))
    return out


# -- the run's freshness file: written once by ResolveRecipients, read by every RenderReport -----
def freshness_key(run_id: str) -> str:
    return f"runs/{run_id}/freshness.json"


def write_freshness(s3: Any, bucket: str, run_id: str, rows: Sequence[Row]) -> str:
    key = freshness_key(run_id)
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(list(rows)).encode(), ContentType="application/json")
    return key


def read_freshness_file(s3: Any, bucket: str, run_id: str) -> List[Row]:
    rows: List[Row] = json.loads(s3.get_object(Bucket=bucket, Key=freshness_key(run_id))["Body"].read())
    return rows
