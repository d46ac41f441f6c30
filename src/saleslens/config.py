"""The one configuration read by the CDK app and by the offline runtime.

Resource names are derived here and nowhere else, so what `cdk deploy` creates and what the
offline runtime provisions carry the same names. Python 3.9-safe: Glue jobs import it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

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

# Role levels, bottom to top (KPI_CATALOGUE.md).
ROLE_LEVELS = ("SR", "ASM", "RSM", "ZSM", "NH", "BUH", "CMO")


class ConfigError(ValueError):
    """The configuration file is missing a value or holds an invalid one."""


@dataclass(frozen=True)
class LakeConfig:
    noncurrent_version_expiry_days: int = 90
    landing_transition_to_ia_days: int = 30
    reports_expiry_days: int = 400
    athena_results_expiry_days: int = 30
    access_logs_expiry_days: int = 365


@dataclass(frozen=True)
class AthenaConfig:
    bytes_scanned_cutoff_per_query: int = 10 * 1024**3


@dataclass(frozen=True)
class DistributionConfig:
    sender: str = "reports@saleslens.example.com"
    report_link_ttl_seconds: int = 7 * 24 * 3600
    cadences: List[str] = field(default_factory=lambda: ["daily", "fortnightly", "monthly"])


@dataclass(frozen=True)
class LogsConfig:
    retention_days: int = 90


@dataclass(frozen=True)
class AlertsConfig:
    ops_email: str = ""


WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # date.weekday() order


@dataclass(frozen=True)
class CalendarConfig:
    """Working days (KPI catalogue 6): every day but the country's weekly off and the holidays of
    the company's holiday calendar (the hr_holidays dataset). The fiscal year starts on the 1st of
    ``fiscal_year_start_month``; fiscal quarters are its three-month blocks. The main country is
    the one whose business days schedule the reports."""

    weekly_off: Dict[str, str] = field(default_factory=lambda: {"IN": "SUN", "LK": "SUN", "NP": "SAT"})
    main_country: str = "IN"
    fiscal_year_start_month: int = 4

    def weekly_off_day(self, country: str) -> int:
        """date.weekday() of the country's weekly off."""
        return WEEKDAYS.index(self.weekly_off[country])


