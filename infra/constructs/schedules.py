"""EventBridge Scheduler schedules that start the distribution state machine, one per cadence.

Each schedule (config ``schedules``: a cron read in ``schedules.timezone``, enabled or paused)
fires at its exact time (no flexible window) and starts the machine with the same input the CLI
gives offline: ``{"run_date": "auto", "cadence": ..., "scheduled_time": <the fire time>}``.
PlanRun settles "auto" to the main country's previous business day before that time
(``saleslens.distribution.run_date``). A start Scheduler cannot make (throttled, the machine
missing, access denied) is retried, then lands in an encrypted dead-letter queue that alarms.
"""
from __future__ import annotations

import json
from typing import Dict, Tuple

from aws_cdk import Aws, Duration, RemovalPolicy, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.access import grant_key, state_machine_arn
from infra.nag import acknowledge
from saleslens.config import Config
from saleslens.distribution.marts import CADENCES
from saleslens.distribution.run_date import AUTO

SCHEDULE_GROUP = "distribution"
SCHEDULES_DLQ = "schedules-dlq"
# Starts Scheduler retries before the dead-letter queue, and how long it keeps trying: a start
# later than this would report a day that the next schedule already covers.
RETRY_ATTEMPTS = 5
MAX_EVENT_AGE_HOURS = 2
DLQ_RETENTION_DAYS = 14


def schedule_input(cadence: str) -> Dict[str, str]:
    """The distribution machine's input from a schedule (the context attribute is filled by Scheduler)."""
    return {"run_date": AUTO, "cadence": cadence, "scheduled_time": "<aws.scheduler.scheduled-time>"}


def scheduler_plumbing(scope: Construct, cfg: Config, *, group: str, dead_letter_queue: str, machine_arn: str,
                       what: str, key: kms.IKey, removal_policy: RemovalPolicy, id_prefix: str = ""
                       ) -> Tuple[scheduler.ScheduleGroup, sqs.Queue, iam.Role]:
    """What every schedule of ``scope`` shares: its group, an encrypted dead-letter queue for the
    starts it could not make, and a role that may start ``machine_arn`` and nothing else (sending
    a failed start to the queue is granted by the targets). ``what`` names the schedules in the
    role's description and the queue's nag reason; ``id_prefix`` sets the queue's and the role's
    construct ids apart from others of ``scope``."""
    group_name = cfg.name(group)
    schedule_group = scheduler.ScheduleGroup(scope, "Group", schedule_group_name=group_name,
                                             removal_policy=removal_policy)
    dead_letters = sqs.Queue(
        scope, f"{id_prefix}DeadLetters", queue_name=cfg.name(dead_letter_queue),
        encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
        retention_period=Duration.days(DLQ_RETENTION_DAYS),
    )
    acknowledge(dead_letters, "AwsSolutions-SQS3",
                f"It is a dead-letter queue: the {what} schedules send it the starts they could not make")
    role = iam.Role(
        scope, f"{id_prefix}Role",
        assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com", conditions={
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                                         f"schedule/{group_name}/*"},
        }),
        description=f"EventBridge Scheduler: start the {what} state machine",
    )
    role.add_to_principal_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine_arn]))
    # The schedules are encrypted with the lake key, and so is the dead-letter queue it writes.
    grant_key(role, key, encrypt=True)
    return schedule_group, dead_letters, role


def machine_schedule(scope: Construct, construct_id: str, cfg: Config, *, name: str, group: scheduler.ScheduleGroup,
                     description: str, cron: str, enabled: bool, key: kms.IKey, state_machine,
                     machine_input: Dict[str, str], role: iam.Role, dead_letters: sqs.Queue,
                     max_event_age_hours: int = MAX_EVENT_AGE_HOURS) -> scheduler.Schedule:
    """A schedule that starts ``state_machine`` with ``machine_input`` at the cron's exact times (no
    flexible window, read in ``schedules.timezone``), encrypted with ``key``; a start it cannot make
    is retried RETRY_ATTEMPTS times for at most ``max_event_age_hours``, then goes to ``dead_letters``."""
    return scheduler.Schedule(
        scope, construct_id,
        schedule_name=cfg.name(name),
        schedule_group=group,
        description=description,
        schedule=scheduler.ScheduleExpression.expression(cron, TimeZone.of(cfg.schedules.timezone)),
        enabled=enabled,
        time_window=scheduler.TimeWindow.off(),
        key=key,
        target=targets.StepFunctionsStartExecution(
            state_machine,
            input=scheduler.ScheduleTargetInput.from_text(json.dumps(machine_input)),
            role=role,
            dead_letter_queue=dead_letters,
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=Duration.hours(max_event_age_hours),
        ),
    )


class DistributionSchedules(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, machine_name: str, state_machine,
                 key: kms.IKey, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.group, self.dead_letters, self.role = scheduler_plumbing(
            self, cfg, group=SCHEDULE_GROUP, dead_letter_queue=SCHEDULES_DLQ, machine_arn=state_machine_arn(machine_name),
            what="distribution", key=key, removal_policy=removal_policy)
        self.schedules: Dict[str, scheduler.Schedule] = {}
        for cadence in CADENCES:
            settings = cfg.schedules.of(cadence)
            self.schedules[cadence] = machine_schedule(
                self, cadence.capitalize(), cfg, name=f"distribute-{cadence}", group=self.group,
                description=f"Start the {cadence} distribution (run date: the previous business day)",
                cron=settings.cron, enabled=settings.enabled, key=key, state_machine=state_machine,
                machine_input=schedule_input(cadence), role=self.role, dead_letters=self.dead_letters)
