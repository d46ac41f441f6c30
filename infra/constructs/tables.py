"""The DynamoDB tables of the app (run ledger, delivery ledger, link revocations and access log,
email suppression): on demand, point-in-time recovery, the lake's customer-managed key, expiry by
TTL, string keys."""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct


def encrypted_table(scope: Construct, construct_id: str, *, table_name: str, partition: str, ttl: str, key: kms.IKey,
                    removal_policy: RemovalPolicy, sort: str = "") -> dynamodb.Table:
    return dynamodb.Table(
        scope,
        construct_id,
        table_name=table_name,
        partition_key=dynamodb.Attribute(name=partition, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=sort, type=dynamodb.AttributeType.STRING) if sort else None,
        time_to_live_attribute=ttl,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        removal_policy=removal_policy,
    )
