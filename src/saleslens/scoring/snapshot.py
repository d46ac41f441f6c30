"""The scores table into the lake: one curated row per opportunity scored (cur_crm__opportunity_scores).

The reports are rendered from Athena marts, and Athena does not read DynamoDB: the distribute
machine's SnapshotScores state copies the scores table into the curated zone before the marts run.
Each opportunity's row is its latest score and, for "trend since last week", the latest score at
least ``store.TREND_DAYS`` days before that one (``store.trend``: the same rule the CLI shows).

The table is read with a paginated Scan, not a Query per opportunity: a Query needs the ids first
(a read of the curated opportunities) and costs one request per opportunity, while a Scan returns
every item in 1 MB pages, one request per page (bench/README.md, Scores snapshot). Only the
attributes the row needs are projected. The object is replaced whole, so Athena sees the previous
snapshot or this one.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional

import pyarrow as pa

from saleslens.scoring import store

TABLE = "cur_crm__opportunity_scores"
FACTOR_SEPARATOR = "; "  # factor phrases (scoring.factors.PHRASES) contain no semicolon
_PROJECTION = ("opportunity_id", "scored_at", "opportunity_version", "event_type", "model", "model_version",
               "kind", "basis", "probability", "score", "positive", "negative")


def scan_scores(ddb: Any, table: str, page_size: Optional[int] = None) -> Iterator[Dict[str, Any]]:
    """Every item of the scores table, page by page (Scan follows LastEvaluatedKey; DynamoDB ends a
    page at 1 MB, or at ``page_size`` items when given)."""
    names = {f"#a{i}": a for i, a in enumerate(_PROJECTION)}
    kwargs: Dict[str, Any] = {"TableName": table, "ProjectionExpression": ", ".join(names),
                              "ExpressionAttributeNames": names}
    if page_size:
        kwargs["Limit"] = page_size
    while True:
        page = ddb.scan(**kwargs)
        yield from page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _instant(text: str) -> datetime:
    # Parquet timestamps here are naive UTC at millisecond precision (contracts: "timestamp").
    parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


def snapshot_rows(records: List[store.ScoreRecord], snapshot_at: datetime) -> pa.Table:
    """One row per opportunity: its latest score and the one a week before it (or nulls)."""
    from saleslens.curate.tables import TABLES

    by_opportunity: Dict[str, List[store.ScoreRecord]] = defaultdict(list)
    for r in records:
        by_opportunity[r.opportunity_id].append(r)
    taken = snapshot_at.astimezone(timezone.utc).replace(tzinfo=None)
    taken = taken.replace(microsecond=taken.microsecond // 1000 * 1000)
    rows: Dict[str, List[Any]] = {c: [] for c in TABLES[TABLE].column_names}
    for opportunity_id in sorted(by_opportunity):
        history = sorted(by_opportunity[opportunity_id], key=lambda r: r.scored_at, reverse=True)
        found = store.trend(history)
        assert found is not None  # every id here has at least one record
        latest, week_before = found
        values = {
            "opportunity_id": opportunity_id, "scored_at": _instant(latest.scored_at),
            "opportunity_version": latest.opportunity_version, "model": latest.model,
            "model_version": latest.model_version, "kind": latest.kind, "basis": latest.basis,
            "probability": latest.probability, "score": latest.score,
            "positive_factors": FACTOR_SEPARATOR.join(latest.positive),
            "negative_factors": FACTOR_SEPARATOR.join(latest.negative),
            "week_before_scored_at": _instant(week_before.scored_at) if week_before else None,
            "week_before_probability": week_before.probability if week_before else None,
            "week_before_score": week_before.score if week_before else None,
            "snapshot_at": taken,
        }
        for column, value in values.items():
            rows[column].append(value)
    return pa.Table.from_pydict(rows, schema=TABLES[TABLE].schema())


def snapshot(ddb: Any, s3: Any, *, scores_table: str, curated_bucket: str, now: datetime,
             page_size: Optional[int] = None) -> Dict[str, int]:
    """Scan the scores table and replace the curated snapshot; returns what it counted."""
    from saleslens.curate.store import parquet_bytes
    from saleslens.curate.tables import TABLES

    items = 0
    records: List[store.ScoreRecord] = []
    for item in scan_scores(ddb, scores_table, page_size):
        items += 1
        records.append(store.ScoreRecord.from_item(item))
    table = snapshot_rows(records, now)
    s3.put_object(Bucket=curated_bucket, Key=TABLES[TABLE].key(), Body=parquet_bytes(table),
                  ContentType="application/vnd.apache.parquet")
    return {"scores_read": items, "opportunities": table.num_rows}
