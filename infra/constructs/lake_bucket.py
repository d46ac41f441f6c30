"""One lake zone's bucket, with the settings every zone shares."""
from __future__ import annotations

from typing import Optional, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.access import bucket_name
from saleslens.config import ZONES, Config
from saleslens.retention import ExpiryRule


def expiry_lifecycle_rule(rule: ExpiryRule) -> s3.LifecycleRule:
    """An expiry rule of ``saleslens.retention`` as an S3 lifecycle rule: objects under the
    prefix expire after ``days``, their earlier versions ``noncurrent_days`` after that."""
    return s3.LifecycleRule(
        id=rule.rule_id,
        prefix=rule.prefix,
        expiration=Duration.days(rule.days),
        noncurrent_version_expiration=Duration.days(rule.noncurrent_days),
    )


class LakeBucket(Construct):
    """Private, versioned, TLS-only bucket named ``cfg.bucket_name(zone, ...)`` (a ``zone`` outside
    ``config.ZONES``, i.e. the deploy-only artifacts bucket, gets a generated name).

    ``key`` given: SSE-KMS with the lake key (bucket keys on, to cut KMS calls). ``key`` None:
    SSE-S3, which only the access-logs bucket uses because S3 server access logging cannot
    deliver to an SSE-KMS bucket. Every other zone logs its requests to ``access_logs``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: Config,
        zone: str,
        key: Optional[kms.IKey],
        access_logs: Optional[s3.IBucket],
        removal_policy: RemovalPolicy,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        event_bridge_enabled: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = removal_policy == RemovalPolicy.DESTROY
        rules = [s3.LifecycleRule(
            id="expire-noncurrent-versions",
            noncurrent_version_expiration=Duration.days(cfg.lake.noncurrent_version_expiry_days),
        ), *lifecycle_rules]
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name(cfg, zone) if zone in ZONES else None,
            encryption=s3.BucketEncryption.KMS if key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=key,
            bucket_key_enabled=True if key else None,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{zone}/" if access_logs else None,
            lifecycle_rules=rules,
            event_bridge_enabled=event_bridge_enabled or None,
            removal_policy=removal_policy,
            # A built-in CDK custom resource (no Docker) empties the bucket before deletion.
            auto_delete_objects=destroy,
        )
