"""The trigger path: landing bucket -> EventBridge rule -> ingest-events queue -> start-ingest."""
from __future__ import annotations

import re
from typing import Any, Dict, Tuple

import pytest

from infra.stacks.ingestion import INGEST_DLQ, VISIBILITY_TIMEOUT_FACTOR
from saleslens import components
from tests.infra.cfn import export_of, flat, function_role, role_grants

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"


def landing_rule(synth) -> Dict[str, Any]:
    (rule,) = [r["Properties"] for _, _, r in synth.resources("AWS::Events::Rule", ("ingestion",))
               if r["Properties"]["Name"] == synth.cfg.name("landed-file")]
    return rule


def queue(synth, name: str) -> Tuple[str, Dict[str, Any]]:
    (found,) = [(lid, r["Properties"]) for _, lid, r in synth.resources("AWS::SQS::Queue", ("ingestion",))
                if r["Properties"]["QueueName"] == synth.cfg.name(name)]
    return found


def ingest_queue(synth) -> Tuple[str, Dict[str, Any]]:
    return queue(synth, components.INGEST_QUEUE)


def dead_letter_queue(synth) -> Tuple[str, Dict[str, Any]]:
    return queue(synth, INGEST_DLQ)


def queue_policy(synth, queue_id: str) -> list:
    (policy,) = [r["Properties"]["PolicyDocument"]["Statement"] for _, _, r in
                 synth.resources("AWS::SQS::QueuePolicy", ("ingestion",))
                 if r["Properties"]["Queues"] == [{"Ref": queue_id}]]
    return policy


def mapping(synth) -> Dict[str, Any]:
    (esm,) = [r["Properties"] for _, _, r in synth.resources("AWS::Lambda::EventSourceMapping", ("ingestion",))]
    return esm


def test_landing_rule_matches_object_created_in_the_landing_bucket(synth):
    pattern = landing_rule(synth)["EventPattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert [flat(n) for n in pattern["detail"]["bucket"]["name"]] == [synth.cfg.bucket_name("landing", ACCOUNT, REGION)]


def test_landing_rule_sends_the_whole_event_to_the_ingest_queue(synth):
    target, = landing_rule(synth)["Targets"]
    queue_id, _ = ingest_queue(synth)
    assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    # start-ingest parses the EventBridge event itself (source, detail-type, time, detail.object)
    assert not {"Input", "InputPath", "InputTransformer", "RoleArn"} & set(target)


def test_landing_rule_starts_no_state_machine_itself(synth):
    # start-ingest starts the ingest machine, naming the execution after the object (see the stack).
    machines = {lid for _, lid, _ in synth.resources("AWS::StepFunctions::StateMachine")}
    target, = landing_rule(synth)["Targets"]
    assert flat(target["Arn"]).strip("<>").split(".")[0] not in machines and "RoleArn" not in target


def test_landing_rule_retries_then_dead_letters(synth):
    target, = landing_rule(synth)["Targets"]
    dlq_id, _ = dead_letter_queue(synth)
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": synth.cfg.deploy.event_retry_attempts,
                                     "MaximumEventAgeInSeconds": synth.cfg.deploy.event_max_age_hours * 3600}


def test_ingest_queue_redrives_to_the_dead_letter_queue_after_configured_receives(synth):
    dlq_id, _ = dead_letter_queue(synth)
    _, props = ingest_queue(synth)
    assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                      "maxReceiveCount": synth.cfg.deploy.ingest_queue_max_receive_count}


def test_ingest_queue_visibility_timeout_is_six_start_ingest_timeouts_plus_the_batching_window(synth):
    _, props = ingest_queue(synth)
    timeout = components.LAMBDAS["start-ingest"].timeout_seconds
    assert VISIBILITY_TIMEOUT_FACTOR == 6
    assert props["VisibilityTimeout"] == 6 * timeout + synth.cfg.deploy.ingest_queue_max_batching_window_seconds


def test_dead_letter_queue_keeps_messages_longer_than_the_ingest_queue(synth):
    _, dlq = dead_letter_queue(synth)
    _, props = ingest_queue(synth)
    assert props["MessageRetentionPeriod"] == synth.cfg.deploy.ingest_queue_retention_days * 86400
    assert dlq["MessageRetentionPeriod"] == synth.cfg.deploy.event_dlq_retention_days * 86400
    assert dlq["MessageRetentionPeriod"] > props["MessageRetentionPeriod"]


