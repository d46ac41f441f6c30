"""The weekly training of the scoring models (infra/constructs/training.py): a Scheduler schedule from
the config starts the train-scoring machine with the fire time; the machine may run its Glue job,
write the run ledger and tell ops, nothing else; the job has the training arguments from the config."""
from __future__ import annotations

import json

import pytest

from infra.constructs.schedules import RETRY_ATTEMPTS
from infra.constructs.training import MAX_EVENT_AGE_HOURS, TRAINING_DLQ
from tests.infra.cfn import as_list, flat, policy_statements, role_grants

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"


def _schedule(synth):
    (s,) = [r["Properties"] for _, _, r in synth.resources("AWS::Scheduler::Schedule", ("ingestion",))]
    return s


def _machine_id(synth):
    (lid,) = [lid for _, lid, r in synth.resources("AWS::StepFunctions::StateMachine", ("ingestion",))
              if r["Properties"]["StateMachineName"] == synth.cfg.name("train-scoring")]
    return lid


def test_the_weekly_schedule_starts_the_training_machine_with_its_fire_time(synth):
    s = _schedule(synth)
    assert (s["Name"], s["ScheduleExpression"], s["ScheduleExpressionTimezone"], s["State"]) == (
        synth.cfg.name("train-scoring"), "cron(0 3 ? * SUN *)", "Asia/Kolkata", "ENABLED")  # Sundays 03:00 IST
    assert s["FlexibleTimeWindow"] == {"Mode": "OFF"} and "KmsKeyArn" in s
    target = s["Target"]
    assert target["Arn"] == {"Ref": _machine_id(synth)}
    assert json.loads(target["Input"]) == {"as_of": "<aws.scheduler.scheduled-time>"}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": RETRY_ATTEMPTS,
                                     "MaximumEventAgeInSeconds": MAX_EVENT_AGE_HOURS * 3600}
    (dlq_id,) = [lid for _, lid, r in synth.resources("AWS::SQS::Queue", ("ingestion",))
                 if r["Properties"]["QueueName"] == synth.cfg.name(TRAINING_DLQ)]
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}


def test_the_schedule_role_may_start_the_training_machine_and_nothing_else(synth):
    template = synth.json("ingestion")
    role_id = _schedule(synth)["Target"]["RoleArn"]["Fn::GetAtt"][0]
    actions = {}
    for st in policy_statements(template, role_id):
        for action in as_list(st["Action"]):
            actions.setdefault(action, []).extend(flat(r) for r in as_list(st["Resource"]))
    assert sorted(actions) == ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "sqs:SendMessage", "states:StartExecution"]
    assert actions["states:StartExecution"] == [f"<{_machine_id(synth)}>"]


def test_the_training_machine_runs_its_job_writes_the_ledger_and_tells_ops_only(synth):
    template = synth.json("ingestion")
    (role_id,) = [r["Properties"]["RoleArn"]["Fn::GetAtt"][0] for _, lid, r in
                  synth.resources("AWS::StepFunctions::StateMachine", ("ingestion",)) if lid == _machine_id(synth)]
    grants = role_grants(template, role_id)
    job = f"arn:<AWS::Partition>:glue:{REGION}:{ACCOUNT}:job/{synth.cfg.name('train-scoring')}"
    (ledger_id,) = [lid for _, lid, r in synth.resources("AWS::DynamoDB::Table", ("ingestion",))
                    if r["Properties"]["TableName"] == synth.cfg.name("run-ledger")]
    ledger = f"<{ledger_id}.Arn>"
    by_action = {}
    for action, resource in grants:
        by_action.setdefault(action, set()).add(resource)
    assert {by_action[a] == {job} for a in ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns",
                                            "glue:BatchStopJobRun")} == {True}
    assert by_action["dynamodb:PutItem"] == by_action["dynamodb:UpdateItem"] == {ledger}
    assert len(by_action["sns:Publish"]) == 1
    assert not {a for a in by_action if a.startswith(("s3:", "lambda:", "dynamodb:Delete", "dynamodb:Scan"))}


def test_the_job_trains_with_the_configured_prefix_and_minimum_history(synth):
    (job,) = [r["Properties"] for _, _, r in synth.resources("AWS::Glue::Job", ("ingestion",))
              if r["Properties"]["Name"] == synth.cfg.name("train-scoring")]
    args = {k: flat(v) for k, v in job["DefaultArguments"].items()}
    assert args["--curated_bucket"] == f"{synth.cfg.prefix}-curated-{ACCOUNT}-{REGION}"
    assert (args["--model_prefix"], args["--min_history_won"], args["--min_history_lost"]) == (
        "models/opportunity_scoring", "200", "200")
    assert (job["Command"]["Name"], job["Command"]["PythonVersion"], job["MaxCapacity"], job["Timeout"]) == (
        "pythonshell", "3.9", 1.0, 30)
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert "SecurityConfiguration" in job
