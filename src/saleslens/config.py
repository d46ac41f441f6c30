"""The one configuration read by the CDK app and by the offline runtime.

Resource names are derived here and nowhere else, so what `cdk deploy` creates and what the
offline runtime provisions carry the same names. Python 3.9-safe: Glue jobs import it.

config/saleslens.json is the deployed configuration and the only source of its values: a
section that only `load_config` builds declares no defaults. The few defaults left in code are
those of sections the library also builds on its own (the calendar, the quality thresholds and
the check-quality Lambda's ingest settings); tests/unit/test_config.py fails when one of them
differs from the json. Each field carries its schema rule (`rule(...)`: type from the
annotation, ranges, choices, patterns), which `saleslens.config_schema` enforces at load.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from saleslens.errors import SalesLensError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "saleslens.json"

# Lake zones, in data-flow order. Each becomes one bucket.
ZONES = (
    "landing",
    "clean",
    "curated",
    "quarantine",
    "reports",
    "athena-results",
    "access-logs",
)

# Role levels, bottom to top (the 7-level hierarchy of the README).
ROLE_LEVELS = ("SR", "ASM", "RSM", "ZSM", "NH", "BUH", "CMO")

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # date.weekday() order

# AWS limits the schema enforces, so a bad value fails at load, not at deploy or at send time.
SIGV4_MAX_EXPIRY_SECONDS = 7 * 24 * 3600
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)  # the only retention periods CloudWatch Logs accepts
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
S3_BUCKET_NAME_MAX = 63
# Step Functions redrives an execution for 14 days after it ends: what a redrive reads must live that long.
REDRIVE_WINDOW_DAYS = 14
MAX_DELIVERY_BATCH = 200  # recipients per delivery Map child (distribution.batch_size)

_NAME = r"^[a-z]([a-z0-9-]*[a-z0-9])?$"
_NAME_MEANS = "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_LAYER_ARN = r"^arn:[a-z-]+:lambda:\{region\}:\d{12}:layer:[A-Za-z0-9_-]+:\d+$"


class ConfigError(SalesLensError, ValueError):
    """The configuration file is missing, unreadable, or holds an invalid value."""


def rule(
    *,
    ge: Optional[float] = None,
    gt: Optional[float] = None,
    le: Optional[float] = None,
    choices: Optional[Tuple[Any, ...]] = None,
    pattern: Optional[str] = None,
    means: Optional[str] = None,
    why: Union[str, Mapping[str, str], None] = None,
) -> Dict[str, Any]:
    """A field's schema rule, as dataclass field metadata. ``means`` says in words what
    ``pattern`` accepts; ``why`` is the reason shown with a broken bound (one text, or one per
    bound: {"le": ..., "ge": ...})."""
    given = {"ge": ge, "gt": gt, "le": le, "choices": choices, "pattern": pattern, "means": means, "why": why}
    return {"rule": {k: v for k, v in given.items() if v is not None}}


def _days(minimum: int = 1, *, default: Optional[int] = None, **kw: Any) -> Any:
    meta = rule(ge=minimum, **kw)
    return field(metadata=meta) if default is None else field(default=default, metadata=meta)


@dataclass(frozen=True)
class LakeConfig:
    noncurrent_version_expiry_days: int = _days()
    landing_transition_to_ia_days: int = _days(30, why="S3 moves objects to STANDARD_IA only after 30 days")
    reports_expiry_days: int = _days()
    athena_results_expiry_days: int = _days()
    access_logs_expiry_days: int = _days()


@dataclass(frozen=True)
class AthenaConfig:
    bytes_scanned_cutoff_per_query: int = field(metadata=rule(ge=10_000_000, why="Athena's minimum cutoff, 10 MB"))


@dataclass(frozen=True)
class DistributionConfig:
    sender: str = field(metadata=rule(pattern=_EMAIL, means="an email address"))
    # The company's mail domains: a report goes only to an address in one of them (an HR row
    # with a private or external address is suppressed and reported, never emailed).
    email_domains: List[str] = field(metadata=rule(means="a non-empty list of mail domains, e.g. field.example.com"))
    # The account's SES sending quota (messages per second, from the SES console); every
    # container of render-report sends at most its share (delivery.pacing).
    ses_max_send_rate: int = field(metadata=rule(ge=1, why="SES's smallest sending quota is 1 message per second"))
    # SNS mobile push platforms with a platform application in this deployment (APNS, GCM):
    # created at deploy time from credentials in Secrets Manager (docs/runbook.md); empty: no push.
    push_platforms: List[str] = field(metadata=rule(means="a list of SNS push platforms: APNS, GCM"))
    # Recipients per delivery Map child (one Lambda invocation renders and emails a batch):
    # bench/distribution_bench.py measures the per-report cost the render-report timeout covers.
    batch_size: int = field(metadata=rule(ge=1, le=MAX_DELIVERY_BATCH, why={
        "le": "the render-report function's timeout is sized to a full batch (saleslens.asl_budget)"}))
    # Share of the run's recipients that may fail before the run fails with DeliveryFailed
    # (counted in recipients by SummariseRun, whatever the batches).
    tolerated_failure_percentage: float = field(metadata=rule(ge=0, le=100))


@dataclass(frozen=True)
class LinksConfig:
    """The link service (``saleslens.links``): the emailed link is a signed token that the link
    function checks (signature, expiry, revocation, and that the person still holds the position)
    before it redirects to a presigned URL of the report."""

    # How long an emailed link opens the report (while its holder keeps the position).
    token_lifetime_days: int = field(metadata=rule(ge=1, le=400, why={"le": "a report expires from the lake after 400 days at most"}))
    # How long the presigned URL the link redirects to lives: enough to load the page, no more.
    redirect_lifetime_seconds: int = field(metadata=rule(
        ge=30, le=SIGV4_MAX_EXPIRY_SECONDS,
        why={"ge": "a browser must be able to follow the redirect", "le": "SigV4 presigned URL maximum"}))
    # The throttle: the link function's reserved concurrency; further opens get 429 from the URL.
    max_concurrent_opens: int = field(metadata=rule(ge=1, le=1000))
    # The signing key's rotation period. Links verify against the current and the previous key,
    # so a link opens until the second rotation after it was signed: the period must exceed the
    # token lifetime (a cross-field rule of saleslens.config_schema).
    key_rotation_days: int = field(metadata=rule(ge=1, le=1000, why="Secrets Manager's rotation limits"))


@dataclass(frozen=True)
class ScoringConfig:
    """Opportunity scoring on CRM events (``saleslens.scoring.service``): where the CRM's REST API
    is, how the adapter retries it, where the champion artefacts are, and the minimum history."""

    # The CRM's REST endpoint (offline: the local fake CRM's URL replaces it at start-up).
    crm_endpoint: str = field(metadata=rule(pattern=r"^https?://[^\s/]+(/\S*)?$", means="an http(s) URL"))
    # Per-request timeout of a CRM call; a batch's retry ladders must fit the function's timeout
    # (a cross-field rule of saleslens.config_schema).
    crm_timeout_seconds: float = field(metadata=rule(gt=0, le=30))
    # Attempts of one CRM call on a 5xx or a timeout (1 = no retry); a 4xx is never retried.
    crm_attempts: int = field(metadata=rule(ge=1, le=10))
    # Backoff before retry n (1-based): crm_backoff_seconds x 2^(n-1).
    crm_backoff_seconds: float = field(metadata=rule(ge=0, le=10))
    # Where the champion pointer and the versioned artefacts are, in the curated bucket.
    model_prefix: str = field(metadata=rule(pattern=r"^[a-z0-9_/-]+[a-z0-9_-]$", means="an S3 prefix without a trailing slash"))
    # Minimum history before a company's own model is trusted (scoring.history.MinHistory): a
    # champion trained on fewer won or lost deals (its metadata) scores with its fallback table.
    min_history_won: int = field(metadata=rule(ge=1))
    min_history_lost: int = field(metadata=rule(ge=1))
    # Receives of a CRM event that failed for a transient reason (CRM down) before it moves to the DLQ.
    queue_max_receive_count: int = field(metadata=rule(ge=1, le=1000, why="SQS redrive policy maximum"))
    # How long a scored record is kept in the scores table (the trend reads the last weeks).
    score_retention_days: int = field(metadata=rule(ge=8, why="the trend compares with last week's score"))
    # The weekly training schedule (infra/constructs/training.py): starts the train-scoring machine,
    # which trains as of the fire time; its cron is read in ``schedules.timezone``.
    training: "ScheduleConfig"


_CRON = r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$"
_TIMEZONE = r"^[A-Za-z]+(/[A-Za-z0-9_+-]+)*$"


@dataclass(frozen=True)
class ScheduleConfig:
    """One cadence's EventBridge Scheduler schedule. ``enabled: false`` deploys it DISABLED
    (paused: it starts nothing until enabled again)."""

    enabled: bool
    # EventBridge Scheduler's cron(minutes hours day-of-month month day-of-week year), read in
    # ``schedules.timezone``.
    cron: str = field(metadata=rule(pattern=_CRON, means="a Scheduler cron expression, cron(min hour dom month dow year)"))


@dataclass(frozen=True)
class SchedulesConfig:
    """When each cadence's distribution starts in AWS (the infra/constructs/schedules.py
    schedules). Each starts the distribution machine with run_date "auto": the run date is the
    main country's previous business day before the scheduled day in ``timezone``
    (``saleslens.distribution.run_date``)."""

    timezone: str = field(metadata=rule(pattern=_TIMEZONE, means="an IANA time zone such as Asia/Kolkata"))
    daily: ScheduleConfig
    fortnightly: ScheduleConfig
    monthly: ScheduleConfig

    def of(self, cadence: str) -> ScheduleConfig:
        return {"daily": self.daily, "fortnightly": self.fortnightly, "monthly": self.monthly}[cadence]

@dataclass(frozen=True)
class LogsConfig:
    retention_days: int = field(metadata=rule(choices=LOG_RETENTION_DAYS, why="CloudWatch Logs retention periods"))


@dataclass(frozen=True)
class RetentionConfig:
    """How long personal data is kept, in days; S3 lifecycle rules and DynamoDB TTLs enforce each
    (``saleslens.retention`` lists the rules). Two periods live elsewhere and are not repeated
    here: the rendered reports (``lake.reports_expiry_days``) and the run ledger
    (``ingest.ledger_ttl_days``)."""

    # The reports bucket's delivery records: each distribution
    # run's files under runs/<run id>/ (the recipients file holds every name and email).
    delivery_records_days: int = _days(REDRIVE_WINDOW_DAYS, why="a distribution run can be redriven for 14 days and reads its run files")
    # The delivery ledger (DynamoDB TTL): while a record lives, a rerun for the same date and
    # cadence sends nobody a second email.
    delivery_ledger_days: int = _days(REDRIVE_WINDOW_DAYS, why="a distribution run redriven within 14 days must find what it sent")
    # The quarantine zone's copies of personal data: rejected rows of the datasets with personal
    # data and every file refused whole (_files/).
    quarantined_personal_days: int = _days()
    # Raw files of the datasets with personal data in the landing zone.
    landing_personal_days: int = _days(REDRIVE_WINDOW_DAYS, why="an ingest run can be redriven for 14 days and reads its landed file")
    # The link service's access log (DynamoDB TTL): who opened which report, when, with what outcome.
    link_opens_days: int = _days()
    # The email suppression table (DynamoDB TTL): a hard bounce or complaint holds the address
    # back from reports this long (SES's account-level suppression list keeps it too).
    email_suppression_days: int = _days()


@dataclass(frozen=True)
class AlertsConfig:
    ops_email: str = field(metadata=rule(pattern=rf"^$|{_EMAIL}", means="an email address, or empty for no subscription"))


@dataclass(frozen=True)
class CalendarConfig:
    """Working days (KPI catalogue 6): every day but the country's weekly off and the holidays of
    the company's holiday calendar (the hr_holidays dataset). The fiscal year starts on the 1st of
    ``fiscal_year_start_month``; fiscal quarters are its three-month blocks. The main country is
    the one whose business days schedule the reports. ``weekly_off`` names every country of the
    HR contract; the schema takes the countries from there."""

    weekly_off: Dict[str, str] = field(default_factory=lambda: {"IN": "SUN", "LK": "SUN", "NP": "SAT"})
    main_country: str = "IN"
    fiscal_year_start_month: int = field(default=4, metadata=rule(ge=1, le=12))

    def weekly_off_day(self, country: str) -> int:
        """date.weekday() of the country's weekly off."""
        return WEEKDAYS.index(self.weekly_off[country])


