"""What SES reports about the report emails, and where it goes.

The configuration set publishes bounce, complaint, delivery and reject events to the email
events topic (encrypted with a key of its own, so admitting SES to it never touches the lake
key's policy); record-email-event, subscribed to it, writes permanent bounces and complaints to
the email suppression table (saleslens.delivery.suppression), which ResolveRecipients reads on
the next run (and the link service before it emails a fresh link). SES's account-level
suppression list is the second net: the configuration set suppresses BOUNCES_AND_COMPLAINTS
(infra/stacks/distribution.py).
"""
from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.constructs.access import grant_key, topic_arn
from infra.constructs.python_function import SalesLensFunction
from infra.constructs.tables import encrypted_table
from saleslens import components
from saleslens.config import Config
from saleslens.delivery import suppression

SES = "ses.amazonaws.com"
# What SNS asks KMS for on behalf of a publisher of an encrypted topic.
PUBLISHER_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")
EVENTS = (ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.DELIVERY,
          ses.EmailSendingEvent.REJECT)


class EmailEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, configuration_set: ses.IConfigurationSet,
                 recorder: SalesLensFunction, key: kms.IKey, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        name = cfg.name(components.EMAIL_EVENTS_TOPIC)
        self.table = encrypted_table(self, "SuppressionTable", table_name=cfg.name(components.EMAIL_SUPPRESSION_TABLE),
                                     partition=suppression.KEY, ttl=suppression.TTL_ATTRIBUTE, key=key,
                                     removal_policy=removal_policy)
        self.key = kms.Key(
            self,
            "TopicKey",
            alias=f"alias/{cfg.prefix}-email-events",
            description="SalesLens email events: encrypts the SES event topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        # SES encrypts what it publishes to this topic only, for this account's configuration set.
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="SesPublishesEmailEvents",
            principals=[iam.ServicePrincipal(SES)],
            actions=list(PUBLISHER_KEY_ACTIONS),
            resources=["*"],
            conditions={"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn(name),
                                         "aws:SourceAccount": Aws.ACCOUNT_ID}},
        ))
        self.topic = sns.Topic(self, "Topic", topic_name=name, display_name="SalesLens email events",
                               master_key=self.key, enforce_ssl=True)
        # The event destination adds the topic policy statement that admits SES, for this
        # account's configuration set only (aws:SourceAccount, aws:SourceArn).
        self.destination = ses.ConfigurationSetEventDestination(
            self,
            "EventDestination",
            configuration_set=configuration_set,
            configuration_set_event_destination_name=name,
            destination=ses.EventDestination.sns_topic(self.topic),
            events=list(EVENTS),
            enabled=True,
        )
        self.topic.add_subscription(subscriptions.LambdaSubscription(recorder.function))
        # record-email-event writes rows and nothing else: no read, update or delete.
        recorder.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:PutItem"], resources=[self.table.table_arn]))
        grant_key(recorder.role, key, encrypt=True)

    def grant_lookup(self, role: iam.IRole) -> None:
        """What the link service needs before it emails a fresh link: one address's row, by its key."""
        role.add_to_principal_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[self.table.table_arn]))

    def grant_read(self, role: iam.IRole) -> None:
        """What ResolveRecipients needs: scan the table (hashes and reasons), decrypt it."""
        role.add_to_principal_policy(iam.PolicyStatement(actions=["dynamodb:Scan"], resources=[self.table.table_arn]))
