"""Scheduled training of the opportunity-scoring models: a weekly EventBridge Scheduler schedule ->
the train-scoring state machine -> the Glue Python-shell job train-scoring.

- the machine records each run in the run ledger (pipeline ``training``), runs the job (.sync),
  records its end, and on a failure tells ops with the structured failure record (TrainingFailed);
- the job (glue_jobs/train_scoring.py -> ``saleslens.scoring.job.main``) reads the three curated
  CRM tables, writes each model's versioned artefact, its holdout evaluation and its last
  challenger, rewrites the champion pointer when the challenger wins, and writes the run's summary
  under ``<model_prefix>/runs/``: it may read the curated CRM tables and write under the model
  prefix, nothing else of the lake;
- the schedule (config ``scoring.training``: a cron read in ``schedules.timezone``) starts the
  machine with ``{"as_of": <the fire time>}``; a start it cannot make lands in a dead-letter queue
  (alarmed by the observability stack with the other queues).
A Glue job and not a Lambda: pandas, pyarrow, lightgbm and scipy exceed Lambda's 250 MB package.
"""
from __future__ import annotations

from typing import Dict

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.access import RUN_LEDGER_WRITES, grant_s3
from infra.constructs.glue_job import PythonShellJob
from infra.constructs.schedules import machine_schedule, scheduler_plumbing
from infra.constructs.state_machine import StateMachineFromFile
from infra.stacks.ops import OpsStack
from saleslens import components
from saleslens.config import Config
from saleslens.scoring.job import ACCOUNTS, EVENTS, OPPORTUNITIES
from saleslens.scoring.schedule import training_input

JOB = MACHINE = "train-scoring"
SCHEDULE_GROUP = "training"
TRAINING_DLQ = "training-schedule-dlq"
# How long Scheduler keeps retrying a start (infra.constructs.schedules: same retries and
# dead-letter queue): a later start would train on the same week's history as the next one.
MAX_EVENT_AGE_HOURS = 24


class ScoringTraining(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, ops: OpsStack,
                 run_ledger: dynamodb.ITable, artifacts: s3.IBucket, library_of: PythonShellJob,
                 removal_policy: RemovalPolicy) -> None:
        """``artifacts``: the deploy-artifacts bucket; ``library_of``: the job (conform) whose deployment
        puts the saleslens wheel there."""
        super().__init__(scope, construct_id)
        self.job = PythonShellJob(
            self, "Job", cfg=cfg, spec=components.GLUE_JOBS[JOB],
            default_arguments=components.glue_default_arguments(cfg, Aws.ACCOUNT_ID, Aws.REGION, JOB),
            key=key, artifacts=artifacts, max_concurrent_runs=1, removal_policy=removal_policy,
            library_of=library_of)
        prefix = cfg.scoring.model_prefix
        job_role = self.job.role
        for table in (ACCOUNTS, OPPORTUNITIES, EVENTS):
            grant_s3(job_role, cfg, "curated", read=True, key_pattern=f"{table.prefix}*",
                     reason=f"Reads every partition of the curated {table.name} table (the training history)")
        grant_s3(job_role, cfg, "curated", read=True, write=True, key_pattern=f"{prefix}/*",
                 reason="Writes each model's versioned artefact, evaluation and last challenger, the run's summary, "
                        "and reads and rewrites the champion pointer under the model prefix")

        self.machine = StateMachineFromFile(
            self, "Machine", cfg=cfg, spec=components.STATE_MACHINES[MACHINE],
            substitutions=components.definition_substitutions(
                cfg, MACHINE, account=Aws.ACCOUNT_ID, region=Aws.REGION,
                lambda_arn_of=lambda k: "", ops_topic_arn=ops.topic.topic_arn, offline=False),
            key=key, removal_policy=removal_policy)
        role = self.machine.role
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
            resources=[self.job.job_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=list(RUN_LEDGER_WRITES), resources=[run_ledger.table_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
        ops.grant_publish(role)  # the topic and its key
        self.dead_letters, self.schedule = self._schedule(cfg, key, removal_policy)

    def _schedule(self, cfg: Config, key: kms.IKey, removal_policy: RemovalPolicy):  # type: ignore[no-untyped-def]
        group, dead_letters, role = scheduler_plumbing(
            self, cfg, group=SCHEDULE_GROUP, dead_letter_queue=TRAINING_DLQ, machine_arn=self.machine.state_machine_arn,
            what="train-scoring", key=key, removal_policy=removal_policy, id_prefix="Schedule")
        settings = cfg.scoring.training
        schedule = machine_schedule(
            self, "Weekly", cfg, name="train-scoring", group=group, description=(
                "Train the opportunity-scoring models as of the fire time; a better challenger becomes champion"),
            cron=settings.cron, enabled=settings.enabled, key=key, state_machine=self.machine.state_machine,
            machine_input=training_input(), role=role, dead_letters=dead_letters,
            max_event_age_hours=MAX_EVENT_AGE_HOURS)
        return dead_letters, schedule

    def dead_letter_queues(self, cfg: Config) -> Dict[str, str]:
        return {cfg.name(TRAINING_DLQ): (
            "weekly training starts EventBridge Scheduler could not make: start the train-scoring machine by hand "
            "with the message's input ({\"as_of\": ...}), or wait for the next week's run")}