@dataclass(frozen=True)
class KpiConfig:
    """The parameters the KPI views read (written to the curated zone as cur_ref__parameters)."""

    # On-time DCR: a field day is on time when every call of it was submitted within this many
    # calendar days of the call date.
    dcr_allowed_days: int = _days(0)
    # A vacancy counts as filled within a month when it lasted at most this many days.
    vacancy_filled_within_days: int = _days(0)
    # Training KPIs count the assignments of this many days up to the report date.
    training_lookback_days: int = _days()

    def parameters(self) -> Dict[str, int]:
        return {name: int(getattr(self, name)) for name in self.__dataclass_fields__}


# -- insights (docs/kpis.md "Insights (rules as built)") -----------------------------------------------
# Their defaults equal config/saleslens.json (tests/unit/test_config.py holds them equal): the
# insight functions of saleslens.insights take these parameters, built from the file or, in tests,
# on their own. Defaults marked "catalogue" are the KPI catalogue's (sections 4 and 5); the others
# are this project's choices.


@dataclass(frozen=True)
class AnomalyParams:
    """Spikes and troughs (saleslens.insights.anomalies): robust z over comparable periods."""

    # Flag when |robust z| exceeds this (catalogue: 3.5).
    z_threshold: float = field(default=3.5, metadata=rule(gt=0))
    # Robust z = (x - median) / (mad_scale x MAD); 1.4826 makes the MAD estimate a normal sigma (catalogue).
    mad_scale: float = field(default=1.4826, metadata=rule(gt=0))
    # A finding must also move at least this much from the baseline median, in rupees and in percent,
    # so small territories do not flood the reports; where MAD is 0 these decide alone.
    min_abs_change: float = field(default=50000.0, metadata=rule(ge=0))
    min_pct_change: float = field(default=20.0, metadata=rule(ge=0))
    # Daily values: the same day of month in up to this many prior months form the baseline, and a
    # baseline needs at least min_comparable_periods of them.
    comparable_months: int = field(default=6, metadata=rule(ge=1))
    min_comparable_periods: int = field(default=3, metadata=rule(ge=1))
    # Monthly values: the same month in up to this many prior years form the baseline.
    comparable_years: int = field(default=1, metadata=rule(ge=1))
    # Contributors named per dimension (brand, stockist, SKU) for each finding.
    top_contributors: int = field(default=3, metadata=rule(ge=1))


