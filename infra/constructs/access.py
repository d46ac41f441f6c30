"""ARNs derived from the config, and the least-privilege grants built on them.

Lake buckets, the Glue catalog, the Athena workgroup and the state machines are referenced by
the names ``saleslens.config`` gives them, not by cross-stack exports: consumer stacks stay
decoupled from the lake stack's logical ids, and the policy a test reads is the policy AWS gets.
Grants spell out exact actions (CDK's ``grant_read`` adds ``s3:GetObject*``, ``s3:List*``...)
and exact key prefixes (the patterns below, one per kind of object the code reads or writes);
the only wildcards left are the variable parts of object keys, table names and child
executions, each acknowledged next to its grant.
"""
from __future__ import annotations

from typing import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from infra.nag import acknowledge, wildcard_resource
from saleslens.config import Config


def in_stack_partition(arn: str) -> str:
    """``arn`` in the partition of the stack that uses it (``AWS::Partition``), whatever partition
    it was written with (the layer ARNs of config.deploy say ``aws``)."""
    scheme, _partition, rest = arn.split(":", 2)
    if scheme != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return f"arn:{Aws.PARTITION}:{rest}"


def bucket_name(cfg: Config, zone: str) -> str:
    return cfg.bucket_name(zone, Aws.ACCOUNT_ID, Aws.REGION)


def bucket_arn(cfg: Config, zone: str) -> str:
    return f"arn:{Aws.PARTITION}:s3:::{bucket_name(cfg, zone)}"


def objects_arn(cfg: Config, zone: str, key_pattern: str = "*") -> str:
    return f"{bucket_arn(cfg, zone)}/{key_pattern}"


def regional_arn(service: str, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def glue_catalog_arns(cfg: Config) -> list:
    """Catalog, database and every table in it (views created at deploy time included)."""
    db = cfg.glue_database
    return [regional_arn("glue", "catalog"), regional_arn("glue", f"database/{db}"),
            regional_arn("glue", f"table/{db}/*")]


def athena_workgroup_arn(cfg: Config) -> str:
    return regional_arn("athena", f"workgroup/{cfg.athena_workgroup}")


def state_machine_arn(name: str) -> str:
    return regional_arn("states", f"stateMachine:{name}")


def executions_arn(name: str) -> str:
    return regional_arn("states", f"execution:{name}/*")


def map_run_executions_arn(name: str, map_run_label: str) -> str:
    """Child executions of one Distributed Map of machine ``name`` (what RedriveExecution of a Map Run needs)."""
    return regional_arn("states", f"execution:{name}/{map_run_label}:*")


def table_arn(name: str) -> str:
    return regional_arn("dynamodb", f"table/{name}")


def index_arn(table: str, index: str) -> str:
    return f"{table_arn(table)}/index/{index}"


def topic_arn(name: str) -> str:
    return regional_arn("sns", name)


def queue_arn(name: str) -> str:
    return regional_arn("sqs", name)


def event_bus_arn(name: str) -> str:
    return regional_arn("events", f"event-bus/{name}")


# Alarms and rules of one stage: every name starts with ``cfg.prefix`` (the ops topic and key
# accept deliveries from these only).
def stage_alarms_arn(cfg: Config) -> str:
    return regional_arn("cloudwatch", f"alarm:{cfg.prefix}-*")


def stage_rules_arn(cfg: Config) -> str:
    return regional_arn("events", f"rule/{cfg.prefix}-*")


def stage_queues_arn(cfg: Config) -> str:
    return queue_arn(f"{cfg.prefix}-*")


# -- object keys, as IAM key patterns ("*" spans "/"), each beside the code that makes it --------
# clean zone (saleslens.ingest.naming)
STAGED = "_staging/*"  # staging_key: a conform run's clean rows, before the quality gate
RUN_REPORTS = "_runs/*"  # report_key: a conform run's report, which the gate reads
MEMBERS = "_members/*"  # member_key: the latest version of each file landed for a partition
PUBLISHED = "*/dt=*/data.parquet"  # clean_key: a published partition, <source>/<dataset>/dt=<date>/
# curated zone (saleslens.curate.tables)
SCORES_SNAPSHOT = "cur_crm__opportunity_scores/data.parquet"  # scoring.snapshot: the scores table, copied
CALENDAR = "cur_ref__calendar/data.parquet"  # the curated calendar PlanRun settles "auto" run dates from
# quarantine zone
REJECTS = "*/dt=*/rejects*.parquet"  # quarantine_key: one file's rejected rows
REFUSED_FILES = "_files/*"  # ingest.quarantine: a file refused whole, and <key>.reason.json
# reports zone (saleslens.delivery.deliver, saleslens.distribution)
REPORT_PAGES = "reports/*"  # deliver.report_key: the pages the emailed links open
RUN_FILES = "runs/*"  # recipients and outcomes: what one distribution run writes for itself
RUN_RECIPIENTS = "runs/*/recipients.json"  # recipients.recipients_key: every recipient's name and email
RUN_ITEMS = "runs/*/items.json"  # recipients.items_key: the delivery Map's items, ids only
RUN_FRESHNESS = "runs/*/freshness.json"  # reports.freshness.freshness_key: newest file per dataset, no names
RUN_OUTCOMES = "runs/*/outcomes/*"  # outcomes.outcomes_key: what the run did for each recipient, a file per batch

READ = ("s3:GetObject",)
WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
DELETE = ("s3:DeleteObject",)
LIST = ("s3:ListBucket", "s3:GetBucketLocation")
# What Athena needs on its query-results location, on behalf of the caller.
ATHENA_RESULTS_OBJECTS = ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
ATHENA_RESULTS_BUCKET = ("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads")


def grant_s3(role: iam.IRole, cfg: Config, zone: str, *, read: bool = False, write: bool = False,
             delete: bool = False, key_pattern: str = "*", reason: str) -> None:
    """Object access to one lake zone (keys matching ``key_pattern``); ``reason`` says why the key
    wildcard is needed."""
    object_actions = (READ if read else ()) + (WRITE if write else ()) + (DELETE if delete else ())
    if not object_actions:
        raise ValueError("grant_s3 needs read, write or delete")
    objects = objects_arn(cfg, zone, key_pattern)
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(object_actions), resources=[objects]))
    if read:  # without ListBucket a missing key reads as AccessDenied, not NoSuchKey
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(LIST), resources=[bucket_arn(cfg, zone)]))
    acknowledge(role, wildcard_resource(role, objects), reason)


