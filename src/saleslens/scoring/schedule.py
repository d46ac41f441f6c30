"""The weekly training schedule's input to the train-scoring state machine (one place for the CDK
schedule, infra/constructs/schedules.py, and the offline runtime)."""
from __future__ import annotations

from typing import Dict

# Filled by EventBridge Scheduler with the fire time (ISO 8601, UTC): the job trains as of it.
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"


def training_input(as_of: str = SCHEDULED_TIME) -> Dict[str, str]:
    return {"as_of": as_of}