@dataclass(frozen=True)
class StuffingParams:
    """Channel stuffing (saleslens.insights.stuffing): primary spikes (the anomaly rule on the month's
    primary) while secondary stays flat and closing stock days rise."""

    # Secondary is flat when it moved at most this many percent from its baseline median.
    secondary_flat_pct: float = field(default=10.0, metadata=rule(ge=0))
    # Stock days rise when the month's closing stock days exceed the previous month's by more than this.
    stock_days_min_rise: float = field(default=0.0, metadata=rule(ge=0))


@dataclass(frozen=True)
class ChurnParams:
    """Stockist churn risk per stockist x brand (saleslens.insights.churn; catalogue section 4)."""

    # Trailing window of this many months to the as-of date, against the same dates a year earlier.
    trailing_months: int = field(default=3, metadata=rule(ge=1, le=12))
    # Flag when the trailing window's net primary is below this share of last year's.
    drop_ratio: float = field(default=0.5, metadata=rule(gt=0, le=1, why="a share of last year's net primary"))
    # Flag when the days since the last order exceed this multiple of the median gap between orders.
    gap_multiple: float = field(default=2.0, metadata=rule(gt=0))


@dataclass(frozen=True)
class ProfitabilityParams:
    """Client profitability per stockist (saleslens.insights.profitability): cost to serve."""

    # Rupees per invoice line handled (order processing, picking, dispatch).
    cost_per_invoice_line: float = field(default=50.0, metadata=rule(ge=0))
    # Rupees per field call on the stockist.
    cost_per_call: float = field(default=400.0, metadata=rule(ge=0))
    # Annual cost of capital as a share (0.12 = 12% a year), charged on the credit a stockist takes.
    cost_of_capital: float = field(default=0.12, metadata=rule(ge=0, le=1, why="an annual rate as a share"))
    # How many of the least profitable stockists a ranking names.
    least_profitable: int = field(default=10, metadata=rule(ge=1))


