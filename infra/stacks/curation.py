"""CurationStack: PartitionPublished (default bus) -> EventBridge rule -> curate state machine.

The machine records each run in the run ledger (pipeline "curation"), invokes the curate
function, which rebuilds the curated tables the published partition feeds, and tells ops of a
failure. The rule starts one execution per event, with the event's detail as the input the
ASL reads ({run_id, dataset, partition_date, published, late, stale_marts, expires_at}).

Why a stack of its own rather than the ingestion stack: the ingest machine and curation already
meet only through the ``PartitionPublished`` event and the run ledger's name, and curation
changes with the curated tables and the views that read them, not with landing, conform and
the quality gate. Its own stack keeps a curated-table change from redeploying the landing
queue and the Glue job, and keeps its grants (write the curated zone; no landing, no
quarantine, no Glue) out of the ingestion stack's. The run ledger stays where ingestion created
it and is reached by its config name, as the lake's buckets are (``infra.constructs.access``).

Why no queue between the rule and the machine, unlike ingestion: curation runs are serialised
by the curate function itself (reserved concurrency 1; the ASL retries the throttle), and a
re-delivered event only re-curates the same partition, which rewrites the same objects. The
rule retries failed starts, then keeps the event in a dead-letter queue (alarmed).
"""
from __future__ import annotations

from typing import Dict, Tuple

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.access import PUBLISHED, RUN_LEDGER_WRITES, grant_key, grant_s3, objects_arn, table_arn
from infra.constructs.event_targets import PlainTarget, allow_rule_to_send, rule_target_role
from infra.constructs.python_function import stack_functions
from infra.constructs.state_machine import StateMachineFromFile, announced_events, read_definition
from infra.nag import acknowledge
from infra.stacks.ops import OpsStack
from saleslens import components
from saleslens.config import Config
from saleslens.curate.store import INDEX_PREFIX
from saleslens.curate.tables import TABLES
from saleslens.links.holders import HOLDER_ENDS_KEY

CURATION_FUNCTIONS = ("curate",)
PARTITION_PUBLISHED_RULE = "partition-published"  # the offline runtime's rule has the same name
CURATE_DLQ = f"{PARTITION_PUBLISHED_RULE}-dlq"
# Every curated table lives under cur_<source>__<subject>/ in the curated bucket.
CURATED_TABLES_PATTERN = "cur_*"


def partition_published_pattern() -> events.EventPattern:
    """What the ingest machine's AnnouncePartition puts on the bus, read from its ASL."""
    (source, detail_type), = announced_events(read_definition(components.STATE_MACHINES["ingest"]))
    return events.EventPattern(source=[source], detail_type=[detail_type])


class CurationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, ops: OpsStack,
                 removal_policy: RemovalPolicy, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if components.EVENT_BUS != "default":
            # A rule on another bus has the ARN rule/<bus>/<name>: the target role's condition would change.
            raise ValueError(f"the curation rule listens on the default bus, not {components.EVENT_BUS!r}")
        if not all(t.prefix.startswith(CURATED_TABLES_PATTERN.rstrip("*")) for t in TABLES.values()):
            raise ValueError(f"every curated table name must start with {CURATED_TABLES_PATTERN!r}: "
                             "the curate function may write nothing else but its index")
        self.cfg = cfg
        self.functions = stack_functions(self, cfg, CURATION_FUNCTIONS, key=key, removal_policy=removal_policy)
        self._grant_functions(key)
        self.curate = StateMachineFromFile(
            self, "CurateMachine", cfg=cfg, spec=components.STATE_MACHINES["curate"],
            substitutions=components.definition_substitutions(
                cfg, "curate", account=Aws.ACCOUNT_ID, region=Aws.REGION,
                lambda_arn_of=lambda k: self.functions[k].function_arn,
                ops_topic_arn=ops.topic.topic_arn, offline=False,
            ),
            key=key, removal_policy=removal_policy,
        )
        self._grant_state_machine(key, ops)
        self.dead_letters, self.rule = self._trigger(key)

    # -- the curate function ---------------------------------------------------------------
    def _grant_functions(self, key: kms.IKey) -> None:
        cfg = self.cfg
        curate = self.functions["curate"].role
        grant_s3(curate, cfg, "clean", read=True, key_pattern=PUBLISHED,
                 reason="Lists and reads any published partition of the clean tables a curated table is built from")
        grant_s3(curate, cfg, "curated", read=True, write=True, delete=True, key_pattern=CURATED_TABLES_PATTERN,
                 reason="Rewrites the curated tables under cur_<source>__<subject>/: a dimension's one object, a "
                        "fact's document-date partitions, deleting the partitions a rebuild leaves empty")
        grant_s3(curate, cfg, "curated", read=True, write=True, key_pattern=f"{INDEX_PREFIX}*",
                 reason="Reads and rewrites the source index of each curated table under _index/<table>.json")
        # When it curates HR assignments: the last day of each ended holding, read by the link service.
        curate.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[objects_arn(cfg, "reports", HOLDER_ENDS_KEY)]))
        grant_key(curate, key, encrypt=True)

    # -- the curate state machine ----------------------------------------------------------
    def _grant_state_machine(self, key: kms.IKey, ops: OpsStack) -> None:
        role = self.curate.role
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[self.functions["curate"].function_arn]))
        # The ingestion stack's run ledger, by its config name (RecordRunStarted, RecordRun*).
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=list(RUN_LEDGER_WRITES), resources=[table_arn(self.cfg.name(components.RUN_LEDGER_TABLE))]))
        # The ledger is encrypted with the lake key; DynamoDB decrypts its table key for the caller.
        role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
        ops.grant_publish(role)

    # -- trigger ---------------------------------------------------------------------------
    def _trigger(self, key: kms.IKey) -> Tuple[sqs.Queue, events.Rule]:
        cfg, deploy = self.cfg, self.cfg.deploy
        dead_letters = sqs.Queue(
            self,
            "PartitionPublishedDeadLetters",
            queue_name=cfg.name(CURATE_DLQ),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(deploy.event_dlq_retention_days),
        )
        acknowledge(dead_letters, "AwsSolutions-SQS3",
                    "It is a dead-letter queue: the partition-published rule's target sends it what it could not "
                    "deliver (cdk-nag only recognises a queue named in another queue's redrive policy)")
        rule_name = cfg.name(PARTITION_PUBLISHED_RULE)
        rule = events.Rule(
            self,
            "PartitionPublishedRule",
            rule_name=rule_name,
            description="Ingestion published a clean partition: curate what it feeds",
            event_pattern=partition_published_pattern(),
        )
        role = rule_target_role(self, "PartitionPublishedRuleRole", rule_name=rule_name,
                                description=f"{rule_name}: starts {self.curate.name} executions")
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["states:StartExecution"], resources=[self.curate.state_machine_arn]))
        # The detail is the machine's input; EventBridge names each execution (a generated id).
        rule.add_target(PlainTarget(
            self.curate.state_machine_arn,
            message=events.RuleTargetInput.from_event_path("$.detail"),
            role=role,
            dead_letter_queue=dead_letters,
            retry_attempts=deploy.event_retry_attempts,
            max_event_age=Duration.hours(deploy.event_max_age_hours),
        ))
        # The role's policy before the rule: the first event after a deploy can start an execution.
        rule.node.add_dependency(role)
        allow_rule_to_send(dead_letters, rule)
        return dead_letters, rule

    @property
    def dead_letter_queues(self) -> Dict[str, str]:
        """Every dead-letter queue of the stack, by name, with what ops does with its messages."""
        return {self.cfg.name(CURATE_DLQ): (
            f"PartitionPublished events {self.cfg.name(PARTITION_PUBLISHED_RULE)} could not start "
            f"{self.curate.name} with: start an execution by hand with each message's detail as input")}
