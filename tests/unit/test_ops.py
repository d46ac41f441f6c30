"""saleslens.ops without AWS: causes, history folding, filters, redrive decisions, text.

The same commands run for real against the embedded AWS in tests/e2e/test_ops_cli.py.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from saleslens import ops

T0 = datetime(2026, 11, 21, 2, 0, 0, tzinfo=timezone.utc)
SM = "arn:aws:states:ap-south-1:123456789012:stateMachine:saleslens-dev-ingest"
TARGET = ops.Target(table="saleslens-dev-run-ledger", state_machine_arn=SM, region="ap-south-1", account="123456789012")
OFFLINE = ops.Target(table=TARGET.table, state_machine_arn=SM, region="ap-south-1", account="123456789012", endpoint_url="http://127.0.0.1:5000")
GLUE_CAUSE = json.dumps({"Id": "jr_1", "JobName": "saleslens-dev-conform", "JobRunState": "FAILED", "ErrorMessage": "disk full (injected)"})


# -- causes ------------------------------------------------------------------------------------
def test_short_cause_reads_the_message_inside_glue_lambda_and_failure_record_causes():
    lam = json.dumps({"errorType": "DataQualityError", "errorMessage": "75.0% of rows quarantined (limit 25%)", "stackTrace": ["..."]})
    record = json.dumps({"state": "ConformRows", "error": "States.TaskFailed", "cause": GLUE_CAUSE})
    assert ops.short_cause(GLUE_CAUSE) == "disk full (injected)"
    assert ops.short_cause(lam) == "75.0% of rows quarantined (limit 25%)"
    assert ops.short_cause(record) == "disk full (injected)"
    assert ops.short_cause("plain\n  text   cause") == "plain text cause"
    assert ops.short_cause("x" * 50, width=10) == "xxxxxxx..."
    assert ops.short_cause(None) == ""
    assert ops.short_cause('{"no": "message"}') == '{"no": "message"}'


# -- history -----------------------------------------------------------------------------------
def _history(*spec: Any) -> List[Dict[str, Any]]:
    """Events from (type, details-or-None[, previousEventId]) tuples, one second apart."""
    events = []
    for i, item in enumerate(spec, start=1):
        etype, details = item[0], item[1]
        event: Dict[str, Any] = {"id": i, "type": etype, "timestamp": T0 + timedelta(seconds=i), "previousEventId": item[2] if len(item) > 2 else i - 1}
        if details is not None:
            key = etype[0].lower() + etype[1:]
            if etype.endswith("StateEntered"):
                key = "stateEntered"
            elif etype.endswith("StateExited"):
                key = "stateExited"
            event[f"{key}EventDetails"] = details
        events.append(event)
    return events


FAILED_CONFORM = _history(
    ("ExecutionStarted", {"input": "{}"}),
    ("TaskStateEntered", {"name": "ValidateFile"}),
    ("TaskScheduled", {"resource": "invoke"}),
    ("TaskStarted", {}),
    ("TaskFailed", {"error": "Lambda.TooManyRequestsException", "cause": "throttled"}),
    ("TaskScheduled", {"resource": "invoke"}),
    ("TaskSucceeded", {"output": "{}"}),
    ("TaskStateExited", {"name": "ValidateFile"}),
    ("TaskStateEntered", {"name": "ConformRows"}),
    ("TaskScheduled", {"resource": "startJobRun.sync"}),
    ("TaskFailed", {"error": "States.TaskFailed", "cause": GLUE_CAUSE}),
    ("TaskScheduled", {"resource": "startJobRun.sync"}),
    ("TaskFailed", {"error": "States.TaskFailed", "cause": GLUE_CAUSE}),
    ("TaskStateExited", {"name": "ConformRows"}),
    ("PassStateEntered", {"name": "RecordConformRowsFailure"}),
    ("PassStateExited", {"name": "RecordConformRowsFailure"}),
    ("FailStateEntered", {"name": "FailRun"}),
    ("ExecutionFailed", {"error": "ConformFailed", "cause": json.dumps({"state": "ConformRows", "cause": GLUE_CAUSE})}),
)


def test_history_folds_into_one_step_per_state_with_attempts_and_results():
    steps = ops.state_steps(FAILED_CONFORM)
    assert [(s.name, s.kind, s.attempts, s.result) for s in steps] == [
        ("ValidateFile", "Task", 2, "succeeded after 1 failed attempt(s) (Lambda.TooManyRequestsException)"),
        ("ConformRows", "Task", 2, "States.TaskFailed: disk full (injected)"),
        ("RecordConformRowsFailure", "Pass", 0, "ok"),
        ("FailRun", "Fail", 0, "ConformFailed: disk full (injected)"),
    ]
    conform = steps[1]
    assert conform.entered == T0 + timedelta(seconds=9) and conform.exited == T0 + timedelta(seconds=14)
    assert [f["error"] for f in conform.failures] == ["States.TaskFailed", "States.TaskFailed"]
    assert steps[3].exited is None


def test_interleaved_branches_are_attributed_through_previous_event_ids():
    events = _history(
        ("ParallelStateEntered", {"name": "Both"}),
        ("TaskStateEntered", {"name": "Left"}, 1),
        ("TaskStateEntered", {"name": "Right"}, 1),
        ("TaskScheduled", {}, 2),  # Left
        ("TaskScheduled", {}, 3),  # Right
        ("TaskFailed", {"error": "Boom", "cause": "right broke"}, 5),
        ("TaskSucceeded", {}, 4),
        ("TaskStateExited", {"name": "Left"}, 7),
    )
    left, right = ops.state_steps(events)[1:]
    assert (left.name, left.attempts, left.result) == ("Left", 1, "succeeded")
    assert (right.name, right.attempts, right.result) == ("Right", 1, "Boom: right broke")


def test_a_redrive_shows_as_a_marker_and_the_state_run_again():
    events = FAILED_CONFORM[:-1] + _history(
        ("ExecutionFailed", {"error": "ConformFailed", "cause": "x"}),
        ("ExecutionRedriven", {"redriveCount": 1}),
        ("TaskStateEntered", {"name": "ConformRows"}),
        ("TaskScheduled", {}),
        ("TaskSucceeded", {}),
        ("TaskStateExited", {"name": "ConformRows"}),
    )
    steps = ops.state_steps(events)
    assert [s.name for s in steps[-3:]] == ["FailRun", "-- redriven (redrive 1) --", "ConformRows"]
    assert steps[-1].result == "succeeded"


def test_run_detail_text_shows_ledger_tries_and_truncated_or_full_causes():
    detail = ops.RunDetail(
        run_id="r1",
        item={"run_id": "r1", "status": "FAILED", "failed_state": "ConformRows", "error_name": "ConformFailed", "cause": GLUE_CAUSE},
        execution={"executionArn": f"{SM}:r1".replace(":stateMachine:", ":execution:"), "status": "FAILED", "startDate": T0,
                   "stopDate": T0 + timedelta(seconds=20), "error": "ConformFailed"},
        steps=ops.state_steps(FAILED_CONFORM),
    )
    text = ops.format_run_detail(detail)
    assert "  cause             disk full (injected)   (--full for the whole cause)" in text
    assert "  FAILED, started 2026-11-21 02:00:00 UTC, took 20.0 s, error ConformFailed" in text
    conform = next(line for line in text.splitlines() if line.strip().startswith("ConformRows"))
    assert conform.split() == ["ConformRows", "Task", "02:00:09.000", "02:00:14.000", "2", "States.TaskFailed:", "disk", "full", "(injected)"]
    full = ops.format_run_detail(detail, full=True)
    assert full.count("attempt 1 failed: States.TaskFailed") == 1 and '"JobName": "saleslens-dev-conform"' in full


# -- listing -----------------------------------------------------------------------------------
class _Errors:
    class ExecutionDoesNotExist(Exception):
        pass

    class InvalidArn(Exception):
        pass

    class ExecutionAlreadyExists(Exception):
        pass


class FakeLedger:
    """The two DynamoDB calls saleslens.ledger makes, over plain items."""

    def __init__(self, items: List[Dict[str, Any]]) -> None:
        self.items = items
        self.queries: List[Dict[str, Any]] = []

    def query(self, **kw: Any) -> Dict[str, Any]:
        self.queries.append(kw)
        field = "dataset" if kw["IndexName"] == "by_dataset" else "pipeline"
        value = kw["ExpressionAttributeValues"][":v"]["S"]
        hits = sorted((i for i in self.items if i.get(field) == value), key=lambda i: i["started_at"], reverse=True)
        s = TypeSerializer()
        return {"Items": [{k: s.serialize(v) for k, v in i.items()} for i in hits[: kw["Limit"]]]}

    def get_item(self, **kw: Any) -> Dict[str, Any]:
        run_id = kw["Key"]["run_id"]["S"]
        s = TypeSerializer()
        hit = next((i for i in self.items if i["run_id"] == run_id), None)
        return {"Item": {k: s.serialize(v) for k, v in hit.items()}} if hit else {}


class FakeSfn:
    exceptions = _Errors

    def __init__(self, executions: Dict[str, Dict[str, Any]], redrive_error: Optional[ClientError] = None) -> None:
        self.executions = executions  # name -> {"status":..., "input":...}
        self.redrive_error = redrive_error
        self.started: List[Dict[str, Any]] = []
        self.redriven: List[str] = []

    def describe_execution(self, executionArn: str) -> Dict[str, Any]:
        name = executionArn.rsplit(":", 1)[1]
        if name not in self.executions:
            raise _Errors.ExecutionDoesNotExist(name)
        return {"executionArn": executionArn, "stateMachineArn": SM, "name": name, "input": "{}", **self.executions[name]}

    def redrive_execution(self, executionArn: str) -> Dict[str, Any]:
        if self.redrive_error is not None:
            raise self.redrive_error
        name = executionArn.rsplit(":", 1)[1]
        self.redriven.append(name)
        self.executions[name].update(status="RUNNING", redriveCount=self.executions[name].get("redriveCount", 0) + 1)
        return {"redriveDate": T0}

    def start_execution(self, stateMachineArn: str, name: str, input: str) -> Dict[str, Any]:
        if name in self.executions:
            raise _Errors.ExecutionAlreadyExists(name)
        self.started.append({"name": name, "input": input})
        self.executions[name] = {"status": "RUNNING", "input": input}
        return {"executionArn": ops.execution_arn(SM, name)}


def _item(run_id: str, status: str, minute: int, **extra: Any) -> Dict[str, Any]:
    return {"run_id": run_id, "pipeline": "ingest", "status": status, "dataset": extra.pop("dataset", "erp_primary_invoices"),
            "partition_date": "2026-11-20", "started_at": f"2026-11-21T02:{minute:02d}:00.000Z",
            "object_key": "s3://landing-bucket/erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv", **extra}


LEDGER = [
    _item("ok", "SUCCEEDED", 1, rows_in=6, rows_clean=4, rows_quarantined=1, rows_deduplicated=1),
    _item("bad", "FAILED", 2, failed_state="ConformRows", error_name="ConformFailed", error="States.TaskFailed", cause=GLUE_CAUSE),
    _item("stuck", "RUNNING", 3),
    _item("hr", "SUCCEEDED", 4, dataset="hr_positions", rows_in=2, rows_clean=2, rows_quarantined=0, rows_deduplicated=0),
    _item("bad-r1", "SUCCEEDED", 5, rows_in=1, rows_clean=1, rows_quarantined=0, rows_deduplicated=0),
]


def test_runs_are_newest_first_with_live_status_for_ledger_running_items():
    sfn = FakeSfn({"stuck": {"status": "TIMED_OUT"}})
    runs = ops.list_runs(FakeLedger(LEDGER), sfn, TARGET, limit=10)
    assert [(r.run_id, r.status, r.ledger_status) for r in runs] == [
        ("bad-r1", "SUCCEEDED", "SUCCEEDED"), ("hr", "SUCCEEDED", "SUCCEEDED"), ("stuck", "TIMED_OUT", "RUNNING"),
        ("bad", "FAILED", "FAILED"), ("ok", "SUCCEEDED", "SUCCEEDED")]
    assert runs[3].restarted_as == ["bad-r1"]


def test_runs_filter_by_status_and_dataset_and_reject_unknown_statuses():
    ddb = FakeLedger(LEDGER)
    sfn = FakeSfn({"stuck": {"status": "RUNNING"}})
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, status="failed")] == ["bad"]
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, status="RUNNING")] == ["stuck"]
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, dataset="hr_positions")] == ["hr"]
    assert ddb.queries[-1]["IndexName"] == "by_dataset"
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, limit=2)] == ["bad-r1", "hr"]
    with pytest.raises(ops.OpsError, match="unknown status 'BROKEN'"):
        ops.list_runs(ddb, sfn, TARGET, status="BROKEN")


def test_runs_table_shows_counts_file_and_why_a_run_failed():
    runs = ops.list_runs(FakeLedger(LEDGER), FakeSfn({"stuck": {"status": "ABORTED"}}), TARGET, limit=10)
    text = ops.format_runs(runs).splitlines()
    assert text[0].split() == ["STARTED", "(UTC)", "STATUS", "DATASET", "ROWS", "IN", "CLEAN", "QUAR.", "RUN", "ID"]
    ok = text.index(next(line for line in text if line.endswith("  ok")))
    assert text[ok].split() == ["2026-11-21", "02:01:00", "SUCCEEDED", "erp_primary_invoices", "6", "4", "1", "ok"]
    assert text[ok + 1].split() == ["file", "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"]
    bad = text.index(next(line for line in text if line.endswith("  bad")))
    assert text[bad].split()[2:8] == ["FAILED", "erp_primary_invoices", "-", "-", "-", "bad"]
    assert text[bad + 2].strip() == "error  ConformRows: ConformFailed (States.TaskFailed)"
    assert text[bad + 3].strip() == "why    disk full (injected)"
    assert text[bad + 4].strip() == "redo   restarted as bad-r1"
    assert any(line.split()[2] == "ABORTED*" for line in text[1:] if line.endswith("stuck"))
    assert text[-1].startswith("* live status from Step Functions")
    assert ops.format_runs([]) == "no ingest runs found"


# -- redrive -----------------------------------------------------------------------------------
def _client_error(code: str, message: str = "", http: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": http}}, "RedriveExecution")


def test_a_failed_run_is_restarted_because_redrive_would_only_replay_its_fail_state():
    sfn = FakeSfn({"bad": {"status": "FAILED", "input": '{"key": "k"}'}})
    outcome = ops.redrive(FakeLedger(LEDGER), sfn, TARGET, "bad")
    assert sfn.redriven == [] and sfn.started == [{"name": "bad-r1", "input": '{"key": "k"}'}]
    assert (outcome.mode, outcome.execution_name) == ("restarted", "bad-r1")
    assert ops.format_redrive(outcome).startswith(
        "RESTARTED run bad (not redriven: it failed through its catch handler, so RedriveExecution would only replay FailRun)")


def test_redrive_calls_redrive_execution_and_reports_the_redrive_count():
    sfn = FakeSfn({"bad": {"status": "TIMED_OUT", "redriveCount": 0}})
    outcome = ops.redrive(FakeLedger(LEDGER), sfn, TARGET, "bad")
    assert sfn.redriven == ["bad"] and sfn.started == []
    assert (outcome.mode, outcome.execution_name, outcome.status, outcome.redrive_count) == ("redriven", "bad", "RUNNING", 1)
    assert ops.format_redrive(outcome).startswith("redrove run bad: redrive 1, status RUNNING")


def test_offline_endpoint_without_redrive_restarts_under_the_next_free_name():
    sfn = FakeSfn({"bad": {"status": "TIMED_OUT", "input": '{"key": "k"}'}, "bad-r1": {"status": "FAILED"}}, redrive_error=_client_error("500", "<html>", 500))
    outcome = ops.redrive(FakeLedger(LEDGER), sfn, OFFLINE, "bad")
    assert sfn.started == [{"name": "bad-r2", "input": '{"key": "k"}'}]
    assert (outcome.mode, outcome.execution_name, outcome.status) == ("restarted", "bad-r2", "RUNNING")
    text = ops.format_redrive(outcome)
    assert text.startswith("RESTARTED run bad (not redriven: http://127.0.0.1:5000 does not implement RedriveExecution)")
    assert "new execution bad-r2" in text


def test_without_an_endpoint_an_unsupported_redrive_is_an_error_not_a_restart():
    sfn = FakeSfn({"bad": {"status": "ABORTED"}}, redrive_error=_client_error("500", "oops", 500))
    with pytest.raises(ops.OpsError, match="RedriveExecution failed for run bad with 500; retry, or pass --restart"):
        ops.redrive(FakeLedger(LEDGER), sfn, TARGET, "bad")
    assert sfn.started == []
    assert ops.redrive(FakeLedger(LEDGER), sfn, TARGET, "bad", restart=True).execution_name == "bad-r1"


def test_redrive_refusals_are_one_line_ops_errors():
    ledger = FakeLedger(LEDGER + [_item("quar", "QUARANTINED", 6, error="SchemaDriftError", failed_state="ValidateFile")])
    sfn = FakeSfn({"ok": {"status": "SUCCEEDED"}, "stuck": {"status": "RUNNING"}, "quar": {"status": "FAILED"},
                   "bad": {"status": "TIMED_OUT"}}, redrive_error=_client_error("ExecutionNotRedrivable", "Execution history event limit exceeded."))
    cases = {
        "ok": "run ok is SUCCEEDED; only FAILED, TIMED_OUT, ABORTED runs can be redriven",
        "stuck": "run stuck is RUNNING; only FAILED, TIMED_OUT, ABORTED runs can be redriven",
        "nope": "no ingest run 'nope' in the run ledger saleslens-dev-run-ledger (ap-south-1)",
        "quar": "run quar was QUARANTINED: the file itself was rejected (SchemaDriftError); land a corrected file",
        "bad": "RedriveExecution refused run bad: ExecutionNotRedrivable: Execution history event limit exceeded.",
    }
    for run_id, message in cases.items():
        with pytest.raises(ops.OpsError) as err:
            ops.redrive(ledger, sfn, OFFLINE, run_id)
        assert str(err.value).startswith(message) and "\n" not in str(err.value), run_id
    assert sfn.started == []


def test_restart_names_stay_within_80_characters():
    assert ops.restart_name("erp_primary_invoices-2026-11-20-e248b20fa7c8c73d", 1) == "erp_primary_invoices-2026-11-20-e248b20fa7c8c73d-r1"
    long_name = "x" * 80
    assert ops.restart_name(long_name, 12) == "x" * 76 + "-r12"
    assert ops.execution_arn(SM, "a") == "arn:aws:states:ap-south-1:123456789012:execution:saleslens-dev-ingest:a"


def test_a_succeeded_run_does_not_show_failure_fields_left_by_an_earlier_attempt():
    # RedriveExecution reuses the run id; RecordRunSucceeded sets the counts but leaves the old
    # failed_state/error fields in the item.
    item = _item("redriven", "SUCCEEDED", 7, rows_in=1, rows_clean=1, rows_quarantined=0, failed_state="ConformRows",
                 error_name="ConformFailed", error="States.TaskFailed", cause=GLUE_CAUSE)
    text = ops.format_runs([ops.run_from_item(item)])
    assert "error" not in text and "disk full" not in text