@dataclass(frozen=True)
class ForecastConfig:
    """The monthly forecast job (saleslens.forecast.job; docs/kpis.md "Forecasts (as built)"),
    started by its own schedule (``schedule``, read in ``schedules.timezone``) with origin "auto":
    the last month end before the day it fires."""

    schedule: ScheduleConfig = field(default_factory=lambda: ScheduleConfig(True, "cron(0 6 3 * ? *)"))
    model: str = field(default="auto_ets", metadata=rule(choices=("auto_ets", "seasonal_naive")))
    # Rolling month-end origins whose residuals give each level's interval: more origins, more
    # residuals behind each level's quantiles (the top levels have a node or two each), one more
    # model fit each.
    backtest_origins: int = field(default=4, metadata=rule(ge=1, le=24))
    # Closed months the earliest backtest origin must see: the job needs min_fit_months +
    # backtest_origins + 2 closed months up to the origin (saleslens.forecast.job.months_needed).
    min_fit_months: int = field(default=8, metadata=rule(ge=7, le=36, why=(
        "statsforecast's ETS fits no series of 6 points or fewer (\"tiny datasets\")")))
    interval_lower: float = field(default=0.1, metadata=rule(ge=0, le=1, why="a quantile of the residual ratios"))
    interval_upper: float = field(default=0.9, metadata=rule(gt=0, le=1, why="a quantile of the residual ratios"))
    # Processes AutoETS spreads the series over (a 1-DPU Python shell job has 4 vCPUs).
    n_jobs: int = field(default=4, metadata=rule(ge=1, le=16))


