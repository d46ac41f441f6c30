"""ScoringStack: opportunity scoring on CRM events (infra/constructs/scoring.py)."""
from __future__ import annotations

from typing import Dict

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.scoring import ScoringEvents
from saleslens.config import Config


class ScoringStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, key: kms.IKey,
                 removal_policy: RemovalPolicy, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cfg = cfg
        self.scoring = ScoringEvents(self, "ScoringEvents", cfg=cfg, key=key, removal_policy=removal_policy)

    @property
    def dead_letter_queues(self) -> Dict[str, str]:
        return self.scoring.dead_letter_queues(self.cfg)
