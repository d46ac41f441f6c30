"""The distribution schedules: one EventBridge Scheduler schedule per cadence, read from the
config, starting the distribution machine with run_date "auto" and the fire time, through a role
that may start that machine only."""
from __future__ import annotations

import json

import pytest

from infra.constructs.schedules import MAX_EVENT_AGE_HOURS, RETRY_ATTEMPTS, SCHEDULES_DLQ
from tests.infra.cfn import as_list, flat, policy_statements

pytestmark = pytest.mark.infra

ACCOUNT, REGION = "<AWS::AccountId>", "<AWS::Region>"


def _schedules(synth):
    return {r["Properties"]["Name"]: r["Properties"]
            for _, _, r in synth.resources("AWS::Scheduler::Schedule", ("distribution",))}


def test_one_schedule_per_cadence_at_the_configured_time_in_india(synth):
    prefix = synth.cfg.prefix
    schedules = _schedules(synth)
    assert {n: (s["ScheduleExpression"], s["ScheduleExpressionTimezone"], s["State"]) for n, s in schedules.items()} == {
        f"{prefix}-distribute-daily": ("cron(0 7 * * ? *)", "Asia/Kolkata", "ENABLED"),
        f"{prefix}-distribute-fortnightly": ("cron(0 7 1,16 * ? *)", "Asia/Kolkata", "ENABLED"),
        f"{prefix}-distribute-monthly": ("cron(0 7 1 * ? *)", "Asia/Kolkata", "ENABLED"),
    }
    for s in schedules.values():
        assert s["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert s["GroupName"] == f"{prefix}-distribution"
        assert "KmsKeyArn" in s


def test_each_schedule_starts_the_distribution_machine_with_auto_and_its_fire_time(synth):
    (machine_id,) = [lid for _, lid, r in synth.resources("AWS::StepFunctions::StateMachine", ("distribution",))
                     if r["Properties"]["StateMachineName"] == synth.cfg.name("distribute")]
    for name, s in _schedules(synth).items():
        cadence = name.rsplit("-", 1)[1]
        target = s["Target"]
        assert target["Arn"] == {"Ref": machine_id}
        assert json.loads(target["Input"]) == {"run_date": "auto", "cadence": cadence,
                                               "scheduled_time": "<aws.scheduler.scheduled-time>"}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": RETRY_ATTEMPTS,
                                         "MaximumEventAgeInSeconds": MAX_EVENT_AGE_HOURS * 3600}


def test_a_start_scheduler_cannot_make_lands_in_an_encrypted_dead_letter_queue(synth):
    (dlq_id, dlq), = [(lid, r["Properties"]) for _, lid, r in synth.resources("AWS::SQS::Queue", ("distribution",))
                      if r["Properties"]["QueueName"] == synth.cfg.name(SCHEDULES_DLQ)]
    assert "KmsMasterKeyId" in dlq
    for s in _schedules(synth).values():
        assert s["Target"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}


def test_the_schedules_role_may_start_the_distribution_machine_and_nothing_else(synth):
    template = synth.json("distribution")
    (role_ref,) = {json.dumps(s["Target"]["RoleArn"]) for s in _schedules(synth).values()}
    role_id = json.loads(role_ref)["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert flat(trust["Condition"]["StringEquals"]["aws:SourceAccount"]) == ACCOUNT
    actions = {}
    for st in policy_statements(template, role_id):
        for action in as_list(st["Action"]):
            actions.setdefault(action, []).extend(flat(r) for r in as_list(st["Resource"]))
    assert sorted(actions) == ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "sqs:SendMessage", "states:StartExecution"]
    machine = f"arn:<AWS::Partition>:states:{REGION}:{ACCOUNT}:stateMachine:{synth.cfg.name('distribute')}"
    assert all(r in (machine, "<DistributeStateMachineF7CE9F07>") or r.endswith("DistributeStateMachineF7CE9F07")
               for r in actions["states:StartExecution"]), actions["states:StartExecution"]
    assert len(actions["sqs:SendMessage"]) == 1 and "SchedulesDeadLetters" in actions["sqs:SendMessage"][0]


def test_a_paused_schedule_deploys_disabled(cfg):
    from dataclasses import replace

    from aws_cdk import App, RemovalPolicy, Stack
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk.assertions import Template

    from infra.constructs.schedules import DistributionSchedules

    paused = replace(cfg, schedules=replace(cfg.schedules, fortnightly=replace(cfg.schedules.fortnightly, enabled=False)))
    stack = Stack(App(), "S")
    machine = sfn.StateMachine(stack, "M", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "P")))
    DistributionSchedules(stack, "Schedules", cfg=paused, machine_name="m", state_machine=machine,
                          key=kms.Key(stack, "K"), removal_policy=RemovalPolicy.DESTROY)
    states = {r["Properties"]["Name"].rsplit("-", 1)[1]: r["Properties"]["State"]
              for r in Template.from_stack(stack).find_resources("AWS::Scheduler::Schedule").values()}
    assert states == {"daily": "ENABLED", "fortnightly": "DISABLED", "monthly": "ENABLED"}
