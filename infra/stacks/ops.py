"""OpsStack: the ops alert topic both state machines publish to.

It sits between the lake and the pipelines so that ingestion and distribution (and, later,
observability alarms) depend on it without depending on each other.
"""
from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct
from saleslens import components
from saleslens.config import Config


class OpsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topic = sns.Topic(
            self,
            "OpsTopic",
            topic_name=cfg.name(components.OPS_TOPIC),
            display_name="SalesLens ops alerts",
            master_key=key,
            enforce_ssl=True,
        )
        if cfg.alerts.ops_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(cfg.alerts.ops_email))