@dataclass(frozen=True)
class KpiConfig:
    """The parameters the KPI views read (written to the curated zone as cur_ref__parameters)."""

    # On-time DCR: a field day is on time when every call of it was submitted within this many
    # calendar days of the call date.
    dcr_allowed_days: int = 2
    # A vacancy counts as filled within a month when it lasted at most this many days.
    vacancy_filled_within_days: int = 30
    # Training KPIs count the assignments of this many days up to the report date.
    training_lookback_days: int = 365

    def parameters(self) -> Dict[str, int]:
        return {name: int(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class QualityThresholds:
    """Data-quality gate of one dataset; a breach stops the run before the partition is published."""

    max_quarantined_share: float = 0.25  # of rows_in
    # Row count against the median of the last `history_runs` published runs of the dataset,
    # checked once `min_history` runs exist: below min_row_ratio x median (a partial extract) or
    # above max_row_ratio x median (a doubled one) is a breach.
    min_row_ratio: float = 0.2
    max_row_ratio: float = 5.0
    history_runs: int = 14
    min_history: int = 5


@dataclass(frozen=True)
class IngestConfig:
    ledger_ttl_days: int = 400
    # A file whose partition date is older than this many days before it landed is late: its
    # partition is rewritten and the marts reading the dataset are recorded as stale.
    late_after_days: int = 1
    # {"default": {...}, "backfill": {...}, "datasets": {name: {...}}}: a dataset's thresholds are
    # the default, then (for a monthly backfill extract) the backfill profile, then its own.
    quality: Dict[str, Any] = field(default_factory=dict)

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
    function bundles stay small; bump the versions here, never in the stacks. Check a version
    exists in the target region with ``aws lambda get-layer-version-by-arn --arn <arn>``.
    """

    lambda_log_level: str = "INFO"
    aws_sdk_pandas_layer_arn: str = "arn:aws:lambda:{region}:336392948345:layer:AWSSDKPandas-Python311:31"
    powertools_layer_arn: str = (
        "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:27"
    )
    # Files landing together run conform in parallel; beyond this Glue throttles (and the ASL retries).
    glue_max_concurrent_runs: int = 20
    # Landing events EventBridge cannot deliver to the ingest-events queue: retries, then the DLQ.
    event_retry_attempts: int = 8
    event_max_age_hours: int = 24
    # The ingest-events dead-letter queue keeps messages longer than the queue it backs.
    event_dlq_retention_days: int = 14
    # The ingest-events queue (EventBridge -> SQS -> start-ingest). Its visibility timeout is
    # derived: 6 x the start-ingest timeout plus the batching window (AWS's guidance).
    ingest_queue_retention_days: int = 4
    ingest_queue_batch_size: int = 10
    ingest_queue_max_batching_window_seconds: int = 0
    # Receives of one message (each a failed start-ingest attempt) before it moves to the DLQ.
    ingest_queue_max_receive_count: int = 5
    # CloudWatch alarms (observability stack): each fires when the metric's Sum over one
    # period reaches the threshold; dead-letter queues alarm on any visible message.
    alarm_period_minutes: int = 5
    executions_failed_threshold: int = 1
    executions_timed_out_threshold: int = 1
    quality_gate_breaches_threshold: int = 1
    lambda_errors_threshold: int = 1
    lambda_throttles_threshold: int = 1
    glue_job_failures_threshold: int = 1

    def layer_arns(self, region: str) -> List[str]:
        return [arn.format(region=region) for arn in (self.aws_sdk_pandas_layer_arn, self.powertools_layer_arn)]


@dataclass(frozen=True)
class Config:
    project: str
    stage: str
    region: str
    offline_account: str
    lake: LakeConfig
    athena: AthenaConfig
    distribution: DistributionConfig
    logs: LogsConfig
    alerts: AlertsConfig
    deploy: DeployConfig = field(default_factory=DeployConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    kpi: KpiConfig = field(default_factory=KpiConfig)

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


def _check_calendar(cal: CalendarConfig) -> None:
    from saleslens.contracts.hr import COUNTRIES  # late: contracts read ROLE_LEVELS from here

    if set(cal.weekly_off) != set(COUNTRIES):
        raise ConfigError(f"calendar.weekly_off must name every country {COUNTRIES}, got {sorted(cal.weekly_off)}")
    bad = {c: d for c, d in cal.weekly_off.items() if d not in WEEKDAYS}
    if bad:
        raise ConfigError(f"calendar.weekly_off: days must be one of {', '.join(WEEKDAYS)}, got {bad}")
    if cal.main_country not in COUNTRIES:
        raise ConfigError(f"calendar.main_country must be one of {COUNTRIES}, got {cal.main_country!r}")
    if not 1 <= cal.fiscal_year_start_month <= 12:
        raise ConfigError("calendar.fiscal_year_start_month must be 1..12")


def _section(cls: type, raw: Dict[str, Any], key: str) -> Any:
    values = raw.get(key, {})
    if not isinstance(values, dict):
        raise ConfigError(f"config section {key!r} must be an object")
    known = set(cls.__dataclass_fields__)
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"config section {key!r} has unknown keys: {', '.join(sorted(unknown))}")
    return cls(**values)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the config file (``SALESLENS_CONFIG`` or config/saleslens.json) and check it."""
    path = Path(path or os.environ.get("SALESLENS_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid JSON: {exc}") from exc
    for key in ("project", "stage", "region", "offline_account"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"config file {path}: {key!r} must be a non-empty string")
    if not raw["offline_account"].isdigit() or len(raw["offline_account"]) != 12:
        raise ConfigError("offline_account must be a 12-digit AWS account id")
    cfg = Config(
        project=raw["project"],
        stage=raw["stage"],
        region=raw["region"],
        offline_account=raw["offline_account"],
        lake=_section(LakeConfig, raw, "lake"),
        athena=_section(AthenaConfig, raw, "athena"),
        distribution=_section(DistributionConfig, raw, "distribution"),
        logs=_section(LogsConfig, raw, "logs"),
        alerts=_section(AlertsConfig, raw, "alerts"),
        deploy=_section(DeployConfig, raw, "deploy"),
        ingest=_section(IngestConfig, raw, "ingest"),
        calendar=_section(CalendarConfig, raw, "calendar"),
        kpi=_section(KpiConfig, raw, "kpi"),
    )
    _check_calendar(cfg.calendar)
    for name, value in cfg.kpi.parameters().items():
        if value < 0:
            raise ConfigError(f"kpi.{name} must not be negative")
    if "@" not in cfg.distribution.sender:
        raise ConfigError("distribution.sender must be an email address")
    from saleslens.contracts import DATASETS  # late: contracts read ROLE_LEVELS from here

    unknown = set(cfg.ingest.quality.get("datasets", {})) - set(DATASETS)
    if unknown:
        raise ConfigError(f"ingest.quality names unknown datasets: {', '.join(sorted(unknown))}")
    for table in DATASETS:
        cfg.ingest.thresholds(table)  # every dataset's merged thresholds must be valid
    return cfg
