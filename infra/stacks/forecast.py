"""ForecastStack: a monthly schedule -> forecast state machine -> forecast Glue job.

The machine records each run in the run ledger (pipeline "forecast"), runs the forecast job
(Glue Python shell 3.9 with statsforecast: ``glue_jobs/requirements-forecast.lock``) and tells
ops of a failure, like curation. The job reads the curated zone's history (primary per day, the
position tree) and writes the two forecast tables under ``cur_forecast__*/`` of the curated
bucket, nothing else. Its own stack: the forecast changes with its model and libraries, not with
landing or curation, and its grants (read the curated zone, write two prefixes of it) stay apart.
The run ledger is ingestion's, reached by its config name; the library wheel goes to a bucket of
the stack's own.
"""
from __future__ import annotations

from typing import Dict

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.access import RUN_LEDGER_WRITES, bucket_name, grant_key, grant_s3, table_arn
from infra.constructs.forecast_schedule import FORECAST_SCHEDULE_DLQ, ForecastSchedule
from infra.constructs.glue_job import PythonShellJob
from infra.constructs.lake_bucket import LakeBucket
from infra.constructs.state_machine import StateMachineFromFile
from infra.nag import acknowledge
from infra.stacks.ops import OpsStack
from saleslens import components
from saleslens.config import Config
from saleslens.curate.tables import TABLES

# What the job reads (the history and the tree; its own earlier forecasts) and writes.
FORECAST_READS = ("cur_erp__primary_daily", "cur_hr__position_versions", "cur_hr__position_closure",
                  "cur_forecast__by_position")
FORECAST_WRITES = ("cur_forecast__by_position", "cur_forecast__accuracy")


class ForecastStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, ops: OpsStack,
                 removal_policy: RemovalPolicy, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cfg = cfg
        # The job's deploy artifacts (the library wheel): a bucket of its own, as ingestion has for
        # conform, so no stack exports a generated bucket name to another.
        artifacts = LakeBucket(
            self, "Artifacts", cfg=cfg, zone="forecast-artifacts", key=key, removal_policy=removal_policy,
            access_logs=s3.Bucket.from_bucket_name(self, "AccessLogs", bucket_name(cfg, "access-logs")),
        ).bucket
        acknowledge(artifacts, "Annotation::@aws-cdk/aws-s3:accessLogsPolicyNotAdded",
                    "The access-logs bucket policy (lake stack) admits S3 log delivery for every bucket of the account")
        self.job = PythonShellJob(
            self, "Job", cfg=cfg, spec=components.GLUE_JOBS["forecast"],
            default_arguments=components.glue_default_arguments(cfg, Aws.ACCOUNT_ID, Aws.REGION, "forecast"),
            key=key, artifacts=artifacts, max_concurrent_runs=1, removal_policy=removal_policy,
        )
        role = self.job.role
        for name in FORECAST_READS:
            grant_s3(role, cfg, "curated", read=True, key_pattern=f"{TABLES[name].prefix}*",
                     reason=f"Reads every partition of {name} (the history up to the origin)")
        for name in FORECAST_WRITES:
            grant_s3(role, cfg, "curated", write=True, key_pattern=f"{TABLES[name].prefix}dt=*/data.parquet",
                     reason=f"Overwrites the origin's partitions of {name} (dt=<origin>)")
        grant_key(role, key, encrypt=True)

        self.machine = StateMachineFromFile(
            self, "ForecastMachine", cfg=cfg, spec=components.STATE_MACHINES["forecast"],
            substitutions=components.definition_substitutions(
                cfg, "forecast", account=Aws.ACCOUNT_ID, region=Aws.REGION,
                lambda_arn_of=lambda k: k, ops_topic_arn=ops.topic.topic_arn, offline=False,
            ),
            key=key, removal_policy=removal_policy,
        )
        machine_role = self.machine.role
        machine_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
            resources=[self.job.job_arn]))
        machine_role.add_to_principal_policy(iam.PolicyStatement(
            actions=list(RUN_LEDGER_WRITES), resources=[table_arn(cfg.name(components.RUN_LEDGER_TABLE))]))
        machine_role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
        ops.grant_publish(machine_role)
        self.schedule = ForecastSchedule(
            self, "Schedule", cfg=cfg, state_machine=self.machine.state_machine,
            state_machine_arn=self.machine.state_machine_arn, key=key, removal_policy=removal_policy)

    @property
    def dead_letter_queues(self) -> Dict[str, str]:
        return {self.cfg.name(FORECAST_SCHEDULE_DLQ): (
            f"Monthly starts the forecast schedule could not make: start {self.machine.name} by hand with "
            '{"origin": "<the month end>"}')}
