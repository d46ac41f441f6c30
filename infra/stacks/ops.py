"""OpsStack: the ops alert topic, and the key that encrypts it.

It sits between the lake and the pipelines so that ingestion, distribution and observability
depend on it without depending on each other.

Three kinds of publisher reach the topic: the state machines (their roles hold sns:Publish and
the key), CloudWatch alarms and EventBridge rules (AWS services, admitted by the topic policy
and the key policy). The topic has its own key so that admitting those services to it never
touches the lake key's policy; both service grants are limited to this stage's alarms and
rules, and the key's use to this topic (the encryption context SNS sends to KMS).
"""
from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.constructs.access import stage_alarms_arn, stage_rules_arn, topic_arn
from saleslens import components
from saleslens.config import Config

# AWS services that publish to the topic: CloudWatch alarm actions and EventBridge rule targets.
ALARMS = "cloudwatch.amazonaws.com"
EVENTS = "events.amazonaws.com"
# What SNS asks KMS for on behalf of a publisher of an encrypted topic.
PUBLISHER_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")


class OpsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, removal_policy: RemovalPolicy,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        name = cfg.name(components.OPS_TOPIC)
        # The topic's ARN from its name: the key policy cannot Ref a topic that refers to the key.
        arn = topic_arn(name)
        self.key = kms.Key(
            self,
            "OpsKey",
            alias=f"alias/{cfg.prefix}-ops",
            description="SalesLens ops alerts: encrypts the ops topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        for sid, service in (("CloudWatchAlarmsPublishToOpsTopic", ALARMS),
                             ("EventBridgeRulesPublishToOpsTopic", EVENTS)):
            self.key.add_to_resource_policy(iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service)],
                actions=list(PUBLISHER_KEY_ACTIONS),
                resources=["*"],
                conditions={"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": arn}},
            ))

        self.topic = sns.Topic(
            self,
            "OpsTopic",
            topic_name=name,
            display_name="SalesLens ops alerts",
            master_key=self.key,
            enforce_ssl=True,
        )
        # The topic policy replaces SNS's default one, so same-account services need an Allow.
        for sid, service, source in (("CloudWatchAlarmsOfThisStage", ALARMS, stage_alarms_arn(cfg)),
                                     ("EventBridgeRulesOfThisStage", EVENTS, stage_rules_arn(cfg))):
            self.topic.add_to_resource_policy(iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"ArnLike": {"aws:SourceArn": source},
                            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ))
        if cfg.alerts.ops_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(cfg.alerts.ops_email))

    def grant_publish(self, role: iam.IRole) -> None:
        """sns:Publish to the topic and the key use that goes with it (no kms wildcards)."""
        role.add_to_principal_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.key.key_arn]))
