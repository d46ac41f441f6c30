"""The deployable components, declared once for the CDK app and the offline runtime.

Each Lambda, Glue job and state machine is listed here with its code location and sizing; the
CDK stacks create exactly these, and the offline runtime registers exactly these in moto.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Tuple

from saleslens.config import PROJECT_ROOT, Config


@dataclass(frozen=True)
class LambdaSpec:
    key: str
    module: str  # importable module under lambdas/, entry point `handler`
    description: str
    timeout_seconds: int = 60
    memory_mb: int = 512
    # Reserved concurrency: None for the account's pool; 1 runs the function one invocation at a
    # time (a second is throttled with TooManyRequestsException, which its caller retries).
    reserved_concurrency: Optional[int] = None
    # True: the deployed timeout is what a full paced delivery batch needs for the config
    # (``lambda_timeout_seconds``); ``timeout_seconds`` is then only its ceiling, Lambda's maximum.
    sized_to_batch: bool = False


@dataclass(frozen=True)
class GlueJobSpec:
    key: str
    script: str  # path relative to the project root
    description: str
    timeout_minutes: int = 30
    max_capacity: float = 1.0  # Python shell: 0.0625 or 1 DPU
    extra_lock: Optional[str] = None  # pins this job installs beyond glue_jobs/requirements-glue.lock


@dataclass(frozen=True)
class StateMachineSpec:
    key: str
    definition: str  # ASL file relative to the project root
    description: str
    timeout_seconds: int


LAMBDAS: Dict[str, LambdaSpec] = {
    s.key: s
    for s in (
        LambdaSpec("start-ingest", "lambdas.start_ingest", "Start one ingest execution per landed object, named after the object", 60, 256),
        LambdaSpec("validate-file", "lambdas.validate_file",
                   "Identify the dataset of a landed file and check it against its contract", 60, 512),
        LambdaSpec("quarantine-file", "lambdas.quarantine_file", "Set a rejected file aside whole, with its reason", 60, 256),
        # 2 GB / 120 s: a partition fed by two files is decoded and merged (bench/publish_bench.py:
        # a 3.3 M-line backfill month plus a second file, ~11 s and ~1.7 GB in process); one file
        # is published as its bytes.
        LambdaSpec("check-quality", "lambdas.check_quality",
                   "Apply the data-quality gate to a conform run and publish its partition", 120, 2048),
        # Curation is serialised (reserved concurrency 1): runs read and rewrite the curated zone's
        # source index. A Lambda, not a Glue job: bench/curate_bench.py curates a usv month's
        # backfill extract (3.3 M lines, 31 partitions) in ~3 s holding ~1.6 GB of Arrow memory,
        # a usv day's files in under a second each; 4 GB and 15 minutes leave room, with no Glue
        # start-up per run.
        LambdaSpec("curate", "lambdas.curate", "Rebuild the curated tables a published partition feeds", 900, 4096,
                   reserved_concurrency=1),
        LambdaSpec("plan-run", "lambdas.plan_run", "Check a distribution request and list its mart queries", 60, 256),
        LambdaSpec("check-control-totals", "lambdas.check_control_totals",
                   "Stop a distribution unless net primary reconciles per window", 60, 1024),
        # A paginated Scan of the whole scores table, then one Parquet object. bench/scores_snapshot_bench.py
        # models usv (343,200 scores of 57,200 opportunities kept 400 days: 127 Scan pages of 1 MB) and
        # times the in-process part (items -> rows -> Parquet) at 3.7 s of CPU; every score is held
        # until its opportunity's trend is known, hence 2 GB. 120 s leave room for the 127 requests.
        LambdaSpec("snapshot-scores", "lambdas.snapshot_scores",
                   "Copy the opportunity scores table into the curated zone before the marts run", 120, 2048),
        # Reads its inputs through Athena (summed in SQL to territory, stockist x brand x day and
        # stockist x SKU rows) and holds them in pandas: bench/insights_bench.py measures a usv month.
        # 540 s: below its Task's 600 s, so a timeout is the function's own error, not the state's.
        LambdaSpec("build-insights", "lambdas.build_insights",
                   "Compute the run's spikes, troughs, stuffing, churn risk and profitability as insight tables", 540, 3008),
        LambdaSpec("resolve-recipients", "lambdas.resolve_recipients", "List the report recipients active on the run date", 120, 1024),
        # One invocation per batch of distribution.batch_size recipients, its timeout sized to a
        # full batch paced at the container's share of the SES rate (render_report_timeout_seconds;
        # the offline runtime, whose moto enforces none, registers the 900 s ceiling). It holds the
        # run's mart rows: about 1 GB for a usv daily run (bench/distribution_bench.py render), hence 3 GB.
        LambdaSpec("render-report", "lambdas.render_report",
                   "Render a batch of recipients' reports and email each a link to theirs", 900, 3008,
                   sized_to_batch=True),
        # The link service: behind a function URL, throttled by reserved concurrency (links.max_concurrent_opens).
        LambdaSpec("open-report", "lambdas.open_report",
                   "Check a report link and redirect to the report, or refuse it", 10, 256),
        LambdaSpec("rotate-link-key", "lambdas.rotate_link_key", "Rotate the link signing key", 30, 128),
        LambdaSpec("record-email-event", "lambdas.record_email_event",
                   "Record SES bounces and complaints in the email suppression table", 30, 256),
        LambdaSpec("summarise-run", "lambdas.summarise_run", "Count what a distribution run delivered and tell ops", 60, 512),
        LambdaSpec("apply-views", "lambdas.apply_views", "Create or replace the Athena views on deploy", 600, 512),
        LambdaSpec("record-execution-status", "lambdas.record_execution_status",
                   "Record and announce a run that timed out, was stopped or failed without telling ops", 30, 256),
        # Scoring on CRM events: its own package (numpy, scipy, lightgbm; no pandas, no pyarrow:
        # infra/constructs/scoring.py). 300 s: with the CRM down, each event of a batch of 10
        # spends one call's retry ladder before failing (config scoring: 4 attempts x 5 s timeout
        # + 0.5 + 1 + 2 s backoff = 23.5 s, 235 s a batch); 1 GB gives LightGBM CPU for a cold parse.
        LambdaSpec("score-opportunity", "lambdas.score_opportunity",
                   "Score an opportunity on its CRM event, write the score back to the CRM and store it", 300, 1024),
    )
}

GLUE_JOBS: Dict[str, GlueJobSpec] = {
    s.key: s
    for s in (
        GlueJobSpec("conform", "glue_jobs/conform.py",
                    "Validate rows against the contract and write clean Parquet and quarantine", 30, 1.0),
        # Training is a Glue Python-shell job, not a Lambda: pandas, pyarrow, lightgbm, scipy and
        # their closure (~364 MB installed) exceed Lambda's 250 MB unzipped package. 1 DPU (16 GB):
        # the usv history (129,313 opportunities) trains in seconds (bench/README.md), in memory.
        GlueJobSpec("train-scoring", "glue_jobs/train_scoring.py",
                    "Train the opportunity-scoring models on the curated CRM history and promote a better champion",
                    30, 1.0, extra_lock="glue_jobs/requirements-scoring.lock"),
        # 1 DPU (4 vCPUs: AutoETS over 4 processes); 180 min: a usv month is ~130,000 series x
        # (1 + forecast.backtest_origins) fits (bench/README.md "Forecasts"). Its extra libraries:
        # glue_jobs/requirements-forecast.lock.
        GlueJobSpec("forecast", "glue_jobs/forecast.py",
                    "Forecast net primary 30/60/90 days per territory x brand, rolled up the position tree",
                    180, 1.0, extra_lock="glue_jobs/requirements-forecast.lock"),
    )
}

STATE_MACHINES: Dict[str, StateMachineSpec] = {
    s.key: s
    for s in (
        StateMachineSpec("ingest", "step_functions/ingest.asl.json", "Validate, conform and quality-gate one landed file", 3 * 3600),
        StateMachineSpec("curate", "step_functions/curate.asl.json", "Curate what one published partition feeds", 14400),
        StateMachineSpec("distribute", "step_functions/distribute.asl.json",
                         "Build role marts and insights, render and deliver every recipient's report", 8 * 3600),
        StateMachineSpec("train-scoring", "step_functions/train_scoring.asl.json",
                         "Train the opportunity-scoring models (weekly) under the run ledger", 7200),
        StateMachineSpec("forecast", "step_functions/forecast.asl.json",
                         "Forecast net primary per position for the 30/60/90 days after a month end", 4 * 3600),
    )
}

# Names of the other shared resources.
OPS_TOPIC = "ops-alerts"
DELIVERY_LEDGER_TABLE = "delivery-ledger"
RUN_LEDGER_TABLE = "run-ledger"
INGEST_QUEUE = "ingest-events"  # landing events, buffered for the start-ingest function
EVENT_BUS = "default"  # where PartitionPublished events go (curation listens there)
SES_CONFIGURATION_SET = "reports"
LINK_SIGNING_SECRET = "link-signing-key"  # Secrets Manager: the HMAC key of the report links
LINK_REVOCATION_TABLE = "link-revocations"
LINK_ACCESS_LOG_TABLE = "link-access-log"
EMAIL_EVENTS_TOPIC = "email-events"  # the configuration set's event destination
EMAIL_SUPPRESSION_TABLE = "email-suppression"  # hard bounces and complaints (delivery.suppression)
CRM_EVENT_BUS = "crm-events"  # the CRM's opportunity events (scoring.events)
SCORING_QUEUE = "scoring-events"  # CRM events buffered for score-opportunity
SCORING_BATCH_SIZE = 10  # events per score-opportunity invocation (the queue's event source)
SCORING_DLQ = "scoring-events-dlq"  # bad CRM events (with their reason) and exhausted retries
TRAINING_RUNS = "runs"  # train-scoring's run summaries, under scoring.model_prefix
OPPORTUNITY_SCORES_TABLE = "opportunity-scores"  # (opportunity_id, scored_at) -> score (scoring.store)
# Handlers that do not run on the shared bundle + pandas layer: they have a package of their own.
OWN_PACKAGE_LAMBDAS = ("score-opportunity",)


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to (``aws``, ``aws-cn``, ``aws-us-gov``...), by the rule
    botocore's endpoint resolution applies (a region no partition claims is in the first one).
    The CDK app, whose region is a token, passes ``AWS::Partition`` instead."""
    return _partitions().aws_partition(region)["name"]


