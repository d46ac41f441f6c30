"""The scores table: one item per score written, keyed (opportunity_id, scored_at).

The sort key is the scoring instant (ISO-8601 UTC, so text order is time order): the latest score
is one Query (descending, limit 1), and "trend since last week" is the latest score against the
latest one scored at least 7 days before it (``trend``). Items expire ``retention_days`` after
scoring (TTL attribute ``expires_at``). Probabilities are stored as text: DynamoDB numbers would
need Decimal and round-trip no better.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

KEY = "opportunity_id"
SORT_KEY = "scored_at"
TTL_ATTRIBUTE = "expires_at"
TREND_DAYS = 7


@dataclass(frozen=True)
class ScoreRecord:
    opportunity_id: str
    scored_at: str  # ISO-8601 UTC, e.g. 2026-11-26T23:58:00.123456Z
    opportunity_version: int
    event_type: str
    model: str  # creation | proposal
    model_version: str  # the artefact's version (the fallback's too)
    kind: str  # lightgbm | fallback: what produced the probability
    basis: str  # "model", or "fallback: <why>"
    probability: float
    score: int
    positive: Tuple[str, ...] = field(default_factory=tuple)
    negative: Tuple[str, ...] = field(default_factory=tuple)

    def to_item(self, retention_days: int) -> Dict[str, Any]:
        expires = _parse(self.scored_at) + timedelta(days=retention_days)
        item: Dict[str, Any] = {
            KEY: {"S": self.opportunity_id}, SORT_KEY: {"S": self.scored_at},
            "opportunity_version": {"N": str(self.opportunity_version)}, "event_type": {"S": self.event_type},
            "model": {"S": self.model}, "model_version": {"S": self.model_version}, "kind": {"S": self.kind},
            "basis": {"S": self.basis}, "probability": {"S": repr(float(self.probability))},
            "score": {"N": str(self.score)}, TTL_ATTRIBUTE: {"N": str(int(expires.timestamp()))},
        }
        for name in ("positive", "negative"):
            values = getattr(self, name)
            item[name] = {"L": [{"S": v} for v in values]}
        return item

    @classmethod
    def from_item(cls, item: Dict[str, Any]) -> "ScoreRecord":
        return cls(item[KEY]["S"], item[SORT_KEY]["S"], int(item["opportunity_version"]["N"]), item["event_type"]["S"],
                   item["model"]["S"], item["model_version"]["S"], item["kind"]["S"], item["basis"]["S"],
                   float(item["probability"]["S"]), int(item["score"]["N"]),
                   tuple(v["S"] for v in item.get("positive", {}).get("L", [])),
                   tuple(v["S"] for v in item.get("negative", {}).get("L", [])))


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def put(ddb: Any, table: str, record: ScoreRecord, retention_days: int) -> None:
    ddb.put_item(TableName=table, Item=record.to_item(retention_days))


def history(ddb: Any, table: str, opportunity_id: str, limit: Optional[int] = None) -> List[ScoreRecord]:
    """The opportunity's scores, newest first."""
    kwargs: Dict[str, Any] = {"TableName": table, "KeyConditionExpression": "#k = :id",
                              "ExpressionAttributeNames": {"#k": KEY},
                              "ExpressionAttributeValues": {":id": {"S": opportunity_id}}, "ScanIndexForward": False}
    if limit:
        kwargs["Limit"] = limit
    out: List[ScoreRecord] = []
    while True:
        page = ddb.query(**kwargs)
        out += [ScoreRecord.from_item(i) for i in page.get("Items", [])]
        if (limit and len(out) >= limit) or not page.get("LastEvaluatedKey"):
            return out[:limit] if limit else out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def latest(ddb: Any, table: str, opportunity_id: str) -> Optional[ScoreRecord]:
    found = history(ddb, table, opportunity_id, limit=1)
    return found[0] if found else None


def trend(records: List[ScoreRecord]) -> Optional[Tuple[ScoreRecord, Optional[ScoreRecord]]]:
    """(latest, the latest scored at least TREND_DAYS before it) from records newest first."""
    if not records:
        return None
    now = _parse(records[0].scored_at)
    week_ago = next((r for r in records[1:] if _parse(r.scored_at) <= now - timedelta(days=TREND_DAYS)), None)
    return records[0], week_ago
