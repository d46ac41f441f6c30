"""Modelled monthly AWS cost of running SalesLens at usv scale, against the goal of under $50.

A model, not a measurement: every input is a stated assumption or a count read from the code,
and every price a public on-demand list price. Run from the project root:

    .venv/bin/python bench/cost_model.py                    # usv: 5,500 recipients
    .venv/bin/python bench/cost_model.py --recipients 5500 --json

Read from the code at run time: the states each state machine traverses on its success path
(step_functions/*.asl.json), the number of mart queries per distribution run (saleslens.distribution.marts.MARTS),
the batch size and SES rate (config/saleslens.json), each Lambda's memory and the Glue jobs' DPUs
(src/saleslens/components.py), the Distributed Map's MaxConcurrency, and the alarms the
observability stack creates (one per rule in infra/stacks/observability.py, counted from the
same component lists). Volumes and durations the code cannot tell are the ASSUMPTIONS below,
each with its source.

Worst case throughout, as asked of the model: every distribution run emails every recipient
(a run whose figures did not change for a person sends them nothing), so SES, the render-report
Lambda's paced sending and the report storage are upper bounds.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run as a script from the project root
    sys.path.insert(0, str(ROOT / "src"))

GB = 1024**3
GOAL_USD = 50.0

# --------------------------------------------------------------------------------------------
# Prices: public on-demand list prices in USD, read 2026-11-26 from stored copies of AWS's price
# pages (named beside each). The pages' region tables did not come through in those copies, so
# these are the US East (N. Virginia) prices the pages quote in their text and examples, used for
# Asia Pacific (Mumbai) as they are: Mumbai's own prices were not found (for some services they
# are a few per cent higher; not checked). "list" marks a price whose AWS page was not in the
# stored copies: AWS's published US East figure, confirmed only where a third-party page is named.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prices:
    # https://aws.amazon.com/step-functions/pricing/ : Standard $0.025 per 1,000 state
    # transitions, 4,000 free a month (always free); Express $1.00 per million requests and
    # $0.00001667 per GB-second, billed in 64 MB chunks, rounded up to 100 ms.
    sfn_per_transition: float = 0.025 / 1000
    sfn_free_transitions: int = 4000
    sfn_express_per_request: float = 1.00 / 1e6
    sfn_express_per_gb_second: float = 0.00001667
    sfn_express_memory_gb: float = 64 / 1024
    # https://aws.amazon.com/lambda/pricing/ : x86 $0.0000166667 per GB-second, $0.20 per million
    # requests; free tier 400,000 GB-seconds and 1 M requests a month (always free).
    lambda_per_gb_second: float = 0.0000166667
    lambda_per_request: float = 0.20 / 1e6
    lambda_free_gb_seconds: float = 400_000
    lambda_free_requests: int = 1_000_000
    # https://aws.amazon.com/ses/pricing/ (list; $0.10 per thousand also in the stored
    # acecloudinterviews.com SES tutorial): $0.10 per 1,000 outbound emails (the emails carry a
    # link, no attachment). The SES FAQ's free tier applies to sending from EC2 only: not counted.
    ses_per_email: float = 0.10 / 1000
    # https://aws.amazon.com/sns/pricing/ (list): mobile push $0.50 per million notifications,
    # the first million a month free.
    sns_per_push: float = 0.50 / 1e6
    sns_free_pushes: int = 1_000_000
    # https://aws.amazon.com/athena/pricing/ (list; $5 per TB, rounded up to the MB, 10 MB minimum
    # per query, in the stored athena.guide "Pricing Model" article and rcpedia.stanford.edu's
    # Athena page). The minimum is already in bench/README.md's modelled bytes.
    athena_per_tb: float = 5.0
    # https://aws.amazon.com/glue/pricing/ : $0.44 per DPU-hour, billed per second, 1-minute
    # minimum for Python shell jobs.
    glue_per_dpu_hour: float = 0.44
    glue_minimum_seconds: float = 60
    # https://aws.amazon.com/s3/pricing/ (list): Standard $0.023 per GB-month (first 50 TB),
    # PUT/COPY/POST/LIST $0.005 per 1,000, GET $0.0004 per 1,000.
    s3_per_gb_month: float = 0.023
    s3_per_put: float = 0.005 / 1000
    s3_per_get: float = 0.0004 / 1000
    # https://aws.amazon.com/kms/pricing/ (list): $1 per customer-managed key a month, $0.03 per
    # 10,000 requests (20,000 free a month).
    kms_per_key_month: float = 1.0
    kms_per_request: float = 0.03 / 10_000
    kms_free_requests: int = 20_000
    # https://aws.amazon.com/cloudwatch/pricing/ : free tier 10 alarm metrics, 10 custom metrics,
    # 3 dashboards, 5 GB of logs (ingestion, storage, Insights scans together); paid (list) $0.10
    # per standard alarm metric, $0.30 per custom metric, $0.50 per GB ingested, $0.03 per GB-month
    # stored.
    cw_per_alarm: float = 0.10
    cw_free_alarms: int = 10
    cw_per_custom_metric: float = 0.30
    cw_free_custom_metrics: int = 10
    cw_per_gb_ingested: float = 0.50
    cw_per_gb_month_stored: float = 0.03
    cw_free_log_gb: float = 5.0
    # https://aws.amazon.com/dynamodb/pricing/on-demand/ (list; the figures after the November 2024
    # on-demand price cut, as the stored airbyte.com "DynamoDB pricing" guide quotes them for US
    # East): $0.625 per million write request units, $0.125 per million read request units
    # (storage of the ledgers: inside the 25 GB free).
    ddb_per_write: float = 0.625 / 1e6
    ddb_per_read: float = 0.125 / 1e6
    # https://aws.amazon.com/secrets-manager/pricing/ (list): $0.40 per secret a month.
    secret_per_month: float = 0.40
    # https://aws.amazon.com/eventbridge/pricing/ (list): Scheduler 14 M invocations a month free;
    # custom events (PutEvents) $1.00 per million.
    events_per_custom_event: float = 1.00 / 1e6
    # https://aws.amazon.com/sqs/pricing/ (list): standard queues $0.40 per million requests (each
    # 64 KB chunk of a request is one), the first million a month free.
    sqs_per_request: float = 0.40 / 1e6
    sqs_free_requests: int = 1_000_000


PRICES = Prices()


# --------------------------------------------------------------------------------------------
# Assumptions: volumes and durations the code does not fix.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    # Recipients: the usv org's 5,500 employees on 2024-04-01 (src/saleslens/generate/scales.py;
    # bench/README.md: 5,476-5,478 emailable holders on a run date). Every one emailed every run.
    recipients: int = 5500
    # Runs a month: the daily schedule is cron(0 7 * * ? *), every day, not business days only
    # (config/saleslens.json schedules), so 30; fortnightly on the 1st and 16th: 2; monthly: 1.
    daily_runs: int = 30
    fortnightly_runs: int = 2
    monthly_runs: int = 1
    # Files landed a month: `generate("usv", days=30)` writes 356 files (bench/README.md,
    # generator table: 21 on the opening day, 10-12 on an ordinary day). One ingest execution
    # per file; one curate execution per published partition, taken as one per file (a usv day:
    # 22 files, 22 curate runs in bench/curate_bench.py).
    files_per_month: int = 356
    curate_runs_per_file: float = 1.0
    # Lambda durations in seconds (assumptions, AWS latency included): bench/README.md measures
    # curate at 1.7 s for a whole usv day's 22 runs in process and publication of one file as its
    # bytes well under a second; on AWS every S3 read and write adds tens of ms, so these round up.
    seconds: Tuple[Tuple[str, float], ...] = (
        ("start-ingest", 0.3),
        ("validate-file", 2.0),
        ("check-quality", 3.0),
        ("curate", 5.0),
        ("plan-run", 1.0),
        ("check-control-totals", 2.0),
        # build-insights: 33-37 s per cadence on DuckDB for a usv run at load 13-15
        # (bench/insights_bench.py); its queries run on Athena in AWS, so this is an upper bound.
        ("build-insights", 40.0),
        ("resolve-recipients", 5.0),
        ("summarise-run", 5.0),
        ("open-report", 0.1),
        ("record-email-event", 0.1),
        ("rotate-link-key", 1.0),
    )

    def score_events_per_month(self) -> float:
        return self.crm_events_per_day * self.days_per_month
    # render-report's own work per recipient (render ~6 ms of CPU at 225 reports/s per core,
    # bench/README.md, plus ~6 AWS calls at real-AWS latency): the batch takes the longer of this
    # and its paced sending, which is what decides it at usv scale.
    render_seconds_per_recipient: float = 0.15
    # Each emailed report opened once (one open-report invocation, S3 GET of the report).
    opens_per_email: float = 1.0
    # Glue conform: a Python-shell run per landed file, 90 s billed: a usv daily file conforms in
    # about a second (bench/README.md's conform table), but every run first installs the lock's
    # wheels (76 MB, docs/performance.md) and a run bills at least a minute.
    glue_seconds_per_run: float = 90.0
    # Athena: bench/README.md's modelled bytes per run with the daily primary sums: daily and
    # fortnightly 0.35 GB, monthly 0.94 GB (an upper bound: Athena reads only named columns).
    # The benches print decimal GB (bytes / 10^9).
    athena_gb_daily: float = 0.35
    athena_gb_fortnightly: float = 0.35
    athena_gb_monthly: float = 0.94
    # build-insights' Athena input queries (saleslens.insights.job: 11 a run, the contributors'
    # query of spikes and troughs when one is flagged, and on daily and fortnightly runs the days
    # each territory did not trade, billed the 10 MB minimum): bench/insights_bench.py's modelled
    # scan for 2024-06-30 with the contributors' query counted, bench/README.md "Insights": daily and
    # fortnightly 0.852 + 0.010 GB, monthly 0.986 GB (its series query reads whole closed months), of which
    # churn's summary, 15 months of primary lines, 0.586 GB. An upper bound: whole Parquet objects,
    # the contributors' query on every run, and a month-end run date (profitability reads the month
    # to date: a whole month). The receivables' month-end snapshots (not in the bench's lake; at most
    # 5 rows a stockist) are billed the 10 MB minimum a query, which the figures include.
    insight_queries_per_run: int = 13
    insights_gb_daily: float = 0.862
    insights_gb_fortnightly: float = 0.862
    insights_gb_monthly: float = 0.986
    # Devices per person that receive a push: the generator's device registry (datasets.py:
    # 70 % have one, a fifth of those a second, one in ten disabled): 0.70 x 1.2 x 0.9.
    push_devices_per_person: float = 0.70 * 1.2 * 0.9
    # S3 storage at steady state: a 13-month usv history of landed CSV ~19 GB (bench/README.md:
    # ~400 usv days, 1.48 GB a 30-day month), its clean Parquet taken as a quarter of the CSV,
    # the curated zone ~1 GB a year (0.24 GB for three usv months), and reports kept
    # lake.reports_expiry_days (400) at the median stored report size, 8.5 KB (gzip-compressed:
    # saleslens.reports.stored; 74.2 KB of HTML, bench/distribution_bench.py render).
    landing_gb: float = 19.0
    clean_to_landing_ratio: float = 0.25
    curated_gb: float = 1.0
    report_kb: float = 8.5
    # S3 requests per file through ingest and curate (validate, conform read and writes, publish,
    # curate reads and rewrites): an assumption; per emailed report 1.04 PUTs (the report, and a
    # share of its batch's outcomes file and push outcomes file) and 0.02 GETs are measured
    # (bench/README.md, distribution table).
    s3_puts_per_file: float = 30.0
    s3_gets_per_file: float = 60.0
    s3_puts_per_email: float = 1.04
    # KMS requests: S3 bucket keys are on (infra/constructs/lake_bucket.py bucket_key_enabled), so
    # S3 asks KMS about once per bucket key lifetime, not per object; DynamoDB, SQS and the log
    # groups cache their data keys. Taken as 50,000 a month (an assumption).
    kms_requests: int = 50_000
    # CloudWatch Logs at INFO (deploy.lambda_log_level), kept logs.retention_days (90): ~1 KB per
    # report and ~20 KB per ingest or curate run (an assumption).
    log_kb_per_email: float = 1.0
    log_kb_per_file: float = 20.0
    # DynamoDB: per email a claim, written in the batch's TransactWriteItems (a transactional
    # write is billed as two), and a conditional complete; one BatchGetItem of the batch (50
    # reads) per batch; 2 run-ledger writes per ingest or curate run.
    ddb_writes_per_email: float = 3.0
    # The batch's BatchGetItem reads each recipient's delivery item and the endpoint kept for each
    # device pushed to (4,113 devices for 5,478 reports on a usv day: 0.75 a report, bench/README.md),
    # strongly consistent, each under 4 KB: 1.75 read units a report. An endpoint item is written
    # only at a device's first push or when its registry row changes: left out.
    ddb_reads_per_email: float = 1.75
    ddb_writes_per_file_run: float = 2.0
    # Scoring on CRM events: every CRM opportunity event is taken to reach the scoring queue (created,
    # updated and proposal events; an upper bound). The usv CRM history the generator writes holds
    # 798,004 events over 822 days (bench/README.md, "On the generator's CRM sources"): 970.8 a day.
    crm_events_per_day: float = 798_004 / 822
    days_per_month: int = 30
    # Without a batching window the event source invokes score-opportunity as soon as a message is
    # visible: at ~1 event every 90 s each invocation holds one event (worst case: one per event).
    # An invocation: 4 CRM GETs and 1 POST, a scores-table Query and PutItem, an S3 GET of the champion
    # pointer, ~0.1 ms of scoring (bench/README.md): taken as 1 s at real-AWS latency, 1 GB.
    score_seconds_per_event: float = 1.0
    # Per event: 2 write units (the score record with its factors in words, 1-2 KB) and 1 read (the
    # Query of the opportunity's stored scores); the pointer GET; ~2 KB of logs.
    score_ddb_writes_per_event: float = 2.0
    score_ddb_reads_per_event: float = 1.0
    score_log_kb_per_event: float = 2.0
    # The event source's pollers long-poll the queue (20 s) even when it is empty: AWS runs 5 at the
    # least. Per message: EventBridge's SendMessage, and one receive and one delete per batch.
    sqs_pollers: int = 5
    sqs_long_poll_seconds: int = 20
    # Training: weekly (scoring.training cron), 52 runs a year; each Glue Python-shell run installs
    # the lock's wheels (~150 MB with lightgbm, scipy and scikit-learn) before training, which at
    # usv scale takes seconds (bench/README.md: ~2 s a model plus reading the curated CRM tables):
    # 300 s billed is an assumption with room.
    training_runs_per_month: float = 52 / 12
    glue_training_seconds_per_run: float = 300.0
    # Forecast: monthly (forecast.schedule cron(0 6 3 * ? *): the 3rd of each month), one run. At usv
    # scale its 5 AutoETS fits (4 backtest origins and the forecast) take ~6,588 s of CPU, ~27 min on
    # the job's 4 processes, and the rest of the job seconds (bench/README.md "The forecast job at usv
    # scale"); with the install of its locks' wheels (~650 MB): 1,800 s billed, the README's estimate.
    forecast_runs_per_month: float = 1.0
    glue_forecast_seconds_per_run: float = 1800.0
    # Customer-managed KMS keys: lake, ops, email events (kms.Key in infra/).
    kms_keys: int = 3
    # Secrets Manager: the link signing key (components.LINK_SIGNING_SECRET).
    secrets: int = 1
    # Custom metrics: the Powertools EMF metric names the code emits (add_metric, 12 names, one
    # service dimension each).
    custom_metrics: int = 12

    def lambda_seconds(self) -> Dict[str, float]:
        return dict(self.seconds)


# --------------------------------------------------------------------------------------------
# Counts read from the code.
# --------------------------------------------------------------------------------------------


def success_path_states(definition: Mapping[str, Any], map_items: Mapping[str, int]) -> int:
    """States entered from StartAt to the end, following Next (a Choice: its Default), each
    entered once; an inline Map counts itself plus its processor's states once per item
    (``map_items[name]``); a Distributed Map counts only itself (its children are separate
    executions, billed on their own)."""
    states = definition["States"]
    name: Any = definition["StartAt"]
    count = 0
    while name is not None:
        state = states[name]
        count += 1
        if state["Type"] == "Map":
            processor = state.get("ItemProcessor") or state["Iterator"]
            if processor.get("ProcessorConfig", {}).get("Mode") != "DISTRIBUTED":
                count += map_items[name] * success_path_states(processor, {})
        name = state.get("Default") if state["Type"] == "Choice" else state.get("Next")
    return count


def batches(recipients: int, batch_size: int) -> int:
    """Distributed Map children of a distribution run: one per batch of recipients."""
    return math.ceil(recipients / batch_size)


def distribution_transitions(recipients: int, batch_size: int, parent_states_fixed: int,
                             child_states: int, children_standard: bool) -> int:
    """Standard transitions of one distribution run: the parent's states (fixed: the inline Map
    of mart queries is a fixed number whatever the recipients), plus, if the Map's children run
    as STANDARD executions, each child's states."""
    children = batches(recipients, batch_size) if children_standard else 0
    return parent_states_fixed + children * child_states