def grant_list(role: iam.IRole, cfg: Config, zone: str) -> None:
    """Listing one lake zone (counting what a run wrote), without reading any object."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(LIST), resources=[bucket_arn(cfg, zone)]))


def grant_athena_results(role: iam.IRole, cfg: Config) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=list(ATHENA_RESULTS_OBJECTS), resources=[objects_arn(cfg, "athena-results")]))
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=list(ATHENA_RESULTS_BUCKET), resources=[bucket_arn(cfg, "athena-results")]))
    acknowledge(role, wildcard_resource(role, objects_arn(cfg, "athena-results")),
                "Athena names each result object after its query id, unknown until the query runs")


# What a state machine's ledger tasks do to the run ledger (RecordRunStarted: putItem;
# RecordRunSucceeded / RecordRunFailed: updateItem).
RUN_LEDGER_WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem")

ATHENA_QUERY = ("athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                "athena:StopQueryExecution")


def grant_athena_queries(role: iam.IRole, cfg: Config, *, extra_actions: Sequence[str] = ()) -> None:
    """Run queries in the SalesLens workgroup and use its result location."""
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=[*ATHENA_QUERY, *extra_actions], resources=[athena_workgroup_arn(cfg)]))
    grant_athena_results(role, cfg)


def grant_glue_catalog(role: iam.IRole, cfg: Config, actions: Sequence[str], *, reason: str) -> None:
    """Catalog actions on the SalesLens database and its tables; ``reason`` justifies ``table/<db>/*``."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=glue_catalog_arns(cfg)))
    acknowledge(role, wildcard_resource(role, glue_catalog_arns(cfg)[2]), reason)


def grant_key(role: iam.IRole, key: kms.IKey, *, encrypt: bool) -> None:
    """Use of the lake key without CDK's kms:GenerateDataKey*/ReEncrypt* wildcards."""
    actions = ["kms:Decrypt"] + (["kms:Encrypt", "kms:GenerateDataKey"] if encrypt else [])
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[key.key_arn]))
