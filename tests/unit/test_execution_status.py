"""The execution-status rule's target: bad ends nobody recorded reach the ledger and ops."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from saleslens.execution_status import ExecutionStatusEventError, handle

MACHINES = {"saleslens-dev-ingest": "ingest", "saleslens-dev-curate": "curation", "saleslens-dev-distribute": "distribution"}
ARN = "arn:aws:states:ap-south-1:123456789012:stateMachine:saleslens-dev-ingest"


@pytest.fixture()
def aws():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="ap-south-1")
        ddb.create_table(TableName="ledger", KeySchema=[{"AttributeName": "run_id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "run_id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        sns = boto3.client("sns", region_name="ap-south-1")
        sqs = boto3.client("sqs", region_name="ap-south-1")
        topic = sns.create_topic(Name="ops")["TopicArn"]
        queue = sqs.create_queue(QueueName="ops")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "false"})

        def messages():
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            return [json.loads(m["Body"]) for m in got]

        def run(event):
            return handle(event, ddb=ddb, sns=sns, ledger_table="ledger", topic_arn=topic, machines=MACHINES, ttl_days=400)

        def item(run_id):
            got = ddb.get_item(TableName="ledger", Key={"run_id": {"S": run_id}}).get("Item")
            return {k: list(v.values())[0] for k, v in got.items()} if got else None

        yield ddb, run, messages, item


def event(status, name="run-1", machine=ARN, **detail):
    return {"detail-type": "Step Functions Execution Status Change", "source": "aws.states",
            "detail": {"executionArn": f"{machine.replace(':stateMachine:', ':execution:')}:{name}", "stateMachineArn": machine,
                       "name": name, "status": status, "startDate": 1767225000000, "stopDate": 1767225600000,
                       "input": '{"key": "hr/employees/x.csv"}', **detail}}


def running(ddb, run_id="run-1"):
    ddb.put_item(TableName="ledger", Item={"run_id": {"S": run_id}, "status": {"S": "RUNNING"}, "pipeline": {"S": "ingest"}})


def test_a_timed_out_run_left_running_is_recorded_and_alerted(aws):
    ddb, run, messages, item = aws
    running(ddb)
    result = run(event("TIMED_OUT"))

    assert (result["recorded"], result["alerted"]) == (True, True)
    rec = item("run-1")
    assert (rec["status"], rec["error_name"], rec["finished_at"]) == ("TIMED_OUT", "ExecutionTimedOut", "2026-01-01T00:00:00Z")
    (msg,) = messages()
    assert msg["Subject"] == "SalesLens ingest TIMED_OUT: ExecutionTimedOut"
    body = json.loads(msg["Message"])
    assert body["execution"] == "run-1" and "hr/employees" not in msg["Message"]  # the input is never copied


def test_an_aborted_distribution_without_a_ledger_item_gets_one_that_expires(aws):
    ddb, run, messages, item = aws
    machine = ARN.replace("ingest", "distribute")
    run(event("ABORTED", name="daily-2024-06-28", machine=machine))

    rec = item("daily-2024-06-28")
    assert (rec["status"], rec["pipeline"], rec["error_name"]) == ("ABORTED", "distribution", "ExecutionAborted")
    assert rec["started_at"] == "2025-12-31T23:50:00Z"  # listed by `saleslens runs --pipeline distribution`
    assert int(rec["expires_at"]) > 0
    assert [m["Subject"] for m in messages()] == ["SalesLens distribution ABORTED: ExecutionAborted"]


def test_a_failure_the_machine_recorded_and_announced_is_left_alone(aws):
    ddb, run, messages, item = aws
    ddb.put_item(TableName="ledger", Item={"run_id": {"S": "run-1"}, "status": {"S": "FAILED"}, "error_name": {"S": "QualityGateFailed"}})
    record = {"pipeline": "ingest", "state": "CheckQuality", "error_name": "QualityGateFailed", "error": "DataQualityError"}
    result = run(event("FAILED", error="QualityGateFailed", cause=json.dumps(record)))

    assert (result["recorded"], result["alerted"]) == (False, False)
    assert item("run-1")["error_name"] == "QualityGateFailed" and messages() == []


def test_a_failure_whose_ops_message_failed_is_alerted_by_the_rule(aws):
    ddb, run, messages, item = aws
    ddb.put_item(TableName="ledger", Item={"run_id": {"S": "run-1"}, "status": {"S": "FAILED"}})
    record = {"pipeline": "ingest", "state": "CheckQuality", "error_name": "QualityGateFailed"}
    result = run(event("FAILED", error="OpsNotificationFailed", cause=json.dumps(record)))

    assert (result["recorded"], result["alerted"]) == (False, True)
    assert [m["Subject"] for m in messages()] == ["SalesLens ingest FAILED: OpsNotificationFailed"]


def test_a_failure_whose_ledger_write_failed_is_recorded_without_a_second_alert(aws):
    ddb, run, messages, item = aws
    running(ddb)
    record = {"pipeline": "ingest", "state": "RecordRunSucceeded", "error_name": "LedgerFailed"}
    result = run(event("FAILED", error="LedgerFailed", cause=json.dumps(record)))

    assert (result["recorded"], result["alerted"]) == (True, False)
    assert item("run-1")["status"] == "FAILED" and messages() == []


def test_a_success_changes_nothing(aws):
    ddb, run, messages, item = aws
    running(ddb)
    assert run(event("SUCCEEDED"))["recorded"] is False
    assert item("run-1")["status"] == "RUNNING" and messages() == []


@pytest.mark.parametrize("bad,message", [
    ({"detail-type": "Object Created", "detail": {}}, "not a Step Functions execution status change event"),
    (event("FAILED", machine=ARN.replace("saleslens-dev-ingest", "someone-else")), "state machine 'someone-else' is not one of"),
    ({"detail-type": "Step Functions Execution Status Change", "detail": {"status": "FAILED"}},
     "execution status event without executionArn"),
])
def test_an_event_that_is_not_ours_is_refused_by_name(aws, bad, message):
    _ddb, run, _messages, _item = aws
    with pytest.raises(ExecutionStatusEventError, match=message):
        run(bad)
