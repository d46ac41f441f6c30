"""Runs that ended badly with nothing recorded: the EventBridge execution-status rule's target.

Every state machine catches its task failures, records them in the run ledger and tells ops,
then ends in ``FailRun``. Three ends skip all of that: a whole-execution timeout (``TIMED_OUT``),
a manual stop (``ABORTED``), and a failure of the failure path itself (the ledger write or the ops
message failing, which ends in ``FailRunUnannounced``). Step Functions emits an "Execution Status
Change" event for every end; this module turns the bad ones into a ledger record and an ops
alert:
- the ledger item of the run goes from RUNNING (or missing) to the end status, with a
  conditional write, so a failure the machine recorded itself is never overwritten;
- ops get a message unless the machine already sent one (a ``FailRun`` end, whose cause is the
  failure record the machine published).
Messages carry ids, statuses and error names only (the cause of a handled failure is already
free of personal data; the execution input is never copied).
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from saleslens.errors import SalesLensError

BAD_ENDS = ("FAILED", "TIMED_OUT", "ABORTED")
UNANNOUNCED = "OpsNotificationFailed"  # FailRunUnannounced's error: the ops message did not go out
_ERROR_OF = {"TIMED_OUT": "ExecutionTimedOut", "ABORTED": "ExecutionAborted"}
_CAUSE_CHARS = 1000


class ExecutionStatusEventError(SalesLensError, ValueError):
    """The event is not a Step Functions execution-status change of a SalesLens state machine."""


def pipeline_of(state_machine_arn: str, machines: Dict[str, str]) -> str:
    """The pipeline a state machine runs (``machines``: state machine name -> pipeline)."""
    name = state_machine_arn.rsplit(":", 1)[-1]
    if name not in machines:
        raise ExecutionStatusEventError(f"state machine {name!r} is not one of {', '.join(sorted(machines))}")
    return machines[name]


def _announced(detail: Dict[str, Any]) -> bool:
    """True when the machine's own failure path told ops (it ended in FailRun)."""
    if detail.get("status") != "FAILED" or detail.get("error") == UNANNOUNCED:
        return False
    try:
        record = json.loads(detail.get("cause") or "")
    except ValueError:
        return False
    return isinstance(record, dict) and record.get("error_name") == detail.get("error") and "pipeline" in record


def handle(event: Dict[str, Any], *, ddb: Any, sns: Any, ledger_table: str, topic_arn: str,
           machines: Dict[str, str], ttl_days: int) -> Dict[str, Any]:
    if event.get("detail-type") != "Step Functions Execution Status Change" or not isinstance(event.get("detail"), dict):
        raise ExecutionStatusEventError("not a Step Functions execution status change event")
    detail = event["detail"]
    for field in ("executionArn", "stateMachineArn", "name", "status"):
        if not isinstance(detail.get(field), str):
            raise ExecutionStatusEventError(f"execution status event without {field}")
    status = detail["status"]
    if status not in BAD_ENDS:
        return {"run_id": detail["name"], "status": status, "recorded": False, "alerted": False}
    pipeline = pipeline_of(detail["stateMachineArn"], machines)
    error = detail.get("error") or _ERROR_OF.get(status, "ExecutionFailed")
    cause = (detail.get("cause") or "")[:_CAUSE_CHARS]
    recorded = _record(ddb, ledger_table, run_id=detail["name"], pipeline=pipeline, status=status, error=error,
                       cause=cause, started=_iso(detail.get("startDate")), stopped=_iso(detail.get("stopDate")),
                       execution_arn=detail["executionArn"], ttl_days=ttl_days)
    alerted = False
    if not _announced(detail):
        sns.publish(
            TopicArn=topic_arn,
            Subject=f"SalesLens {pipeline} {status}: {error}"[:100],
            Message=json.dumps({"pipeline": pipeline, "status": status, "error_name": error, "execution": detail["name"],
                                "execution_arn": detail["executionArn"], "cause": cause,
                                "ledger": "recorded" if recorded else "already recorded by the run"}, indent=2),
            MessageAttributes={"error_name": {"DataType": "String", "StringValue": error},
                               "status": {"DataType": "String", "StringValue": status}},
        )
        alerted = True
    return {"run_id": detail["name"], "status": status, "recorded": recorded, "alerted": alerted}


def _record(ddb: Any, table: str, *, run_id: str, pipeline: str, status: str, error: str, cause: str,
            started: Optional[str], stopped: Optional[str], execution_arn: str, ttl_days: int) -> bool:
    """Set the run's end in the ledger unless the run recorded one itself (an item this creates,
    for a run that never wrote one, expires like the others)."""
    expires = str(int(time.time()) + ttl_days * 86400)
    values = {":s": {"S": status}, ":running": {"S": "RUNNING"}, ":e": {"S": error}, ":c": {"S": cause or "-"},
              ":p": {"S": pipeline}, ":x": {"S": execution_arn}, ":t": {"N": expires}}
    update = ("SET #s = :s, error_name = :e, cause = :c, pipeline = if_not_exists(pipeline, :p), execution_arn = :x, "
              "expires_at = if_not_exists(expires_at, :t)")
    if stopped:
        update += ", finished_at = :f"
        values[":f"] = {"S": stopped}
    if started:  # an item this creates is listed by pipeline (the by_pipeline index sorts on it)
        update += ", started_at = if_not_exists(started_at, :st)"
        values[":st"] = {"S": started}
    try:
        ddb.update_item(
            TableName=table, Key={"run_id": {"S": run_id}}, UpdateExpression=update,
            ConditionExpression="attribute_not_exists(run_id) OR #s = :running",
            ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues=values,
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _iso(value: Any) -> Optional[str]:
    """EventBridge gives stopDate in epoch milliseconds."""
    if value is None:
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")
