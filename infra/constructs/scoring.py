"""Scoring on CRM events: CRM events bus -> rule -> SQS queue (KMS, DLQ) -> score-opportunity.

- the CRM puts its opportunity events (``saleslens.scoring.events``: source ``saleslens.crm``,
  detail-type ``OpportunityEvent``) on a bus of its own; one rule forwards them, whole, to the
  scoring queue (and what EventBridge cannot deliver to the DLQ);
- score-opportunity reads the queue in batches and reports partial batch failures: a bad event
  (malformed, missing fields, unknown opportunity, stale version) it sends to the DLQ itself with
  a ``reason`` message attribute, never retried; a transient failure (CRM down, no champion yet) is
  redelivered, and after ``scoring.queue_max_receive_count`` receives SQS moves it to the same DLQ;
- the DLQ is alarmed on any visible message to the ops topic (observability stack, with the redrive
  instructions of docs/runbook.md);
- the function runs on python3.12 (Amazon Linux 2023, glibc 2.34; the other functions run on
  python3.11, Amazon Linux 2, glibc 2.26, which lightgbm 4.7.0, numpy and scipy's wheels and libgomp
  need newer than) with its own layer (LightGBM, numpy, scipy: ``packaging.scoring_layer_bundle``,
  CPython 3.12 wheels) and the python312 Powertools layer, not the AWS SDK for pandas layer; it may read the champion pointer and artefacts
  (curated bucket, ``scoring.model_prefix``), put and query the scores table, send to the DLQ.
"""
from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.access import grant_key, grant_s3, in_stack_partition
from infra.constructs.event_targets import PlainTarget, allow_rule_to_send
from infra.constructs.packaging import lambda_code, scoring_layer_code
from infra.constructs.python_function import SalesLensFunction
from infra.constructs.tables import encrypted_table
from saleslens import components
from saleslens.config import Config
from saleslens.scoring import events as crm_events
from saleslens.scoring import store

FUNCTION = "score-opportunity"
# AWS: a queue feeding a function should have a visibility timeout of 6 x the function timeout.
VISIBILITY_TIMEOUT_FACTOR = 6
DLQ_RETENTION_DAYS = 14  # SQS's maximum: ops has two weeks to redrive
QUEUE_RETENTION_DAYS = 4
# What the function does to the scores table: write a score, read the latest (and the trend).
TABLE_ACTIONS = ("dynamodb:PutItem", "dynamodb:Query")
DLQ_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueUrl")
# The function's runtime and its glibc (Amazon Linux 2023): no native library of its layer may need
# a newer GLIBC_x.y symbol version (tests/infra/test_scoring_layer_elf.py), and the layer's wheels
# are CPython 3.12's (infra/requirements-scoring-layer.lock; tests/infra/test_scoring_package.py
# imports them and scores with pyenv's Python 3.12).
RUNTIME = lambda_.Runtime.PYTHON_3_12
RUNTIME_GLIBC = (2, 34)
RUNTIME_REASON = ("Python 3.12 (Amazon Linux 2023, glibc 2.34): lightgbm 4.7.0, numpy, scipy and libgomp need "
                  "glibc > 2.26 (python3.11's Amazon Linux 2); the layer's wheels and the python312 Powertools "
                  "layer in config.deploy are built for it")


class ScoringEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey,
                 removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        scoring = cfg.scoring
        layer = lambda_.LayerVersion(
            self, "ScoringLayer", code=scoring_layer_code(), compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.X86_64],
            description="SalesLens scoring: lightgbm, numpy, scipy, narwhals (no pandas, no pyarrow)",
            removal_policy=RemovalPolicy.DESTROY)
        powertools_arn = in_stack_partition(cfg.deploy.scoring_powertools_layer_arn.format(region=Aws.REGION))
        powertools = lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", powertools_arn)
        self.function = SalesLensFunction(self, "ScoreOpportunity", cfg=cfg, spec=components.LAMBDAS[FUNCTION],
                                          code=lambda_code(), layers=[powertools, layer], key=key,
                                          removal_policy=removal_policy, runtime=RUNTIME,
                                          runtime_reason=RUNTIME_REASON)
        self.table = encrypted_table(self, "ScoresTable", table_name=cfg.name(components.OPPORTUNITY_SCORES_TABLE),
                                     partition=store.KEY, sort=store.SORT_KEY, ttl=store.TTL_ATTRIBUTE, key=key,
                                     removal_policy=removal_policy)
        self.dead_letters = sqs.Queue(
            self, "DeadLetters", queue_name=cfg.name(components.SCORING_DLQ),
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            retention_period=Duration.days(DLQ_RETENTION_DAYS))
        self.queue = sqs.Queue(
            self, "Queue", queue_name=cfg.name(components.SCORING_QUEUE),
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            retention_period=Duration.days(QUEUE_RETENTION_DAYS),
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * self.function.spec.timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=scoring.queue_max_receive_count,
                                                  queue=self.dead_letters))
        self.bus = events.EventBus(self, "Bus", event_bus_name=cfg.name(components.CRM_EVENT_BUS))
        self.rule = events.Rule(
            self, "Rule", rule_name=cfg.name("crm-opportunity-events"), event_bus=self.bus,
            description="A CRM opportunity was created, updated or got its first proposal: queue it for scoring",
            event_pattern=events.EventPattern(source=[crm_events.SOURCE], detail_type=[crm_events.DETAIL_TYPE]))
        self.rule.add_target(PlainTarget(self.queue.queue_arn, dead_letter_queue=self.dead_letters,
                                         retry_attempts=cfg.deploy.event_retry_attempts,
                                         max_event_age=Duration.hours(cfg.deploy.event_max_age_hours)))
        allow_rule_to_send(self.queue, self.rule)
        allow_rule_to_send(self.dead_letters, self.rule)
        self.function.function.add_event_source(event_sources.SqsEventSource(
            self.queue, batch_size=components.SCORING_BATCH_SIZE, report_batch_item_failures=True))
        role = self.function.role
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(TABLE_ACTIONS), resources=[self.table.table_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(DLQ_ACTIONS),
                                                         resources=[self.dead_letters.queue_arn]))
        grant_key(role, key, encrypt=True)  # the table's and the DLQ's key
        grant_s3(role, cfg, "curated", read=True, key_pattern=f"{scoring.model_prefix}/*",
                 reason="Reads the champion pointer and the versioned model artefacts it names "
                        "(<model_prefix>/<model>/champion.json and <version>.json)")

    def dead_letter_queues(self, cfg: Config) -> dict:
        return {cfg.name(components.SCORING_DLQ): (
            "CRM events score-opportunity could not score: a bad one carries its reason (message attribute "
            "`reason`: malformed, missing_fields, unknown_opportunity, stale_version, incomplete_history) and is "
            "dropped once understood; one without a reason failed transiently (CRM down, no champion): fix the "
            f"cause, then redrive it to {cfg.name(components.SCORING_QUEUE)} (SQS console: Start DLQ redrive)")}
