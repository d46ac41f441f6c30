"""The run ledger: one DynamoDB item per ingest or curation execution, written by the state machines.

The ingest and curate state machines put the item when a run starts (``pipeline``: ingest or
curation) and update it when the run ends (counts, or the failed state with error and cause).
An end the machine could not record (a timeout, a stop, a failed failure path) is written by
the execution-status rule's target, which also creates the item of a distribution run that
ended badly.
This module only reads it: for ops (`saleslens runs`) and for the quality gate's trailing row
counts.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Optional

KEY = "run_id"
BY_DATASET = "by_dataset"  # GSI: dataset (hash) + started_at (range)
BY_PIPELINE = "by_pipeline"  # GSI: pipeline (hash) + started_at (range)
TTL_ATTRIBUTE = "expires_at"

# TIMED_OUT and ABORTED come from the execution-status rule (saleslens.execution_status): ends
# that skip the state machines' own recording.
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "QUARANTINED", "TIMED_OUT", "ABORTED")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return [_plain(v) for v in value]
    return value


def _deserialize(item: Dict[str, Any]) -> Dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    d = TypeDeserializer()
    return {k: _plain(d.deserialize(v)) for k, v in item.items()}


def get_run(ddb: Any, table: str, run_id: str) -> Optional[Dict[str, Any]]:
    item = ddb.get_item(TableName=table, Key={KEY: {"S": run_id}}, ConsistentRead=True).get("Item")
    return _deserialize(item) if item else None


def recent_runs(ddb: Any, table: str, *, pipeline: str = "ingest", limit: int = 20, dataset: Optional[str] = None) -> List[Dict[str, Any]]:
    """Newest first."""
    if dataset:
        index, cond, values = BY_DATASET, "dataset = :v", {":v": {"S": dataset}}
    else:
        index, cond, values = BY_PIPELINE, "pipeline = :v", {":v": {"S": pipeline}}
    out: List[Dict[str, Any]] = []
    kwargs: Dict[str, Any] = dict(
        TableName=table, IndexName=index, KeyConditionExpression=cond,
        ExpressionAttributeValues=values, ScanIndexForward=False, Limit=limit,
    )
    while len(out) < limit:
        page = ddb.query(**kwargs)
        out += [_deserialize(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out[:limit]


def trailing_clean_counts(ddb: Any, table: str, dataset: str, runs: int, *, exclude_partition: str = "") -> List[int]:
    """rows_clean of the latest published run of each of the last `runs` partitions (newest first)."""
    seen: Dict[str, int] = {}
    kwargs: Dict[str, Any] = dict(
        TableName=table, IndexName=BY_DATASET, KeyConditionExpression="dataset = :d",
        FilterExpression="#s = :ok", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":d": {"S": dataset}, ":ok": {"S": "SUCCEEDED"}}, ScanIndexForward=False,
    )
    while len(seen) < runs:
        page = ddb.query(**kwargs)
        for item in map(_deserialize, page.get("Items", [])):
            part = item.get("partition_date", "")
            if part and part != exclude_partition and part not in seen and "rows_clean" in item:
                seen[part] = int(item["rows_clean"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return list(seen.values())[:runs]