@dataclass(frozen=True)
class InsightsConfig:
    anomalies: AnomalyParams = field(default_factory=AnomalyParams)
    stuffing: StuffingParams = field(default_factory=StuffingParams)
    churn: ChurnParams = field(default_factory=ChurnParams)
    profitability: ProfitabilityParams = field(default_factory=ProfitabilityParams)


# -- scorecard (saleslens.insights.scorecard) ----------------------------------------------------------
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class MeasureConfig:
    """A measure of an objective: one column of one mart, its target, which way is better, and the
    tolerance (in the column's own units) within which a miss is "at-risk" rather than "off-track"."""

    name: str = field(metadata=rule(pattern=r"\S", means="a non-empty name"))
    mart: str = field(metadata=rule(pattern=r"^mart_[a-z0-9_]+$", means="a mart view name (mart_...)"))
    column: str = field(metadata=rule(pattern=r"^[a-z][a-z0-9_]*$", means="a column name of the mart"))
    target: float
    direction: str = field(metadata=rule(choices=DIRECTIONS))
    tolerance: float = field(metadata=rule(ge=0))


@dataclass(frozen=True)
class ObjectiveConfig:
    name: str = field(metadata=rule(pattern=r"\S", means="a non-empty name"))
    actions: List[str]
    measures: List[MeasureConfig]


@dataclass(frozen=True)
class ThemeConfig:
    name: str = field(metadata=rule(pattern=r"\S", means="a non-empty name"))
    objectives: List[ObjectiveConfig]


@dataclass(frozen=True)
class ScorecardConfig:
    """The executive scorecard (seed 004's Hex-Go): themes -> objectives -> actions -> measures,
    each measure bound to a mart column (checked against athena_sql/marts at load)."""

    themes: List[ThemeConfig]