@lru_cache(maxsize=1)
def _partitions() -> Any:
    from botocore.endpoint_provider import RuleSetStandardLibrary
    from botocore.loaders import create_loader

    return RuleSetStandardLibrary(create_loader().load_data("partitions"))


def lambda_arn(cfg: Config, key: str, account: str, region: str, partition: Optional[str] = None) -> str:
    return f"arn:{partition or partition_of(region)}:lambda:{region}:{account}:function:{cfg.name(key)}"


def state_machine_arn(cfg: Config, key: str, account: str, region: str, partition: Optional[str] = None) -> str:
    return f"arn:{partition or partition_of(region)}:states:{region}:{account}:stateMachine:{cfg.name(key)}"


# The pipeline name each state machine's runs carry in the ledger (``ops`` lists runs by it).
PIPELINE_OF_MACHINE = {"ingest": "ingest", "curate": "curation", "distribute": "distribution",
                       "train-scoring": "training", "forecast": "forecast"}


def state_machine_pipelines(cfg: Config) -> Dict[str, str]:
    """State machine name -> pipeline, for the execution-status rule's target."""
    return {cfg.name(key): PIPELINE_OF_MACHINE[key] for key in STATE_MACHINES}


def topic_arn(cfg: Config, account: str, region: str, partition: Optional[str] = None) -> str:
    return f"arn:{partition or partition_of(region)}:sns:{region}:{account}:{cfg.name(OPS_TOPIC)}"


