"""saleslens.ops without AWS: causes, history folding, filters, redrive decisions, text, for
ingest and curation runs; and the curated zone's rebuild (S3 in moto, in process).

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
CURATE_SM = "arn:aws:states:ap-south-1:123456789012:stateMachine:saleslens-dev-curate"
MACHINES = {"ingest": SM, "curation": CURATE_SM}
TARGET = ops.Target(table="saleslens-dev-run-ledger", state_machine_arn=SM, region="ap-south-1", account="123456789012",
                    state_machines=MACHINES)
OFFLINE = ops.Target(table=TARGET.table, state_machine_arn=SM, region="ap-south-1", account="123456789012",
                     endpoint_url="http://127.0.0.1:5000", state_machines=MACHINES)
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
        event: Dict[str, Any] = {"id": i, "type": etype, "timestamp": T0 + timedelta(seconds=i),
                                 "previousEventId": item[2] if len(item) > 2 else i - 1}
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
    assert "  cause               disk full (injected)   (--full for the whole cause)" in text
    assert "  FAILED, started 2026-11-21 02:00:00 UTC, took 20.0 s, error ConformFailed" in text
    conform = next(line for line in text.splitlines() if line.strip().startswith("ConformRows"))
    assert conform.split() == ["ConformRows", "Task", "02:00:09.000", "02:00:14.000", "2",
                               "States.TaskFailed:", "disk", "full", "(injected)"]
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
    """Executions by name, each on the ingest state machine unless it says ``"sm": CURATE_SM``."""

    exceptions = _Errors

    def __init__(self, executions: Dict[str, Dict[str, Any]], redrive_error: Optional[ClientError] = None) -> None:
        self.executions = executions  # name -> {"status":..., "input":..., "sm":...}
        self.redrive_error = redrive_error
        self.started: List[Dict[str, Any]] = []
        self.redriven: List[str] = []
        self.described: List[str] = []

    def describe_execution(self, executionArn: str) -> Dict[str, Any]:
        self.described.append(executionArn)
        machine, name = executionArn.replace(":execution:", ":stateMachine:", 1).rsplit(":", 1)
        found = self.executions.get(name)
        if found is None or found.get("sm", SM) != machine:
            raise _Errors.ExecutionDoesNotExist(name)
        return {"executionArn": executionArn, "stateMachineArn": machine, "name": name, "input": "{}",
                **{k: v for k, v in found.items() if k != "sm"}}

    def list_executions(self, stateMachineArn: str, maxResults: int, statusFilter: Optional[str] = None, **_: Any) -> Dict[str, Any]:
        hits = [{"name": n, "status": e["status"], "startDate": e.get("startDate", T0)} for n, e in self.executions.items()
                if e.get("sm", SM) == stateMachineArn and (statusFilter is None or e["status"] == statusFilter)]
        return {"executions": sorted(hits, key=lambda e: e["startDate"], reverse=True)}

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
        self.started.append({"name": name, "input": input} if stateMachineArn == SM
                            else {"sm": stateMachineArn, "name": name, "input": input})
        self.executions[name] = {"status": "RUNNING", "input": input, "sm": stateMachineArn}
        return {"executionArn": ops.execution_arn(stateMachineArn, name)}


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
    sfn = FakeSfn({"bad": {"status": "TIMED_OUT", "input": '{"key": "k"}'}, "bad-r1": {"status": "FAILED"}},
                  redrive_error=_client_error("500", "<html>", 500))
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
                   "bad": {"status": "TIMED_OUT"}},
                  redrive_error=_client_error("ExecutionNotRedrivable", "Execution history event limit exceeded."))
    cases = {
        "ok": "run ok is SUCCEEDED; only FAILED, TIMED_OUT, ABORTED runs can be redriven",
        "stuck": "run stuck is RUNNING; only FAILED, TIMED_OUT, ABORTED runs can be redriven",
        "nope": "no run 'nope' in the run ledger saleslens-dev-run-ledger (ap-south-1), nor an ingest or curate execution",
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


# -- curation runs -----------------------------------------------------------------------------
HIER_ERROR = "P00002 (BUH) reports to P00003, which is not a position on 2026-06-01"
HIER_CAUSE = json.dumps({"errorType": "HierarchyError", "errorMessage": HIER_ERROR})


def _curation(run_id: str, status: str, minute: int, **extra: Any) -> Dict[str, Any]:
    return {"run_id": run_id, "pipeline": "curation", "status": status, "dataset": extra.pop("dataset", "erp_primary_invoices"),
            "partition_date": extra.pop("partition_date", "2026-11-20"), "started_at": f"2026-11-21T03:{minute:02d}:00.000Z",
            **extra}


CURATION = [
    _curation("c-ok", "SUCCEEDED", 1, source_run_id="ok", rows_in=4, rows_written=5, partitions_written=2, partitions_deleted=0,
              duplicates_dropped=1, curated_tables=json.dumps(["cur_erp__primary_lines"])),
    _curation("c-tree", "FAILED", 2, dataset="hr_positions", partition_date="2026-06-01", source_run_id="hr", failed_state="Curate",
              error_name="CurateFailed", error="HierarchyError", cause=HIER_CAUSE),
    _curation("c-stuck", "RUNNING", 3, source_run_id="stuck"),
    _curation("c-tree-r1", "SUCCEEDED", 4, dataset="hr_positions", partition_date="2026-06-01", source_run_id="hr", rows_in=0,
              rows_written=9, partitions_written=2, partitions_deleted=0, duplicates_dropped=0,
              curated_tables=json.dumps(["cur_hr__position_closure", "cur_hr__position_versions"])),
]
BOTH = LEDGER + CURATION  # the curation items are the newest


def test_curation_runs_are_listed_from_the_pipeline_index_with_live_status_from_the_curate_state_machine():
    ddb, sfn = FakeLedger(BOTH), FakeSfn({"c-stuck": {"status": "TIMED_OUT", "sm": CURATE_SM}})
    runs = ops.list_runs(ddb, sfn, TARGET, pipeline="curation", limit=10)
    assert ddb.queries[-1]["IndexName"] == "by_pipeline" and ddb.queries[-1]["ExpressionAttributeValues"][":v"] == {"S": "curation"}
    assert [(r.run_id, r.status, r.ledger_status) for r in runs] == [
        ("c-tree-r1", "SUCCEEDED", "SUCCEEDED"), ("c-stuck", "TIMED_OUT", "RUNNING"), ("c-tree", "FAILED", "FAILED"),
        ("c-ok", "SUCCEEDED", "SUCCEEDED")]
    assert sfn.described == [ops.execution_arn(CURATE_SM, "c-stuck")]
    ok = runs[-1]
    assert (ok.pipeline, ok.source_run_id, ok.rows_in, ok.rows_written, ok.partitions_written, ok.duplicates_dropped,
            ok.curated_tables) == ("curation", "ok", 4, 5, 2, 1, ["cur_erp__primary_lines"])
    assert runs[2].restarted_as == ["c-tree-r1"]
    # and the ingest listing (the default) leaves them out
    assert "c-ok" not in [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, limit=20)]


def test_a_dataset_filter_looks_past_the_other_pipelines_runs():
    # by_dataset holds both pipelines' items: the three newest erp_primary_invoices items are curation runs.
    ddb, sfn = FakeLedger(BOTH), FakeSfn({"stuck": {"status": "RUNNING"}, "c-stuck": {"status": "RUNNING", "sm": CURATE_SM}})
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, dataset="erp_primary_invoices", limit=2)] == ["bad-r1", "stuck"]
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, pipeline="curation", dataset="hr_positions")] == ["c-tree-r1", "c-tree"]
    assert [r.run_id for r in ops.list_runs(ddb, sfn, TARGET, pipeline="curation", status="failed")] == ["c-tree"]
    with pytest.raises(ops.OpsError, match="unknown pipeline 'curate'; expected one of ingest, curation"):
        ops.list_runs(ddb, sfn, TARGET, pipeline="curate")


def test_curation_runs_table_shows_partition_counts_the_ingest_run_and_why_a_run_failed():
    runs = ops.list_runs(FakeLedger(BOTH), FakeSfn({"c-stuck": {"status": "ABORTED", "sm": CURATE_SM}}), TARGET, pipeline="curation")
    text = ops.format_runs(runs, pipeline="curation").splitlines()
    assert text[0].split() == ["STARTED", "(UTC)", "STATUS", "DATASET", "PARTITION", "ROWS", "IN", "ROWS", "OUT", "PARTS", "OUT",
                               "RUN", "ID"]
    ok = text.index(next(line for line in text if line.endswith("  c-ok")))
    assert text[ok].split() == ["2026-11-21", "03:01:00", "SUCCEEDED", "erp_primary_invoices", "2026-11-20", "4", "5", "2", "c-ok"]
    assert text[ok + 1].strip() == "after  ingest run ok"
    # the columns line up with the header
    assert text[ok].index(" 4 ") + 1 == text[0].index("ROWS IN") + len("ROWS IN") - 1
    bad = text.index(next(line for line in text if line.endswith("  c-tree")))
    assert text[bad].split()[2:] == ["FAILED", "hr_positions", "2026-06-01", "-", "-", "-", "c-tree"]
    assert text[bad + 1].strip() == "after  ingest run hr"
    assert text[bad + 2].strip() == "error  Curate: CurateFailed (HierarchyError)"
    assert text[bad + 3].strip() == "why    P00002 (BUH) reports to P00003, which is not a position on 2026-06-01"
    assert text[bad + 4].strip() == "redo   restarted as c-tree-r1"
    assert any(line.split()[2] == "ABORTED*" for line in text[1:] if line.endswith("c-stuck"))
    assert ops.format_runs([], pipeline="curation") == "no curation runs found"


def test_a_runs_json_carries_its_own_pipelines_fields():
    curation = ops.run_from_item(CURATION[0]).as_dict()
    assert (curation["pipeline"], curation["source_run_id"], curation["rows_written"], curation["partitions_written"],
            curation["partitions_deleted"], curation["duplicates_dropped"], curation["curated_tables"]) == (
        "curation", "ok", 5, 2, 0, 1, ["cur_erp__primary_lines"])
    assert not {"object_key", "rows_clean", "rows_quarantined", "rows_deduplicated"} & set(curation)
    ingest = ops.run_from_item(LEDGER[0]).as_dict()
    assert ingest["pipeline"] == "ingest" and ingest["rows_clean"] == 4
    assert not {"source_run_id", "rows_written", "partitions_written", "curated_tables"} & set(ingest)


def test_show_finds_a_curation_run_on_the_curate_state_machine_from_its_ledger_item():
    class History(FakeSfn):
        def get_execution_history(self, executionArn: str, maxResults: int, **_: Any) -> Dict[str, Any]:
            self.history_of = executionArn
            return {"events": _history(("TaskStateEntered", {"name": "Curate"}), ("TaskScheduled", {}),
                                       ("TaskFailed", {"error": "HierarchyError", "cause": HIER_CAUSE}),
                                       ("TaskStateExited", {"name": "Curate"}))}

    sfn = History({"c-tree": {"status": "FAILED", "sm": CURATE_SM, "startDate": T0}})
    detail = ops.show_run(FakeLedger(BOTH), sfn, TARGET, "c-tree")
    assert sfn.described == [ops.execution_arn(CURATE_SM, "c-tree")]  # the ledger item named the pipeline: one lookup
    assert sfn.history_of == ops.execution_arn(CURATE_SM, "c-tree")
    assert [(s.name, s.result) for s in detail.steps] == [("Curate", f"HierarchyError: {HIER_ERROR}")]
    text = ops.format_run_detail(detail).splitlines()
    assert text[1:4] == ["  run_id              c-tree", "  pipeline            curation", "  status              FAILED"]
    assert "  source_run_id       hr" in text and "  failed_state        Curate" in text
    ok = ops.format_run_detail(ops.RunDetail(run_id="c-ok", item=CURATION[0], execution={}, steps=[])).splitlines()
    assert "  curated_tables      cur_erp__primary_lines" in ok and "  partitions_written  2" in ok


def test_a_run_without_a_ledger_item_is_looked_for_on_each_state_machine():
    # It failed in RecordRunStarted: no ledger item, only the execution on the curate state machine.
    sfn = FakeSfn({"c-noledger": {"status": "FAILED", "sm": CURATE_SM, "input": '{"run_id": "x"}'}})
    outcome = ops.redrive(FakeLedger(BOTH), sfn, TARGET, "c-noledger")
    assert sfn.described[:2] == [ops.execution_arn(SM, "c-noledger"), ops.execution_arn(CURATE_SM, "c-noledger")]
    assert sfn.started == [{"sm": CURATE_SM, "name": "c-noledger-r1", "input": '{"run_id": "x"}'}]
    assert outcome.execution_arn == ops.execution_arn(CURATE_SM, "c-noledger-r1")


def test_a_failed_curation_run_is_restarted_on_the_curate_state_machine_with_its_input():
    detail = '{"run_id": "hr", "dataset": "hr_positions", "partition_date": "2026-06-01"}'
    sfn = FakeSfn({"c-tree": {"status": "FAILED", "sm": CURATE_SM, "input": detail}, "c-tree-r1": {"status": "SUCCEEDED", "sm": CURATE_SM}})
    outcome = ops.redrive(FakeLedger(BOTH), sfn, TARGET, "c-tree")
    assert sfn.redriven == [] and sfn.started == [{"sm": CURATE_SM, "name": "c-tree-r2", "input": detail}]
    assert (outcome.mode, outcome.execution_name, outcome.status) == ("restarted", "c-tree-r2", "RUNNING")
    assert ops.format_redrive(outcome).startswith("RESTARTED run c-tree (not redriven: it failed through its catch handler")
    # a timed-out one is redriven natively, on its own state machine
    sfn = FakeSfn({"c-stuck": {"status": "TIMED_OUT", "sm": CURATE_SM}})
    assert ops.redrive(FakeLedger(BOTH), sfn, TARGET, "c-stuck").mode == "redriven"
    assert sfn.redriven == ["c-stuck"]


def test_a_curation_run_in_the_ledger_whose_execution_is_gone_says_so():
    with pytest.raises(ops.OpsError) as err:
        ops.show_run(FakeLedger(BOTH), FakeSfn({"c-ok": {"status": "SUCCEEDED"}}), TARGET, "c-ok")  # only on the ingest machine
    assert str(err.value) == (f"curation run c-ok is in the run ledger but Step Functions has no execution "
                              f"{ops.execution_arn(CURATE_SM, 'c-ok')} (older than its 90-day history?)")


def test_resolve_target_names_every_pipelines_state_machine():
    from saleslens.config import load_config

    class Session:
        region_name = "ap-south-1"

    target = ops.resolve_target(load_config(), Session(), account="123456789012")
    assert target.state_machine("ingest") == target.state_machine_arn
    assert target.execution_arn("c-x", "curation") == "arn:aws:states:ap-south-1:123456789012:execution:saleslens-dev-curate:c-x"
    assert target.pipelines == ["ingest", "curation", "distribution", "training", "forecast"]


# -- rebuilding the curated zone -----------------------------------------------------------------
INV_HEADER = "invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
POS_HEADER = "position_id,role,parent_position_id,territory_code,position_name\n"


@pytest.fixture()
def s3():
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name="ap-south-1")
        for bucket in ("clean", "curated"):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        yield client


def _publish(s3: Any, table: str, dt: str, text: str) -> None:
    from saleslens.contracts import DATASETS
    from saleslens.contracts.validation import conform_bytes
    from saleslens.curate.store import parquet_bytes
    from saleslens.ingest.naming import clean_key

    result = conform_bytes(DATASETS[table], text.encode())
    s3.put_object(Bucket="clean", Key=clean_key(DATASETS[table].clean_prefix(), dt), Body=parquet_bytes(result.clean))


def _rebuild(s3: Any, sfn: Any, said: Optional[List[str]] = None, **kw: Any) -> ops.RebuildOutcome:
    from saleslens.config import CalendarConfig
    from saleslens.curate.run import CurateSettings

    settings = CurateSettings(CalendarConfig(), {"dcr_allowed_days": "2", "main_country": "IN"})
    return ops.rebuild_curated(s3, sfn, TARGET, clean_bucket=kw.pop("clean", "clean"), curated_bucket=kw.pop("curated", "curated"),
                               settings=settings, progress=(said if said is not None else []).append)


def test_rebuild_rebuilds_every_table_from_the_clean_zone_and_counts_it(s3):
    _publish(s3, "erp_primary_invoices", "2026-11-20", INV_HEADER + "INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
                                                                    "INV202611190007,1,2026-11-19,STK00002,SKU00002,3,0,12.50,0.00\n")
    _publish(s3, "hr_positions", "2026-04-01", POS_HEADER + "P00001,CMO,,,CMO\nP00002,BUH,P00001,,BU\n")
    s3.put_object(Bucket="curated", Key="_index/cur_erp__primary_lines.json", Body=b"not json")  # a broken index
    said: List[str] = []
    outcome = _rebuild(s3, FakeSfn({"c-old": {"status": "SUCCEEDED", "sm": CURATE_SM, "startDate": T0}}), said)
    assert "rebuilt from hr_positions: cur_hr__position_closure, cur_hr__position_versions" in said
    assert "rebuilt cur_erp__primary_lines: 2 partitions, 2 rows" in said
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="curated")["Contents"]}
    assert {"cur_erp__primary_lines/dt=2026-11-19/data.parquet", "cur_erp__primary_lines/dt=2026-11-20/data.parquet"} <= keys
    assert json.loads(s3.get_object(Bucket="curated", Key="_index/cur_erp__primary_lines.json")["Body"].read())["sources"]
    assert {"cur_erp__primary_lines", "cur_hr__position_closure", "cur_hr__position_versions"} <= set(outcome.tables)
    assert outcome.partitions_written >= 4 and outcome.started_meanwhile == [] and outcome.run_id.startswith("rebuild-")
    text = ops.format_rebuild(outcome)
    assert text.startswith(f"rebuilt {len(outcome.tables)} curated tables from s3://clean into s3://curated in ")
    assert f": {outcome.partitions_written} partitions written ({outcome.rows_written} rows), 0 deleted" in text
    assert "\n" not in text


def test_rebuild_refuses_while_a_curation_run_is_running(s3):
    sfn = FakeSfn({"c-now": {"status": "RUNNING", "sm": CURATE_SM}, "ingest-now": {"status": "RUNNING"}})
    with pytest.raises(ops.OpsError) as err:
        _rebuild(s3, sfn)
    assert str(err.value).startswith("1 curation run(s) RUNNING (c-now); a rebuild now would race them over the curated zone")
    assert "_index/" not in str(s3.list_objects_v2(Bucket="curated"))


def test_rebuild_warns_about_curation_runs_that_started_while_it_ran(s3):
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    outcome = _rebuild(s3, FakeSfn({"c-new": {"status": "SUCCEEDED", "sm": CURATE_SM, "startDate": later},
                                    "c-old": {"status": "SUCCEEDED", "sm": CURATE_SM, "startDate": T0}}))
    assert outcome.started_meanwhile == ["c-new"]
    assert ops.format_rebuild(outcome).splitlines()[1] == (
        "WARNING: 1 curation run(s) started during the rebuild (c-new): the rebuild may have overwritten what they wrote: "
        "run `saleslens curate --rebuild` again once no curation run is RUNNING")


def test_rebuild_errors_a_person_can_act_on_are_one_line(s3):
    _publish(s3, "hr_positions", "2026-06-01", POS_HEADER + "P00001,CMO,,,CMO\nP00002,BUH,P00003,,BU\n")
    with pytest.raises(ops.OpsError) as err:
        _rebuild(s3, FakeSfn({}))
    assert str(err.value).startswith("rebuild stopped after 0 step(s): "
                                     "HierarchyError: P00002 (BUH) reports to P00003, which is not a position")
    assert str(err.value).endswith("; fix the clean data it names, then run the rebuild again") and "\n" not in str(err.value)
    with pytest.raises(ops.OpsError, match=r"^bucket missing-clean not found \(wrong account or region\? pass --region/--account\)$"):
        _rebuild(s3, FakeSfn({}), clean="missing-clean")


def test_rebuild_without_s3_permission_says_what_it_needs():
    class Denied:
        def get_paginator(self, _name: str) -> Any:
            return self

        def paginate(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "ListObjectsV2")

    with pytest.raises(ops.OpsError) as err:
        _rebuild(Denied(), FakeSfn({}), clean="lake-clean", curated="lake-curated")
    assert str(err.value) == ("AWS refused s3:ListObjectsV2: AccessDenied: Access Denied (the rebuild needs read on s3://lake-clean, "
                              "read/write on s3://lake-curated and use of the lake's KMS key)")
