"""LakeStack: the lake key, one bucket per zone, the Glue catalog and the Athena workgroup."""
from __future__ import annotations

from typing import Dict

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.access import stage_queues_arn
from infra.constructs.catalog import CleanZoneTables, CuratedZoneTables, QuarantineZoneTables
from infra.constructs.lake_bucket import LakeBucket, expiry_lifecycle_rule
from infra.nag import acknowledge_cdk_singleton
from saleslens.config import ZONES, Config
from saleslens.retention import expiry_rules


class LakeStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, removal_policy: RemovalPolicy,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cfg = cfg
        self.key = self._lake_key(removal_policy)
        self.buckets = self._buckets(removal_policy)

        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=cfg.glue_database,
                description="SalesLens clean-zone tables (one per dataset contract), their quarantine tables "
                            "(rejected rows), curated-zone tables (one per curated table declaration) "
                            "and the role views",
            ),
        )
        self.tables = CleanZoneTables(
            self, "CleanTables", database=self.database, database_name=cfg.glue_database,
            clean_bucket=self.buckets["clean"].bucket_name,
        )
        self.quarantine_tables = QuarantineZoneTables(
            self, "QuarantineTables", database=self.database, database_name=cfg.glue_database,
            quarantine_bucket=self.buckets["quarantine"].bucket_name,
        )
        self.curated_tables = CuratedZoneTables(
            self, "CuratedTables", database=self.database, database_name=cfg.glue_database,
            curated_bucket=self.buckets["curated"].bucket_name,
        )
        self.workgroup = athena.CfnWorkGroup(
            self,
            "Workgroup",
            name=cfg.athena_workgroup,
            description="SalesLens role marts and views; results encrypted with the lake key",
            state="ENABLED",
            recursive_delete_option=removal_policy == RemovalPolicy.DESTROY,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=cfg.athena.bytes_scanned_cutoff_per_query,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.buckets['athena-results'].bucket_name}/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn,
                    ),
                ),
            ),
        )

    def _lake_key(self, removal_policy: RemovalPolicy) -> kms.Key:
        key = kms.Key(
            self,
            "LakeKey",
            alias=f"alias/{self.cfg.prefix}-lake",
            description="SalesLens lake: buckets, query results, logs, queues and ledgers",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        # CloudWatch Logs encrypts the Lambda, Glue and Step Functions log groups with this key.
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                     "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"}},
        ))
        # EventBridge sends landing events to the KMS-encrypted ingest-events queue, and what a
        # rule cannot deliver to its target's dead-letter queue (ingest-events-dlq,
        # partition-published-dlq): only for queues of this stage.
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="EventBridgeStageQueues",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                        "ArnLike": {"kms:EncryptionContext:aws:sqs:arn": stage_queues_arn(self.cfg)}},
        ))
        return key

    def _buckets(self, removal_policy: RemovalPolicy) -> Dict[str, s3.Bucket]:
        lake = self.cfg.lake
        access_logs = LakeBucket(
            self, "AccessLogs", cfg=self.cfg, zone="access-logs", key=None, access_logs=None,
            removal_policy=removal_policy,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(lake.access_logs_expiry_days))],
        ).bucket
        # CDK adds a log-delivery grant per lake bucket; buckets of other stacks (deploy artifacts)
        # log here too, so S3 log delivery may write for any bucket of this account.
        access_logs.add_to_resource_policy(iam.PolicyStatement(
            sid="S3ServerAccessLogsFromThisAccount",
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[access_logs.arn_for_objects("*")],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        ))
        lifecycle = {
            "landing": [s3.LifecycleRule(id="landing-to-infrequent-access", transitions=[s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=Duration.days(lake.landing_transition_to_ia_days))])],
            "athena-results": [s3.LifecycleRule(id="expire-query-results",
                                                expiration=Duration.days(lake.athena_results_expiry_days))],
        }
        # Personal data: reports, delivery records, quarantined copies and raw files expire after
        # the config's retention periods (saleslens.retention).
        for rule in expiry_rules(self.cfg):
            lifecycle.setdefault(rule.zone, []).append(expiry_lifecycle_rule(rule))
        buckets = {"access-logs": access_logs}
        for zone in ZONES:
            if zone == "access-logs":
                continue
            buckets[zone] = LakeBucket(
                self, _construct_id(zone), cfg=self.cfg, zone=zone, key=self.key, access_logs=access_logs,
                removal_policy=removal_policy, lifecycle_rules=lifecycle.get(zone, ()),
                # Landed files reach start-ingest through EventBridge (and the ingest-events queue).
                event_bridge_enabled=zone == "landing",
            ).bucket
        acknowledge_cdk_singleton(
            self, "BucketNotificationsHandler",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "aws-cdk-lib's handler that turns on the landing bucket's EventBridge notifications; it only logs")
        return buckets


def _construct_id(zone: str) -> str:
    return "".join(part.capitalize() for part in zone.split("-"))