def athena_usd(gb_scanned: float, prices: Prices = PRICES) -> float:
    """Athena's charge for bytes scanned (decimal TB, as AWS bills)."""
    return gb_scanned * GB / 1e12 * prices.athena_per_tb


def paced_batch_seconds(batch_size: int, max_concurrency: int, ses_max_send_rate: float,
                        render_seconds_per_recipient: float) -> float:
    """How long one render-report invocation runs: each container sends at its share of the
    account's SES rate (ses_max_send_rate / MaxConcurrency, saleslens.delivery.pacing), so a batch
    takes batch_size x MaxConcurrency / rate seconds of sending, or its rendering if longer."""
    sending = batch_size * max_concurrency / ses_max_send_rate
    return max(sending, batch_size * render_seconds_per_recipient)


def sqs_requests(messages: float, batch_size: int, pollers: int, long_poll_seconds: int, month_seconds: float) -> float:
    """SQS requests of a queue feeding a Lambda: a send per message, a receive and a delete per
    batch received, and the pollers' long polls around the clock (an empty receive is billed)."""
    return messages + 2 * math.ceil(messages / batch_size) + pollers * month_seconds / long_poll_seconds


def alarm_count(lambdas: Mapping[str, Any], state_machines: int, dead_letter_queues: int) -> int:
    """Alarms of infra/stacks/observability.py: failed and timed-out executions per machine; the
    quality gate; undelivered reports; errors per function, throttles per function without
    reserved concurrency; Glue job failures; one per dead-letter queue."""
    unreserved = sum(1 for spec in lambdas.values() if spec.reserved_concurrency is None)
    return 2 * state_machines + 1 + 1 + len(lambdas) + unreserved + 1 + dead_letter_queues


