"""IngestionStack: landed file -> EventBridge -> SQS -> start-ingest -> ingest state machine.

The state machine records every run in the run ledger, validates the file (or quarantines it
whole), conforms it (Glue), applies the quality gate and announces the published partition on
the default event bus, where the curation stack's rule picks it up.

Why a queue between the rule and the state machine: start-ingest names each execution after
the object, so a re-delivered event cannot start a second run, and the queue absorbs bursts of
landed files, retries failed starts and keeps what it cannot start (dead-letter queue, alarmed).
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.access import (
    MEMBERS,
    PUBLISHED,
    REFUSED_FILES,
    REJECTS,
    RUN_LEDGER_WRITES,
    RUN_REPORTS,
    STAGED,
    bucket_name,
    event_bus_arn,
    grant_key,
    grant_s3,
    index_arn,
    state_machine_arn,
)
from infra.constructs.event_targets import PlainTarget, allow_rule_to_send
from infra.constructs.glue_job import PythonShellJob
from infra.constructs.lake_bucket import LakeBucket
from infra.constructs.python_function import stack_functions
from infra.constructs.state_machine import StateMachineFromFile
from infra.constructs.tables import encrypted_table
from infra.constructs.training import ScoringTraining
from infra.nag import acknowledge
from infra.stacks.ops import OpsStack
from saleslens import components, ledger
from saleslens.config import Config
from saleslens.contracts import DATASETS

INGEST_FUNCTIONS = ("start-ingest", "validate-file", "quarantine-file", "check-quality", "record-execution-status")
# Functions the ingest state machine invokes (start-ingest starts it).
MACHINE_TASKS = ("validate-file", "quarantine-file", "check-quality")
INGEST_DLQ = f"{components.INGEST_QUEUE}-dlq"
STATUS_DLQ = "execution-status-dlq"
# Ends no Catch runs on (TIMED_OUT, ABORTED) and failures whose own recording may have failed.
BAD_ENDS = ("FAILED", "TIMED_OUT", "ABORTED")
# AWS: a queue feeding a function should have a visibility timeout of 6 x the function timeout.
VISIBILITY_TIMEOUT_FACTOR = 6


def referenced_tables() -> List[str]:
    """Clean tables another contract's foreign key points at: conform checks references against
    their snapshots in force (``saleslens.ingest.references``)."""
    return sorted({fk.dataset for d in DATASETS.values() for fk in d.foreign_keys if fk.dataset != d.table})


class IngestionStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, ops: OpsStack,
                 removal_policy: RemovalPolicy, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cfg = cfg
        self.functions = stack_functions(self, cfg, INGEST_FUNCTIONS, key=key, removal_policy=removal_policy)
        self.run_ledger = self._run_ledger(key, removal_policy)
        self._grant_functions(key)

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
        # Conform stages; only the quality gate (check-quality) publishes: the job cannot write a
        # published partition or a member of one.
        conform = self.conform.role
        grant_s3(conform, cfg, "landing", read=True, reason="Conforms whichever landed file the run names")
        grant_s3(conform, cfg, "clean", write=True, key_pattern=STAGED,
                 reason="Stages the run's clean Parquet under _staging/<dataset>/dt=<date>/<run id>/")
        grant_s3(conform, cfg, "clean", write=True, key_pattern=RUN_REPORTS,
                 reason="Writes the run's report under _runs/<dataset>/dt=<date>/<run id>.json for the gate")
        for table in referenced_tables():
            snapshots = f"{DATASETS[table].clean_prefix()}dt=*/data.parquet"
            grant_s3(conform, cfg, "clean", read=True, key_pattern=snapshots,
                     reason=f"Reads the {table} snapshot in force (the latest published partition) to check "
                            "the references to it")
        grant_s3(conform, cfg, "quarantine", write=True, delete=True, key_pattern=REJECTS,
                 reason="Replaces the rejects of the file it conforms (<dataset>/dt=<date>/rejects-<file>.parquet); "
                        "a version that rejects nothing deletes its predecessor's")

        self.ingest = StateMachineFromFile(
            self, "Ingest", cfg=cfg, spec=components.STATE_MACHINES["ingest"],
            substitutions=components.definition_substitutions(
                cfg, "ingest", account=Aws.ACCOUNT_ID, region=Aws.REGION,
                lambda_arn_of=lambda k: self.functions[k].function_arn,
                ops_topic_arn=ops.topic.topic_arn, offline=False,
            ),
            key=key, removal_policy=removal_policy,
        )
        self._grant_state_machine(key, ops)
        self.dead_letters, self.queue = self._trigger(key)
        self.status_dead_letters, self.status_rule = self._execution_status_rule(key, ops)
        # The weekly training of the scoring models (infra/constructs/training.py) lives here, beside
        # the run ledger it records its runs in and the artifacts bucket its Glue job's wheel comes from.
        self.training = ScoringTraining(self, "ScoringTraining", cfg=cfg, key=key, ops=ops, run_ledger=self.run_ledger,
                                        artifacts=self.artifacts, library_of=self.conform, removal_policy=removal_policy)

    # -- run ledger ------------------------------------------------------------------------
    def _run_ledger(self, key: kms.IKey, removal_policy: RemovalPolicy) -> dynamodb.Table:
        """One item per ingest execution; keys and indexes as the offline runtime provisions them
        (``saleslens.ledger``): ``run_id``, and ``by_dataset`` / ``by_pipeline`` sorted by start."""
        table = encrypted_table(self, "RunLedger", table_name=self.cfg.name(components.RUN_LEDGER_TABLE),
                                partition=ledger.KEY, ttl=ledger.TTL_ATTRIBUTE, key=key, removal_policy=removal_policy)
        for index, hash_key in ((ledger.BY_DATASET, "dataset"), (ledger.BY_PIPELINE, "pipeline")):
            table.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(name=hash_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name="started_at", type=dynamodb.AttributeType.STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    # -- functions -------------------------------------------------------------------------
    def _grant_functions(self, key: kms.IKey) -> None:
        cfg, fns = self.cfg, self.functions
        validate = fns["validate-file"].role
        grant_s3(validate, cfg, "landing", read=True,
                 reason="Any landed file can arrive; its key is only known from the event")
        grant_key(validate, key, encrypt=False)

        quarantine = fns["quarantine-file"].role
        grant_s3(quarantine, cfg, "landing", read=True,
                 reason="Copies whichever landed file ValidateFile refused; its key is only known from the run")
        grant_s3(quarantine, cfg, "quarantine", write=True, key_pattern=REFUSED_FILES,
                 reason="Sets a refused file aside under _files/<its landing key>, with <key>.reason.json")
        grant_key(quarantine, key, encrypt=True)

        # The gate reads the run's report and staged rows, makes them a member of the partition,
        # publishes the merge of the members, then drops the staged copy: it deletes nothing else.
        check = fns["check-quality"].role
        grant_s3(check, cfg, "clean", read=True, key_pattern=RUN_REPORTS,
                 reason="Reads the conform report of the run it gates, named by dataset, date and run id")
        grant_s3(check, cfg, "clean", read=True, delete=True, key_pattern=STAGED,
                 reason="Reads the run's staged rows, and deletes them once they are a member of the partition")
        grant_s3(check, cfg, "clean", read=True, write=True, key_pattern=MEMBERS,
                 reason="Reads and writes the members (latest version of each file) of the partition it publishes")
        grant_s3(check, cfg, "clean", read=True, write=True, key_pattern=PUBLISHED,
                 reason="Reads and replaces the published object of the partition it gates (and the previous "
                        "master snapshot it compares with)")
        grant_key(check, key, encrypt=True)
        # The gate's trailing row counts (ledger.trailing_clean_counts) read the by_dataset index only.
        check.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:Query"],
            resources=[index_arn(cfg.name(components.RUN_LEDGER_TABLE), ledger.BY_DATASET)]))

        # By name, as the function's INGEST_STATE_MACHINE_ARN: no reference to the machine itself.
        fns["start-ingest"].role.add_to_principal_policy(iam.PolicyStatement(
            actions=["states:StartExecution"], resources=[state_machine_arn(cfg.name("ingest"))]))

    def _grant_state_machine(self, key: kms.IKey, ops: OpsStack) -> None:
        role = self.ingest.role
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[self.functions[k].function_arn for k in MACHINE_TASKS]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
            resources=[self.conform.job_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=list(RUN_LEDGER_WRITES), resources=[self.run_ledger.table_arn]))
        # The ledger is encrypted with the lake key; DynamoDB decrypts its table key for the caller.
        role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["events:PutEvents"], resources=[event_bus_arn(components.EVENT_BUS)]))
        ops.grant_publish(role)

    # -- trigger ---------------------------------------------------------------------------
    def _trigger(self, key: kms.IKey) -> Tuple[sqs.Queue, sqs.Queue]:
        cfg, deploy = self.cfg, self.cfg.deploy
        if deploy.event_dlq_retention_days <= deploy.ingest_queue_retention_days:
            # SQS keeps a message's original enqueue time in the DLQ: a shorter life there loses it.
            raise ValueError("deploy.event_dlq_retention_days must exceed deploy.ingest_queue_retention_days")
        dead_letters = sqs.Queue(
            self,
            "IngestEventDeadLetters",
            queue_name=cfg.name(INGEST_DLQ),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(deploy.event_dlq_retention_days),
        )
        start = self.functions["start-ingest"]
        window = deploy.ingest_queue_max_batching_window_seconds
        queue = sqs.Queue(
            self,
            "IngestEvents",
            queue_name=cfg.name(components.INGEST_QUEUE),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(deploy.ingest_queue_retention_days),
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * start.spec.timeout_seconds + window),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=deploy.ingest_queue_max_receive_count,
                                                  queue=dead_letters),
        )
        rule = events.Rule(
            self,
            "LandedFileRule",
            rule_name=cfg.name("landed-file"),
            description="A file landed in the landing zone: queue its event for start-ingest",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [bucket_name(cfg, "landing")]}},
            ),
        )
        # The whole event: start-ingest reads bucket, key, etag, version, size and time from it.
        rule.add_target(PlainTarget(
            queue.queue_arn,
            dead_letter_queue=dead_letters,
            retry_attempts=deploy.event_retry_attempts,
            max_event_age=Duration.hours(deploy.event_max_age_hours),
        ))
        allow_rule_to_send(queue, rule)
        allow_rule_to_send(dead_letters, rule)
        self.rule = rule
        start.function.add_event_source(event_sources.SqsEventSource(
            queue,
            batch_size=deploy.ingest_queue_batch_size,
            max_batching_window=Duration.seconds(window) if window else None,
            report_batch_item_failures=True,
        ))
        return dead_letters, queue

    # -- runs that ended without recording it ------------------------------------------------
    def _execution_status_rule(self, key: kms.IKey, ops: OpsStack) -> Tuple[sqs.Queue, events.Rule]:
        """Every bad end of a SalesLens state machine reaches record-execution-status, which
        records it in the run ledger and alerts ops when the machine could not
        (``saleslens.execution_status``): a whole-execution timeout or a stop skips every Catch."""
        cfg, deploy = self.cfg, self.cfg.deploy
        fn = self.functions["record-execution-status"]
        fn.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:UpdateItem"], resources=[self.run_ledger.table_arn]))
        fn.role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
        ops.grant_publish(fn.role)
        dead_letters = sqs.Queue(
            self, "ExecutionStatusDeadLetters", queue_name=cfg.name(STATUS_DLQ),
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            retention_period=Duration.days(deploy.event_dlq_retention_days),
        )
        acknowledge(dead_letters, "AwsSolutions-SQS3",
                    "It is a dead-letter queue: the execution-status rule's target sends it what it could not "
                    "deliver (cdk-nag only recognises a queue named in another queue's redrive policy)")
        rule = events.Rule(
            self,
            "ExecutionStatusRule",
            rule_name=cfg.name("execution-status"),
            description="A SalesLens run FAILED, TIMED_OUT or was ABORTED: record it and tell ops if the run could not",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={"status": list(BAD_ENDS),
                        "stateMachineArn": [state_machine_arn(cfg.name(k)) for k in components.STATE_MACHINES]},
            ),
        )
        rule.add_target(targets.LambdaFunction(
            fn.function,
            dead_letter_queue=dead_letters,
            retry_attempts=deploy.event_retry_attempts,
            max_event_age=Duration.hours(deploy.event_max_age_hours),
        ))
        allow_rule_to_send(dead_letters, rule)
        return dead_letters, rule

    @property
    def dead_letter_queues(self) -> Dict[str, str]:
        """Every dead-letter queue of the stack, by name, with what ops does with its messages."""
        return {
            self.cfg.name(INGEST_DLQ): (
                "landing events nothing could start an ingest run for: fix the cause, then move them back to "
                f"{self.cfg.name(components.INGEST_QUEUE)} (SQS console: Start DLQ redrive)"),
            self.cfg.name(STATUS_DLQ): (
                "execution-status events record-execution-status could not take: each names a run that ended "
                "FAILED, TIMED_OUT or ABORTED; look it up with `saleslens runs show <detail.name>`"),
            **self.training.dead_letter_queues(self.cfg),
        }