def _compact(value: object) -> str:
    """JSON without the spaces json.dumps puts after separators: Lambda allows 4 KB of variables in
    all (tests/infra/test_lambda_environment_size.py)."""
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def runtime_environment(cfg: Config, account: str, region: str, partition: Optional[str] = None) -> Dict[str, str]:
    """Environment of every Lambda: the same keys in AWS and offline, each read by a handler
    (or by Powertools: the POWERTOOLS_ ones)."""
    return {
        "CLEAN_BUCKET": cfg.bucket_name("clean", account, region),
        "QUARANTINE_BUCKET": cfg.bucket_name("quarantine", account, region),
        "CURATED_BUCKET": cfg.bucket_name("curated", account, region),
        "REPORTS_BUCKET": cfg.bucket_name("reports", account, region),
        "GLUE_DATABASE": cfg.glue_database,
        "ATHENA_WORKGROUP": cfg.athena_workgroup,
        "SENDER_EMAIL": cfg.distribution.sender,
        "EMAIL_DOMAINS": _compact(cfg.distribution.email_domains),
        "SES_CONFIGURATION_SET": cfg.name(SES_CONFIGURATION_SET),
        "DELIVERY_LEDGER_TABLE": cfg.name(DELIVERY_LEDGER_TABLE),
        "RUN_LEDGER_TABLE": cfg.name(RUN_LEDGER_TABLE),
        "INGEST_STATE_MACHINE_ARN": state_machine_arn(cfg, "ingest", account, region, partition),
        "LEDGER_TTL_DAYS": str(cfg.ingest.ledger_ttl_days),
        "DELIVERY_LEDGER_TTL_DAYS": str(cfg.retention.delivery_ledger_days),
        "OPS_TOPIC_ARN": topic_arn(cfg, account, region, partition),
        "STATE_MACHINE_PIPELINES": _compact(state_machine_pipelines(cfg)),
        "LATE_AFTER_DAYS": str(cfg.ingest.late_after_days),
        "QUALITY_THRESHOLDS": _compact(cfg.ingest.quality),
        "LINK_SIGNING_SECRET": cfg.name(LINK_SIGNING_SECRET),
        "LINK_REVOCATION_TABLE": cfg.name(LINK_REVOCATION_TABLE),
        "LINK_ACCESS_LOG_TABLE": cfg.name(LINK_ACCESS_LOG_TABLE),
        "LINK_TOKEN_DAYS": str(cfg.links.token_lifetime_days),
        "LINK_REDIRECT_SECONDS": str(cfg.links.redirect_lifetime_seconds),
        "LINK_ACCESS_LOG_DAYS": str(cfg.retention.link_opens_days),
        "EMAIL_SUPPRESSION_TABLE": cfg.name(EMAIL_SUPPRESSION_TABLE),
        "EMAIL_SUPPRESSION_DAYS": str(cfg.retention.email_suppression_days),
        # Per deployment, so the suppression table's hashes match nothing elsewhere (delivery.suppression).
        "SUPPRESSION_SALT": f"{cfg.prefix}/{account}",
        # The SNS platform application of each push platform (delivery.push); created at deploy time.
        "PUSH_APPLICATIONS": _compact({p: push_application_arn(cfg, p, account, region, partition)
                                       for p in cfg.distribution.push_platforms}),
        # Each render-report container's share of the SES quota (delivery.pacing); offline sets 0.
        "SES_SEND_RATE_PER_SECOND": str(ses_send_rate_per_container(cfg)),
        "DELIVERY_BATCH_SIZE": str(cfg.distribution.batch_size),
        "DELIVERY_TOLERATED_FAILURE_PERCENTAGE": str(cfg.distribution.tolerated_failure_percentage),
        "CURATE_SETTINGS": _compact(curate_settings(cfg)),
        # The company's zone: PlanRun reads a schedule's fire time in it to settle an "auto" run
        # date; curate and the link service take today's date in it (a holder's last day, links.holders).
        "SCHEDULE_TIMEZONE": cfg.schedules.timezone,
        # Scoring on CRM events (saleslens.scoring.service): the CRM, retries, champions, history.
        "SCORING_SETTINGS": _compact(scoring_settings(cfg)),
        "OPPORTUNITY_SCORES_TABLE": cfg.name(OPPORTUNITY_SCORES_TABLE),
        "SCORING_DLQ": cfg.name(SCORING_DLQ),
        "POWERTOOLS_SERVICE_NAME": cfg.project,
        "POWERTOOLS_METRICS_NAMESPACE": "SalesLens",
    }