# --------------------------------------------------------------------------------------------
# The model.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    service: str
    usd: float
    basis: str


def _load(path: str) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((ROOT / path).read_text(encoding="utf-8"))
    return data


def model(a: Assumptions, p: Prices = PRICES, map_concurrency: int | None = None) -> List[Line]:
    """The month's lines; ``map_concurrency`` replaces the delivery Map's MaxConcurrency (a what-if)."""
    from saleslens import components
    from saleslens.config import load_config
    from saleslens.distribution.marts import INSIGHT_MARTS, MARTS

    cfg = load_config()
    batch_size = cfg.distribution.batch_size
    concurrency = map_concurrency or components.delivery_map_concurrency()
    mart_queries = len(MARTS)  # what a run queries, not every mart view (some are not read by distribution yet)
    runs = a.daily_runs + a.fortnightly_runs + a.monthly_runs
    files = a.files_per_month
    curates = files * a.curate_runs_per_file
    emails = a.recipients * runs
    n_batches = batches(a.recipients, batch_size) * runs
    score_events = a.score_events_per_month()
    trainings = a.training_runs_per_month
    forecasts = a.forecast_runs_per_month
    lines: List[Line] = []

    # Step Functions: Standard transitions of the machines, Express Map children.
    ingest_states = success_path_states(_load(components.STATE_MACHINES["ingest"].definition), {})
    curate_states = success_path_states(_load(components.STATE_MACHINES["curate"].definition), {})
    distribute = _load(components.STATE_MACHINES["distribute"].definition)
    distribute_states = success_path_states(distribute, {"BuildRoleMarts": mart_queries,
                                                         "BuildInsightMarts": len(INSIGHT_MARTS)})
    per_run = distribution_transitions(a.recipients, batch_size, distribute_states, 1, children_standard=False)
    train_states = success_path_states(_load(components.STATE_MACHINES["train-scoring"].definition), {})
    forecast_states = success_path_states(_load(components.STATE_MACHINES["forecast"].definition), {})
    transitions = (ingest_states * files + curate_states * curates + per_run * runs + train_states * trainings
                   + forecast_states * forecasts)
    batch_s = paced_batch_seconds(batch_size, concurrency, cfg.distribution.ses_max_send_rate,
                                  a.render_seconds_per_recipient)
    express_gb_s = n_batches * math.ceil(batch_s * 10) / 10 * p.sfn_express_memory_gb
    lines.append(Line(
        "Step Functions",
        max(0, transitions - p.sfn_free_transitions) * p.sfn_per_transition
        + n_batches * p.sfn_express_per_request + express_gb_s * p.sfn_express_per_gb_second,
        f"{transitions:,.0f} transitions (ingest {ingest_states}/file, curate {curate_states}/run, distribute "
        f"{distribute_states}/run with {mart_queries} mart queries, train-scoring {train_states}/run x "
        f"{trainings:.2f}, forecast {forecast_states}/run x {forecasts:.0f}; 4,000 free); {n_batches:,} Express Map "
        f"children ({batch_s:.0f} s each, 64 MB)"))

    # Lambda: requests and GB-seconds.
    mem = {k: s.memory_mb / 1024 for k, s in components.LAMBDAS.items()}
    sec = a.lambda_seconds()
    invocations: Dict[str, float] = {
        "start-ingest": files, "validate-file": files, "check-quality": files, "curate": curates,
        "plan-run": runs, "check-control-totals": runs, "build-insights": runs, "resolve-recipients": runs,
        "summarise-run": runs,
        "open-report": emails * a.opens_per_email, "record-email-event": emails * 0.01, "rotate-link-key": 1,
        "score-opportunity": score_events,
    }
    sec = {**sec, "score-opportunity": a.score_seconds_per_event}
    gb_s = sum(n * sec[k] * mem[k] for k, n in invocations.items())
    render_gb_s = n_batches * batch_s * mem["render-report"]
    gb_s += render_gb_s
    requests = sum(invocations.values()) + n_batches
    lines.append(Line(
        "Lambda",
        max(0.0, gb_s - p.lambda_free_gb_seconds) * p.lambda_per_gb_second
        + max(0.0, requests - p.lambda_free_requests) * p.lambda_per_request,
        f"{gb_s:,.0f} GB-s ({render_gb_s:,.0f} of them render-report: {n_batches:,} batches x {batch_s:.0f} s "
        f"x {mem['render-report']:.2f} GB, paced at {cfg.distribution.ses_max_send_rate}/s over {concurrency} "
        f"containers; {score_events:,.0f} score-opportunity x {a.score_seconds_per_event:.0f} s x "
        f"{mem['score-opportunity']:.0f} GB; 400,000 free), {requests:,.0f} requests (1 M free)"))

    lines.append(Line("SES", emails * p.ses_per_email,
                      f"{emails:,} emails ({a.recipients:,} recipients x {runs} runs)"))
    pushes = emails * a.push_devices_per_person
    lines.append(Line("SNS mobile push", max(0.0, pushes - p.sns_free_pushes) * p.sns_per_push,
                      f"{pushes:,.0f} pushes ({a.push_devices_per_person:.3f} devices a person; 1 M free)"))

    marts_gb = (a.daily_runs * a.athena_gb_daily + a.fortnightly_runs * a.athena_gb_fortnightly
                + a.monthly_runs * a.athena_gb_monthly)
    insights_gb = (a.daily_runs * a.insights_gb_daily + a.fortnightly_runs * a.insights_gb_fortnightly
                   + a.monthly_runs * a.insights_gb_monthly)
    athena_gb = marts_gb + insights_gb
    lines.append(Line("Athena", athena_usd(athena_gb * 1e9 / GB, p),
                      f"{athena_gb:.2f} GB scanned: {mart_queries} mart queries a run {marts_gb:.2f} GB, up to "
                      f"{a.insight_queries_per_run} build-insights input queries a run {insights_gb:.2f} GB"))

    glue = components.GLUE_JOBS["conform"]
    dpu_hours = files * max(a.glue_seconds_per_run, p.glue_minimum_seconds) / 3600 * glue.max_capacity
    lines.append(Line("Glue (conform, Python shell)", dpu_hours * p.glue_per_dpu_hour,
                      f"{dpu_hours:.2f} DPU-hours ({files} runs x {a.glue_seconds_per_run:.0f} s x "
                      f"{glue.max_capacity} DPU)"))
    train = components.GLUE_JOBS["train-scoring"]
    train_dpu_hours = trainings * max(a.glue_training_seconds_per_run, p.glue_minimum_seconds) / 3600 * train.max_capacity
    lines.append(Line("Glue (train-scoring, Python shell)", train_dpu_hours * p.glue_per_dpu_hour,
                      f"{train_dpu_hours:.2f} DPU-hours ({trainings:.2f} weekly runs x "
                      f"{a.glue_training_seconds_per_run:.0f} s x {train.max_capacity} DPU)"))
    forecast = components.GLUE_JOBS["forecast"]
    forecast_dpu_hours = (forecasts * max(a.glue_forecast_seconds_per_run, p.glue_minimum_seconds) / 3600
                          * forecast.max_capacity)
    lines.append(Line("Glue (forecast, Python shell)", forecast_dpu_hours * p.glue_per_dpu_hour,
                      f"{forecast_dpu_hours:.2f} DPU-hours ({forecasts:.0f} monthly run x "
                      f"{a.glue_forecast_seconds_per_run:.0f} s x {forecast.max_capacity} DPU)"))
    sqs = sqs_requests(score_events, components.SCORING_BATCH_SIZE, a.sqs_pollers, a.sqs_long_poll_seconds,
                       a.days_per_month * 86400)
    lines.append(Line("SQS (scoring queue)", max(0.0, sqs - p.sqs_free_requests) * p.sqs_per_request,
                      f"{sqs:,.0f} requests ({score_events:,.0f} CRM events; {a.sqs_pollers} pollers' "
                      f"{a.sqs_long_poll_seconds} s long polls; 1 M free)"))

    reports_gb = emails * a.report_kb * 1024 / GB * cfg.lake.reports_expiry_days / 30
    stored_gb = a.landing_gb * (1 + a.clean_to_landing_ratio) + a.curated_gb + reports_gb
    puts = files * a.s3_puts_per_file + emails * a.s3_puts_per_email
    gets = files * a.s3_gets_per_file + emails * a.opens_per_email + score_events  # + the champion pointer per event
    lines.append(Line("S3", stored_gb * p.s3_per_gb_month + puts * p.s3_per_put + gets * p.s3_per_get,
                      f"{stored_gb:,.0f} GB stored ({reports_gb:,.0f} GB of reports kept "
                      f"{cfg.lake.reports_expiry_days} days), {puts:,.0f} PUTs, {gets:,.0f} GETs"))

    lines.append(Line("KMS", a.kms_keys * p.kms_per_key_month
                      + max(0, a.kms_requests - p.kms_free_requests) * p.kms_per_request,
                      f"{a.kms_keys} keys, {a.kms_requests:,} requests (bucket keys on; 20,000 free)"))

    # Dead-letter queues: ingestion 3 (ingest events, execution status, training schedule), curation 1,
    # distribution 1, scoring 1 (the stacks' dead_letter_queues properties; counting them from code
    # would synth the app).
    alarms = alarm_count(components.LAMBDAS, len(components.STATE_MACHINES), dead_letter_queues=6)
    log_gb = (emails * a.log_kb_per_email + (files + curates) * a.log_kb_per_file
              + score_events * a.score_log_kb_per_event) / (1024 * 1024)
    stored_log_gb = log_gb * cfg.logs.retention_days / 30
    lines.append(Line(
        "CloudWatch",
        max(0, alarms - p.cw_free_alarms) * p.cw_per_alarm
        + max(0, a.custom_metrics - p.cw_free_custom_metrics) * p.cw_per_custom_metric
        + max(0.0, log_gb + stored_log_gb - p.cw_free_log_gb) * p.cw_per_gb_ingested,
        f"{alarms} alarms (10 free), {a.custom_metrics} custom metrics (10 free), {log_gb:.2f} GB logs a "
        f"month, {stored_log_gb:.2f} GB kept {cfg.logs.retention_days} days (5 GB free), 1 dashboard (3 free)"))

    writes = (emails * a.ddb_writes_per_email + (files + curates + trainings + forecasts) * a.ddb_writes_per_file_run
              + score_events * a.score_ddb_writes_per_event)
    reads = emails * a.ddb_reads_per_email + score_events * a.score_ddb_reads_per_event  # BatchGetItems; scores Query
    lines.append(Line("DynamoDB (on demand)", writes * p.ddb_per_write + reads * p.ddb_per_read,
                      f"{writes:,.0f} writes, {reads:,.0f} reads (scores table: {score_events:,.0f} events x "
                      f"{a.score_ddb_writes_per_event:.0f} writes, {a.score_ddb_reads_per_event:.0f} read)"))
    lines.append(Line("Secrets Manager", a.secrets * p.secret_per_month, f"{a.secrets} secret"))
    lines.append(Line("EventBridge", (files + score_events) * p.events_per_custom_event,
                      f"{files} PartitionPublished events, {score_events:,.0f} CRM events on the CRM bus; "
                      f"{runs} + {trainings:.2f} + {forecasts:.0f} Scheduler starts (free)"))
    lines.append(Line("Lambda function URL", 0.0, "no charge beyond the open-report Lambda"))
    return lines


