"""The execution-status rule: every bad end of a SalesLens state machine reaches
record-execution-status, which may update the run ledger and publish to the ops topic only."""
from __future__ import annotations

import pytest

from infra.stacks.ingestion import STATUS_DLQ
from tests.infra.cfn import flat, function_role, role_grants

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"


def status_rule(synth):
    (rule,) = [r["Properties"] for _, _, r in synth.resources("AWS::Events::Rule", ("ingestion",))
               if r["Properties"]["Name"] == synth.cfg.name("execution-status")]
    return rule


def test_the_rule_matches_failed_timed_out_and_aborted_runs_of_every_machine(synth):
    prefix = f"{synth.cfg.project}-{synth.cfg.stage}"
    pattern = status_rule(synth)["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert sorted(flat(a) for a in pattern["detail"]["stateMachineArn"]) == [
        f"arn:<AWS::Partition>:states:{REGION}:{ACCOUNT}:stateMachine:{prefix}-{m}"
        for m in ("curate", "distribute", "forecast", "ingest", "train-scoring")]


def test_the_rule_invokes_record_execution_status_with_retries_and_a_dead_letter_queue(synth):
    (target,) = status_rule(synth)["Targets"]
    (fn_id,) = [lid for _, lid, r in synth.resources("AWS::Lambda::Function", ("ingestion",))
                if r["Properties"].get("FunctionName") == synth.cfg.name("record-execution-status")]
    (dlq_id,) = [lid for _, lid, r in synth.resources("AWS::SQS::Queue", ("ingestion",))
                 if r["Properties"]["QueueName"] == synth.cfg.name(STATUS_DLQ)]
    assert target["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": synth.cfg.deploy.event_retry_attempts,
                                     "MaximumEventAgeInSeconds": synth.cfg.deploy.event_max_age_hours * 3600}


def test_record_execution_status_may_update_the_ledger_and_tell_ops_and_nothing_else(synth):
    template = synth.json("ingestion")
    grants = role_grants(template, function_role(template, synth.cfg.name("record-execution-status")))
    data = {(a, r) for a, r in grants if a.split(":")[0] in ("dynamodb", "sns", "s3", "states", "sqs")}
    assert {a for a, _ in data} == {"dynamodb:UpdateItem", "sns:Publish"}
    (ledger,) = [r for a, r in data if a == "dynamodb:UpdateItem"]
    (topic,) = [r for a, r in data if a == "sns:Publish"]
    assert "RunLedger" in ledger and "OpsTopic" in topic