@pytest.mark.parametrize("name", [components.INGEST_QUEUE, INGEST_DLQ])
def test_queue_is_encrypted_with_the_lake_key(synth, name):
    _, props = queue(synth, name)
    assert flat(props["KmsMasterKeyId"]) == export_of(synth, "lake", "LakeKey")


@pytest.mark.parametrize("name", [components.INGEST_QUEUE, INGEST_DLQ])
def test_queue_denies_requests_without_tls(synth, name):
    queue_id, _ = queue(synth, name)
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in queue_policy(synth, queue_id))


@pytest.mark.parametrize("name", [components.INGEST_QUEUE, INGEST_DLQ])
def test_queue_accepts_messages_from_the_landing_rule_only(synth, name):
    queue_id, _ = queue(synth, name)
    (rule_id,) = [lid for _, lid, r in synth.resources("AWS::Events::Rule", ("ingestion",))
                  if r["Properties"]["Name"] == synth.cfg.name("landed-file")]
    allows = [s for s in queue_policy(synth, queue_id) if s["Effect"] == "Allow"]
    assert [(s["Principal"], s["Action"], s["Condition"]) for s in allows] == [
        ({"Service": "events.amazonaws.com"}, "sqs:SendMessage",
         {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}})]


def test_lake_key_admits_eventbridge_for_this_stages_queues_only(synth):
    (_, _, key), = synth.resources("AWS::KMS::Key", ("lake",))
    (statement,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
                    if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert flat(statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:sqs:arn"]) == (
        f"arn:<AWS::Partition>:sqs:{REGION}:{ACCOUNT}:{synth.cfg.prefix}-*")
    assert all(re.fullmatch(rf"{synth.cfg.prefix}-.+", p["QueueName"])
               for _, _, q in synth.resources("AWS::SQS::Queue") for p in [q["Properties"]])


def test_start_ingest_consumes_the_queue_with_partial_batch_responses(synth):
    queue_id, _ = ingest_queue(synth)
    (fn_id,) = [lid for _, lid, r in synth.resources("AWS::Lambda::Function", ("ingestion",))
                if r["Properties"].get("FunctionName") == synth.cfg.name("start-ingest")]
    esm = mapping(synth)
    assert esm["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]} and esm["FunctionName"] == {"Ref": fn_id}
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert esm["BatchSize"] == synth.cfg.deploy.ingest_queue_batch_size
    assert esm.get("MaximumBatchingWindowInSeconds", 0) == synth.cfg.deploy.ingest_queue_max_batching_window_seconds


def test_start_ingest_may_start_the_ingest_state_machine_only(synth):
    template = synth.json("ingestion")
    grants = role_grants(template, function_role(template, synth.cfg.name("start-ingest")))
    states = {g for g in grants if g[0].startswith("states:")}
    assert states == {("states:StartExecution",
                       f"arn:<AWS::Partition>:states:{REGION}:{ACCOUNT}:stateMachine:{synth.cfg.name('ingest')}")}


def test_start_ingest_starts_the_machine_its_environment_names(synth):
    (fn,) = [r["Properties"] for _, _, r in synth.resources("AWS::Lambda::Function", ("ingestion",))
             if r["Properties"].get("FunctionName") == synth.cfg.name("start-ingest")]
    (sm,) = [r["Properties"] for _, _, r in synth.resources("AWS::StepFunctions::StateMachine", ("ingestion",))
             if r["Properties"]["StateMachineName"] == synth.cfg.name("ingest")]
    arn = flat(fn["Environment"]["Variables"]["INGEST_STATE_MACHINE_ARN"])
    assert arn.endswith(f":states:{REGION}:{ACCOUNT}:stateMachine:{sm['StateMachineName']}")


def test_start_ingest_reads_the_queue_and_nothing_else(synth):
    template = synth.json("ingestion")
    queue_id, _ = ingest_queue(synth)
    grants = role_grants(template, function_role(template, synth.cfg.name("start-ingest")))
    assert {r for a, r in grants if a.startswith("sqs:")} == {f"<{queue_id}.Arn>"}
    assert {a for a, _ in grants if a.startswith("sqs:")} == {
        "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage",
        "sqs:GetQueueAttributes"}
    assert not {a for a, _ in grants if a.startswith("s3:")}