def scoring_settings(cfg: Config) -> Dict[str, object]:
    """What score-opportunity reads from the config's ``scoring`` section (scoring.service.ScoringSettings
    takes the keys it knows; the queue's receive count and the training schedule are the CDK app's alone)."""
    from dataclasses import asdict

    return {k: v for k, v in asdict(cfg.scoring).items() if k not in ("queue_max_receive_count", "training")}


def push_application_name(cfg: Config, platform: str) -> str:
    """The SNS platform application of a push platform: saleslens-<stage>-push-apns / -push-gcm."""
    return cfg.name(f"push-{platform.lower()}")


def push_application_arn(cfg: Config, platform: str, account: str, region: str, partition: Optional[str] = None) -> str:
    return (f"arn:{partition or partition_of(region)}:sns:{region}:{account}:"
            f"app/{platform}/{push_application_name(cfg, platform)}")


def _delivery_map() -> Dict[str, Any]:
    """The distribute machine's one Distributed Map state, as its ASL file declares it."""
    import json

    definition = json.loads((PROJECT_ROOT / STATE_MACHINES["distribute"].definition).read_text(encoding="utf-8"))
    found = []

    def walk(states: Dict[str, Any]) -> None:
        for state in states.values():
            processor = state.get("ItemProcessor") or {}
            if (processor.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED":
                found.append(state)
            if processor:
                walk(processor["States"])

    walk(definition["States"])
    if len(found) != 1:
        raise ValueError("the distribute machine needs one Distributed Map (the delivery Map)")
    return found[0]


def delivery_map_concurrency() -> int:
    """MaxConcurrency of the distribute machine's Distributed Map (the most children at once).

    It stays a number in the ASL file rather than a definition substitution: CloudFormation
    substitutes text, so a placeholder there would make the file invalid JSON, or a string that
    neither Step Functions nor moto's ASL parser takes for a MaxConcurrency."""
    concurrency = int(_delivery_map().get("MaxConcurrency") or 0)
    if concurrency < 1:
        raise ValueError("the delivery Map needs a MaxConcurrency of at least 1 to pace SES sending")
    return concurrency


def delivery_task_timeout_seconds() -> int:
    """TimeoutSeconds of the delivery Map's one Task (the render-report invocation of a batch)."""
    states = _delivery_map()["ItemProcessor"]["States"]
    tasks = [s for s in states.values() if s.get("Type") == "Task"]
    if len(tasks) != 1 or "TimeoutSeconds" not in tasks[0]:
        raise ValueError("the delivery Map needs one Task with a TimeoutSeconds")
    return int(tasks[0]["TimeoutSeconds"])


def ses_send_rate_per_container(cfg: Config) -> float:
    from saleslens.delivery.pacing import per_container_rate

    return per_container_rate(cfg.distribution.ses_max_send_rate, delivery_map_concurrency())


def render_report_timeout_seconds(cfg: Config) -> int:
    """What a full batch of distribution.batch_size needs, sending at the container's share of
    ses_max_send_rate (saleslens.asl_budget.batch_timeout_seconds)."""
    from saleslens.asl_budget import batch_timeout_seconds

    return batch_timeout_seconds(cfg.distribution.batch_size, ses_send_rate_per_container(cfg))


def lambda_timeout_seconds(cfg: Config, key: str) -> int:
    """The timeout a function is deployed with."""
    spec = LAMBDAS[key]
    return render_report_timeout_seconds(cfg) if spec.sized_to_batch else spec.timeout_seconds


def curate_settings(cfg: Config) -> Dict[str, object]:
    """What the curate function reads from the config: the calendar rules and the KPI parameters."""
    from dataclasses import asdict

    return {"calendar": asdict(cfg.calendar),
            "parameters": {**{k: str(v) for k, v in cfg.kpi.parameters().items()},
                           "main_country": cfg.calendar.main_country}}


def report_settings(cfg: Config) -> Dict[str, object]:
    """What render-report reads from the config: the scorecard (CMO, BUH and NH reports) and how many
    least profitable stockists a report lists."""
    from dataclasses import asdict

    return {"scorecard": asdict(cfg.scorecard), "least_profitable": cfg.insights.profitability.least_profitable}


def json_string_literal(value: object) -> str:
    """``value`` as JSON, escaped to sit inside a JSON string of an ASL file ("${Name}"): the task
    receives the JSON text and parses it."""
    import json

    return json.dumps(json.dumps(value, sort_keys=True, separators=(",", ":")))[1:-1]


def definition_substitutions(
    cfg: Config,
    machine: str,
    *,
    account: str,
    region: str,
    lambda_arn_of: Callable[[str], str],
    ops_topic_arn: str,
    offline: bool,
) -> Dict[str, str]:
    """DefinitionSubstitutions for one ASL file.

    The CDK app passes CloudFormation tokens for ARNs; the offline runtime passes moto's ARNs.
    ``offline`` only switches what moto's interpreter cannot run (docs/architecture.md): Distributed
    Map child executions are EXPRESS in AWS and STANDARD offline.
    """
    if machine == "ingest":
        return {
            "RunLedgerTable": cfg.name(RUN_LEDGER_TABLE),
            "ValidateFileFunctionArn": lambda_arn_of("validate-file"),
            "QuarantineFileFunctionArn": lambda_arn_of("quarantine-file"),
            "ConformJobName": cfg.name("conform"),
            "CheckQualityFunctionArn": lambda_arn_of("check-quality"),
            "EventBusName": EVENT_BUS,
            "OpsTopicArn": ops_topic_arn,
        }
    if machine == "curate":
        return {
            "RunLedgerTable": cfg.name(RUN_LEDGER_TABLE),
            "CurateFunctionArn": lambda_arn_of("curate"),
            "OpsTopicArn": ops_topic_arn,
        }
    if machine == "distribute":
        from dataclasses import asdict

        return {
            "PlanRunFunctionArn": lambda_arn_of("plan-run"),
            "SnapshotScoresFunctionArn": lambda_arn_of("snapshot-scores"),
            "CheckControlTotalsFunctionArn": lambda_arn_of("check-control-totals"),
            "BuildInsightsFunctionArn": lambda_arn_of("build-insights"),
            "ResolveRecipientsFunctionArn": lambda_arn_of("resolve-recipients"),
            "RenderReportFunctionArn": lambda_arn_of("render-report"),
            "SummariseRunFunctionArn": lambda_arn_of("summarise-run"),
            "AthenaWorkgroup": cfg.athena_workgroup,
            "GlueDatabase": cfg.glue_database,
            "ReportsBucket": cfg.bucket_name("reports", account, region),
            "OpsTopicArn": ops_topic_arn,
            "MapExecutionType": "STANDARD" if offline else "EXPRESS",
            # Config sections the run's tasks read from their event, not from the functions'
            # environment (Lambda's 4 KB for all variables would not hold the scorecard).
            "InsightsSettings": json_string_literal(asdict(cfg.insights)),
            "ReportSettings": json_string_literal(report_settings(cfg)),
        }
    if machine == "train-scoring":
        return {
            "RunLedgerTable": cfg.name(RUN_LEDGER_TABLE),
            "TrainScoringJobName": cfg.name("train-scoring"),
            "TrainingRunsLocation": training_runs_location(cfg, account, region),
            "OpsTopicArn": ops_topic_arn,
        }
    if machine == "forecast":
        return {
            "RunLedgerTable": cfg.name(RUN_LEDGER_TABLE),
            "ForecastJobName": cfg.name("forecast"),
            "OpsTopicArn": ops_topic_arn,
        }
    raise KeyError(f"unknown state machine {machine!r}")


def training_runs_location(cfg: Config, account: str, region: str) -> str:
    """Where train-scoring writes each run's summary (<location>/<execution name>.json)."""
    return f"s3://{cfg.bucket_name('curated', account, region)}/{cfg.scoring.model_prefix}/{TRAINING_RUNS}"


def substitution_keys(machine: str) -> Tuple[str, ...]:
    """The keys the substitutions above provide (used by contract tests)."""
    from saleslens.config import load_config

    cfg = load_config()
    subs = definition_substitutions(
        cfg, machine, account="0" * 12, region=cfg.region,
        lambda_arn_of=lambda k: k, ops_topic_arn="t", offline=True,
    )
    return tuple(sorted(subs))


def glue_default_arguments(cfg: Config, account: str, region: str, job: str = "conform") -> Dict[str, str]:
    """Job arguments every run of ``job`` gets (the state machine adds the per-run ones: for
    conform the landed file's bucket and key, for train-scoring the run's instant and id, for
    forecast the origin).

    The CDK app adds Glue's own keys (--extra-py-files, library-set) on top.
    """
    if job == "forecast":
        return {"--curated_bucket": cfg.bucket_name("curated", account, region),
                "--forecast_settings": json_text(forecast_settings(cfg))}
    if job == "train-scoring":
        s = cfg.scoring
        return {
            "--curated_bucket": cfg.bucket_name("curated", account, region),
            "--model_prefix": s.model_prefix,
            "--min_history_won": str(s.min_history_won),
            "--min_history_lost": str(s.min_history_lost),
        }
    if job != "conform":
        raise KeyError(f"unknown Glue job {job!r}")
    return {
        "--clean_bucket": cfg.bucket_name("clean", account, region),
        "--quarantine_bucket": cfg.bucket_name("quarantine", account, region),
    }


def forecast_settings(cfg: Config) -> Dict[str, object]:
    """What the forecast job reads from the config (saleslens.forecast.job.ForecastSettings)."""
    from dataclasses import asdict

    settings = {k: v for k, v in asdict(cfg.forecast).items() if k != "schedule"}
    return {**settings, "timezone": cfg.schedules.timezone}


def json_text(value: object) -> str:
    import json

    return json.dumps(value, sort_keys=True)