@dataclass(frozen=True)
class QualityThresholds:
    """Data-quality gate of one dataset; a breach stops the run before the partition is published.

    The defaults equal ``ingest.quality.default`` of config/saleslens.json (a test holds them
    equal): they serve callers that build thresholds without the file."""

    max_quarantined_share: float = field(default=0.25, metadata=rule(ge=0, le=1, why="a share of the rows in"))
    # Row count against the median of the last `history_runs` published runs of the dataset,
    # checked once `min_history` runs exist: below min_row_ratio x median (a partial extract) or
    # above max_row_ratio x median (a doubled one) is a breach.
    min_row_ratio: float = field(default=0.2, metadata=rule(ge=0))
    max_row_ratio: float = field(default=5.0, metadata=rule(gt=0))
    history_runs: int = field(default=14, metadata=rule(ge=1))
    min_history: int = field(default=5, metadata=rule(ge=1))
    # A master snapshot (a full copy of the master) with fewer rows than this share of the last
    # published one is refused as a partial extract, history or not.
    min_snapshot_ratio: float = field(default=0.5, metadata=rule(ge=0, le=1, why="a share of the last snapshot's rows"))


@dataclass(frozen=True)
class IngestConfig:
    # {"default": {...}, "backfill": {...}, "datasets": {name: {...}}}: a dataset's thresholds are
    # the default, then (for a monthly backfill extract) the backfill profile, then its own.
    quality: Dict[str, Any]
    # Defaults (equal to the json's) only because the check-quality Lambda builds this from its
    # QUALITY_THRESHOLDS environment variable alone.
    ledger_ttl_days: int = _days(default=400)
    # A file whose partition date is older than this many days before it landed is late: its
    # partition is rewritten and the marts reading the dataset are recorded as stale.
    late_after_days: int = _days(0, default=1)

    def thresholds(self, dataset: str) -> QualityThresholds:
        from saleslens.contracts import DATASETS  # late: contracts read ROLE_LEVELS from here

        merged = dict(self.quality.get("default", {}))
        contract = DATASETS.get(dataset)
        if contract is not None and contract.backfills:
            merged.update(self.quality.get("backfill", {}))
        merged.update(self.quality.get("datasets", {}).get(dataset, {}))
        try:
            return QualityThresholds(**merged)
        except TypeError as exc:
            raise ConfigError(f"ingest.quality for {dataset}: {exc}") from exc


@dataclass(frozen=True)
class DeployConfig:
    """AWS-only settings of the CDK app; the offline runtime ignores them.

    Layer ARNs carry ``{region}`` (filled with the stack's region). Heavy dependencies
    (awswrangler, pandas, pyarrow, Powertools) come from these AWS-managed layers, so the
    function bundles stay small; bump the versions in config/saleslens.json (``deploy``), never in
    the stacks. Check a version exists in the target region with
    ``aws lambda get-layer-version-by-arn --arn <arn>``.
    """

    lambda_log_level: str = field(metadata=rule(choices=LOG_LEVELS))
    aws_sdk_pandas_layer_arn: str = field(metadata=rule(pattern=_LAYER_ARN, means="a Lambda layer version ARN with {region}"))
    powertools_layer_arn: str = field(metadata=rule(pattern=_LAYER_ARN, means="a Lambda layer version ARN with {region}"))
    # score-opportunity runs on python3.12 (infra/constructs/scoring.py): Powertools built for it.
    scoring_powertools_layer_arn: str = field(metadata=rule(pattern=_LAYER_ARN,
                                                            means="a Lambda layer version ARN with {region}"))
    # Files landing together run conform in parallel; beyond this Glue throttles (and the ASL retries).
    glue_max_concurrent_runs: int = field(metadata=rule(ge=1))
    # Landing events EventBridge cannot deliver to the ingest-events queue: retries, then the DLQ.
    event_retry_attempts: int = field(metadata=rule(ge=0, le=185, why="EventBridge's maximum"))
    event_max_age_hours: int = field(metadata=rule(ge=1, le=24, why="EventBridge keeps an event 24 h at most"))
    # The ingest-events dead-letter queue keeps messages longer than the queue it backs.
    event_dlq_retention_days: int = field(metadata=rule(ge=1, le=14, why={"le": "SQS keeps a message 14 days at most"}))
    # The ingest-events queue (EventBridge -> SQS -> start-ingest). Its visibility timeout is
    # derived: 6 x the start-ingest timeout plus the batching window (AWS's guidance).
    ingest_queue_retention_days: int = field(metadata=rule(ge=1, le=14, why={"le": "SQS keeps a message 14 days at most"}))
    ingest_queue_batch_size: int = field(metadata=rule(ge=1, le=10000, why="SQS event source maximum"))
    ingest_queue_max_batching_window_seconds: int = field(metadata=rule(ge=0, le=300, why="SQS event source maximum"))
    # Receives of one message (each a failed start-ingest attempt) before it moves to the DLQ.
    ingest_queue_max_receive_count: int = field(metadata=rule(ge=1, le=1000, why="SQS redrive policy maximum"))
    # CloudWatch alarms (observability stack): each fires when the metric's Sum over one
    # period reaches the threshold; dead-letter queues alarm on any visible message.
    alarm_period_minutes: int = field(metadata=rule(ge=1))
    executions_failed_threshold: int = field(metadata=rule(ge=1))
    executions_timed_out_threshold: int = field(metadata=rule(ge=1))
    quality_gate_breaches_threshold: int = field(metadata=rule(ge=1))
    lambda_errors_threshold: int = field(metadata=rule(ge=1))
    lambda_throttles_threshold: int = field(metadata=rule(ge=1))
    glue_job_failures_threshold: int = field(metadata=rule(ge=1))

    def layer_arns(self, region: str) -> List[str]:
        return [arn.format(region=region) for arn in (self.aws_sdk_pandas_layer_arn, self.powertools_layer_arn)]


