"""IngestionStack: landed file -> EventBridge -> ingest state machine (validate, conform, gate)."""
from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from saleslens import components
from saleslens.config import Config

from infra.constructs.access import bucket_name, grant_key, grant_s3
from infra.constructs.glue_job import PythonShellJob
from infra.constructs.lake_bucket import LakeBucket
from infra.constructs.packaging import lambda_code
from infra.constructs.python_function import SalesLensFunction, managed_layers
from infra.constructs.state_machine import StateMachineFromFile
from infra.nag import acknowledge

INGEST_FUNCTIONS = ("validate-file", "check-quality")


class IngestionStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, ops_topic: sns.ITopic,
                 removal_policy: RemovalPolicy, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        code = lambda_code()
        layers = managed_layers(self, cfg)
        self.functions = {
            k: SalesLensFunction(self, _pascal(k), cfg=cfg, spec=components.LAMBDAS[k], code=code, layers=layers,
                                 key=key, removal_policy=removal_policy)
            for k in INGEST_FUNCTIONS
        }
        validate, check = self.functions["validate-file"], self.functions["check-quality"]
        grant_s3(validate.role, cfg, "landing", read=True,
                 reason="Any landed file can arrive; its key is only known from the event")
        grant_key(validate.role, key, encrypt=False)
        grant_s3(check.role, cfg, "clean", read=True, write=True, delete=True,
                 reason="Reads the run's conform report and publishes its staged partition (copy, then delete)")
        grant_key(check.role, key, encrypt=True)

        # Deploy artifacts (the Glue library wheel): not a data zone, so not in config.ZONES.
        self.artifacts = LakeBucket(
            self, "Artifacts", cfg=cfg, zone="artifacts", key=key, removal_policy=removal_policy,
            access_logs=s3.Bucket.from_bucket_name(self, "AccessLogs", bucket_name(cfg, "access-logs")),
        ).bucket
        acknowledge(self.artifacts, "Annotation::@aws-cdk/aws-s3:accessLogsPolicyNotAdded",
                    "The access-logs bucket policy (lake stack) admits S3 log delivery for every bucket of the account")
        spec = components.GLUE_JOBS["conform"]
        self.conform = PythonShellJob(
            self, "Conform", cfg=cfg, spec=spec,
            default_arguments=components.glue_default_arguments(cfg, Aws.ACCOUNT_ID, Aws.REGION),
            key=key, artifacts=self.artifacts, max_concurrent_runs=cfg.deploy.glue_max_concurrent_runs,
            removal_policy=removal_policy,
        )
        grant_s3(self.conform.role, cfg, "landing", read=True, reason="Conforms whichever landed file the run names")
        grant_s3(self.conform.role, cfg, "clean", write=True,
                 reason="Stages the run's Parquet and conform report under keys named by dataset, date and run")
        grant_s3(self.conform.role, cfg, "quarantine", write=True, delete=True,
                 reason="Replaces the partition's rejects file; a clean rerun deletes the old one")

        self.ingest = StateMachineFromFile(
            self, "Ingest", cfg=cfg, spec=components.STATE_MACHINES["ingest"],
            substitutions=components.definition_substitutions(
                cfg, "ingest", account=Aws.ACCOUNT_ID, region=Aws.REGION,
                lambda_arn_of=lambda k: self.functions[k].function_arn,
                ops_topic_arn=ops_topic.topic_arn, offline=False,
            ),
            key=key, removal_policy=removal_policy,
        )
        role = self.ingest.role
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[f.function_arn for f in self.functions.values()]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
            resources=[self.conform.job_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[ops_topic.topic_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]))

        self.dead_letters = sqs.Queue(
            self,
            "IngestEventDeadLetters",
            queue_name=cfg.name("ingest-events-dlq"),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(cfg.deploy.event_dlq_retention_days),
        )
        acknowledge(self.dead_letters, "AwsSolutions-SQS3",
                    "This queue is the dead-letter queue of the landing-event rule target")
        self.rule = events.Rule(
            self,
            "LandedFileRule",
            rule_name=cfg.name("landed-file"),
            description="A file landed in the landing zone: start the ingest state machine",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [bucket_name(cfg, "landing")]}},
            ),
        )
        self.rule.add_target(targets.SfnStateMachine(
            self.ingest.state_machine,
            input=events.RuleTargetInput.from_object({
                "bucket": events.EventField.from_path("$.detail.bucket.name"),
                "key": events.EventField.from_path("$.detail.object.key"),
                "etag": events.EventField.from_path("$.detail.object.etag"),
                "size": events.EventField.from_path("$.detail.object.size"),
            }),
            dead_letter_queue=self.dead_letters,
            retry_attempts=cfg.deploy.event_retry_attempts,
            max_event_age=Duration.hours(cfg.deploy.event_max_age_hours),
        ))


def _pascal(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("-"))