def report(lines: List[Line]) -> Dict[str, Any]:
    total = sum(line.usd for line in lines)
    return {"lines": [{**asdict(line), "usd": round(line.usd, 4)} for line in lines], "total_usd": round(total, 2), "goal_usd": GOAL_USD,
            "margin_usd": round(GOAL_USD - total, 2)}


def table(lines: List[Line]) -> str:
    out = ["| service | USD a month | basis |", "|---|---:|---|"]
    out += [f"| {line.service} | {line.usd:.2f} | {line.basis} |" for line in lines]
    r = report(lines)
    out.append(f"| **total** | **{r['total_usd']:.2f}** | goal < {GOAL_USD:.0f}: margin {r['margin_usd']:+.2f} |")
    return "\n".join(out)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=Assumptions.recipients)
    parser.add_argument("--map-concurrency", type=int, default=None,
                        help="what if the delivery Map's MaxConcurrency were this (default: the ASL's)")
    parser.add_argument("--json", action="store_true", help="print the lines and total as JSON")
    args = parser.parse_args(argv)
    if args.recipients < 1:
        parser.error("--recipients must be at least 1")
    if args.map_concurrency is not None and args.map_concurrency < 1:
        parser.error("--map-concurrency must be at least 1")
    lines = model(Assumptions(recipients=args.recipients), map_concurrency=args.map_concurrency)
    print(json.dumps(report(lines), indent=2) if args.json else table(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