@dataclass(frozen=True)
class Config:
    project: str = field(metadata=rule(pattern=_NAME, means=_NAME_MEANS))
    stage: str = field(metadata=rule(pattern=_NAME, means=_NAME_MEANS))
    region: str = field(metadata=rule(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", means="an AWS region such as ap-south-1"))
    offline_account: str = field(metadata=rule(pattern=r"^\d{12}$", means="a 12-digit AWS account id"))
    lake: LakeConfig
    athena: AthenaConfig
    distribution: DistributionConfig
    links: LinksConfig
    schedules: SchedulesConfig
    logs: LogsConfig
    retention: RetentionConfig
    alerts: AlertsConfig
    deploy: DeployConfig
    ingest: IngestConfig
    calendar: CalendarConfig
    kpi: KpiConfig
    insights: InsightsConfig
    scorecard: ScorecardConfig
    scoring: ScoringConfig
    forecast: ForecastConfig = field(default_factory=ForecastConfig)

    # -- names ---------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.stage}"

    def name(self, component: str) -> str:
        """Name of a regional resource (function, job, state machine, table, topic)."""
        return f"{self.prefix}-{component}"

    def bucket_name(self, zone: str, account: str, region: str | None = None) -> str:
        """Bucket names are global, so they carry account and region (may be CDK tokens)."""
        if zone not in ZONES:
            raise ConfigError(f"unknown lake zone {zone!r}; expected one of {', '.join(ZONES)}")
        return f"{self.prefix}-{zone}-{account}-{region or self.region}"

    @property
    def glue_database(self) -> str:
        return f"{self.project}_{self.stage}".replace("-", "_")

    @property
    def athena_workgroup(self) -> str:
        return self.name("analytics")


def shown_path(path: Path) -> str:
    """The path as a person would type it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _refuse_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    seen: Dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_config_file(path: Path) -> Dict[str, Any]:
    """The file's JSON object; every way it can fail is a one-line ConfigError naming the file."""
    shown = shown_path(path)
    if path.is_dir():
        raise ConfigError(f"{shown}: is a directory, not a config file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read the config file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                          "the config is a JSON file") from None
    try:
        raw = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{shown}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:
        raise ConfigError(f"{shown}: not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{shown}: must hold a JSON object of settings, got {json_kind(raw)}")
    return raw


def json_kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, bool):
        return "a boolean"
    kinds = ((dict, "an object"), (list, "an array"), (str, "a string"), ((int, float), "a number"))
    return next((name for t, name in kinds if isinstance(value, t)), "null")


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the config file (``SALESLENS_CONFIG`` or config/saleslens.json) and validate it
    against its schema; the CDK app and the offline runtime both load it here."""
    path = Path(path or os.environ.get("SALESLENS_CONFIG") or DEFAULT_CONFIG)
    raw = read_config_file(path)
    # Late: pydantic is needed only where the file is loaded (CDK, CLI, offline runtime), never by
    # the Lambda handlers or the Glue job, which import this module for its types.
    from saleslens.config_schema import validate

    return validate(raw, shown_path(path))
