"""KMS-encrypted log groups with the configured retention."""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from saleslens.config import Config

# CloudWatch Logs accepts only these retention periods (days -> CDK enum member).
_RETENTION = dict(zip(
    (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653),
    ("ONE_DAY", "THREE_DAYS", "FIVE_DAYS", "ONE_WEEK", "TWO_WEEKS", "ONE_MONTH", "TWO_MONTHS", "THREE_MONTHS",
     "FOUR_MONTHS", "FIVE_MONTHS", "SIX_MONTHS", "ONE_YEAR", "THIRTEEN_MONTHS", "EIGHTEEN_MONTHS", "TWO_YEARS",
     "THREE_YEARS", "FIVE_YEARS", "SIX_YEARS", "SEVEN_YEARS", "EIGHT_YEARS", "NINE_YEARS", "TEN_YEARS"),
))


def retention(days: int) -> logs.RetentionDays:
    try:
        return logs.RetentionDays[_RETENTION[days]]
    except KeyError:
        raise ValueError(
            f"logs.retention_days={days} is not a CloudWatch Logs retention period; "
            f"use one of {', '.join(map(str, _RETENTION))}"
        ) from None


def encrypted_log_group(scope: Construct, construct_id: str, *, cfg: Config, name: str, key: kms.IKey,
                        removal_policy: RemovalPolicy) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=retention(cfg.logs.retention_days),
        encryption_key=key,
        removal_policy=removal_policy,
    )
