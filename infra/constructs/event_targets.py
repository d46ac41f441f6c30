"""EventBridge rule targets whose permissions are written by hand, scoped to the rule.

aws-cdk-lib's ``SqsQueue`` and ``SnsTopic`` targets also grant the target's KMS key to
``events.amazonaws.com`` (``kms:Encrypt``, ``kms:ReEncrypt*``, ``kms:GenerateDataKey*``...) with
nothing but an account condition, and ``SnsTopic`` adds an unconditioned publish grant. Here
the queue policy admits this one rule (``aws:SourceArn``), and the key policies admit
EventBridge for the stage's queues and the ops topic only (lake and ops stacks).
"""
from __future__ import annotations

from typing import Optional

import jsii
from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

EVENTS = "events.amazonaws.com"


@jsii.implements(events.IRuleTarget)
class PlainTarget:
    """Target ``arn``, optionally with an input, retries and a dead-letter queue; grants nothing."""

    def __init__(self, arn: str, *, message: Optional[events.RuleTargetInput] = None,
                 dead_letter_queue: Optional[sqs.IQueue] = None, retry_attempts: Optional[int] = None,
                 max_event_age: Optional[Duration] = None) -> None:
        self._arn = arn
        self._message = message
        self._dead_letter_queue = dead_letter_queue
        self._retry_attempts = retry_attempts
        self._max_event_age = max_event_age

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
