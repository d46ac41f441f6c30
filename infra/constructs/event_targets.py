"""EventBridge rule targets whose permissions are written by hand, scoped to the rule.

aws-cdk-lib's ``SqsQueue`` and ``SnsTopic`` targets also grant the target's KMS key to
``events.amazonaws.com`` (``kms:Encrypt``, ``kms:ReEncrypt*``, ``kms:GenerateDataKey*``...) with
nothing but an account condition, and ``SnsTopic`` adds an unconditioned publish grant. Here
the queue policy admits this one rule (``aws:SourceArn``), and the key policies admit
EventBridge for the stage's queues and the ops topic only (lake and ops stacks).

Targets EventBridge can only reach with a role (a state machine) get one from
``rule_target_role``: assumable by EventBridge on behalf of one named rule, holding nothing
until the caller grants it the one action on the one target.
"""
from __future__ import annotations

from typing import Optional

import jsii
from aws_cdk import Aws, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.access import regional_arn

EVENTS = "events.amazonaws.com"


@jsii.implements(events.IRuleTarget)
class PlainTarget:
    """Target ``arn``, optionally with an input, retries, a dead-letter queue and the role
    EventBridge assumes to reach it; grants nothing."""

    def __init__(self, arn: str, *, message: Optional[events.RuleTargetInput] = None,
                 dead_letter_queue: Optional[sqs.IQueue] = None, retry_attempts: Optional[int] = None,
                 max_event_age: Optional[Duration] = None, role: Optional[iam.IRole] = None) -> None:
        self._arn = arn
        self._message = message
        self._dead_letter_queue = dead_letter_queue
        self._retry_attempts = retry_attempts
        self._max_event_age = max_event_age
        self._role = role

    def bind(self, rule: events.IRuleRef, id: Optional[str] = None) -> events.RuleTargetConfig:  # noqa: A002
        retry = None
        if self._retry_attempts is not None or self._max_event_age is not None:
            retry = events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=self._retry_attempts,
                maximum_event_age_in_seconds=self._max_event_age.to_seconds() if self._max_event_age else None,
            )
        return events.RuleTargetConfig(
            arn=self._arn,
            input=self._message,
            role=self._role,
            retry_policy=retry,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dead_letter_queue.queue_arn)
            if self._dead_letter_queue else None,
        )


def allow_rule_to_send(queue: sqs.IQueue, rule: events.IRule) -> None:
    """The queue accepts ``sqs:SendMessage`` from EventBridge on behalf of ``rule`` only."""
    queue.add_to_resource_policy(iam.PolicyStatement(
        sid=f"SendFrom{rule.node.id}",
        principals=[iam.ServicePrincipal(EVENTS)],
        actions=["sqs:SendMessage"],
        resources=[queue.queue_arn],
        conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
    ))


def rule_target_role(scope: Construct, construct_id: str, *, rule_name: str, description: str) -> iam.Role:
    """A role EventBridge may assume for the rule named ``rule_name`` of this account only.

    The condition names the rule by its ARN built from the name (a rule on the default bus is
    ``rule/<name>``): the rule's own ARN would make the role depend on the rule that uses it.
    """
    rule_arn = regional_arn("events", f"rule/{rule_name}")
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(EVENTS).with_conditions({
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnEquals": {"aws:SourceArn": rule_arn},
        }),
        description=description,
    )
