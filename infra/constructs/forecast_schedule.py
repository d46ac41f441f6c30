"""The EventBridge Scheduler schedule that starts the forecast state machine once a month.

Like the distribution schedules (``infra.constructs.schedules``: same retry, event age and
encrypted dead-letter queue), from the config's ``forecast.schedule`` (a cron read in
``schedules.timezone``, enabled or paused). It starts the machine with ``{"origin": "auto"}``: the
job forecasts at the last month end before the day it runs, so a schedule firing after month close
(default: the 3rd at 06:00) forecasts the month that just closed.
"""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.schedules import machine_schedule, scheduler_plumbing
from saleslens.config import Config
from saleslens.forecast.job import AUTO

FORECAST_SCHEDULE_GROUP = "forecast"
FORECAST_SCHEDULE_DLQ = "forecast-schedule-dlq"
FORECAST_SCHEDULE_INPUT = {"origin": AUTO}


class ForecastSchedule(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: Config, state_machine, state_machine_arn: str,
                 key: kms.IKey, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.group, self.dead_letters, self.role = scheduler_plumbing(
            self, cfg, group=FORECAST_SCHEDULE_GROUP, dead_letter_queue=FORECAST_SCHEDULE_DLQ,
            machine_arn=state_machine_arn, what="forecast", key=key, removal_policy=removal_policy)
        settings = cfg.forecast.schedule
        self.schedule = machine_schedule(
            self, "Monthly", cfg, name="forecast-monthly", group=self.group,
            description="Start the monthly forecast (origin: the last month end before the run)",
            cron=settings.cron, enabled=settings.enabled, key=key, state_machine=state_machine,
            machine_input=FORECAST_SCHEDULE_INPUT, role=self.role, dead_letters=self.dead_letters)
