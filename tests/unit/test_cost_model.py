"""bench/cost_model.py: the counting and pricing functions, against figures worked out by hand."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cost_model", ROOT / "bench" / "cost_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


cm = _load()


def test_a_distribution_run_of_120_recipients_in_batches_of_50():
    # 120 / 50 -> 3 batches (50, 50, 20): three Map children.
    assert cm.batches(120, 50) == 3
    assert cm.batches(100, 50) == 2
    # Parent states on the success path with 19 mart and 3 insight-mart queries: PlanRun,
    # UseResolvedRunDate, SnapshotScores, BuildRoleMarts + 19 x QueryRoleMart, CheckControlTotals,
    # BuildInsights, BuildInsightMarts + 3 x QueryInsightMart, ResolveRecipients, RenderAndDeliver,
    # SummariseRun, CheckDeliveryTolerance, NotifyOpsOfSummary, Distributed = 13 + 19 + 3 = 35.
    distribute = json.loads((ROOT / "step_functions" / "distribute.asl.json").read_text(encoding="utf-8"))
    assert cm.success_path_states(distribute, {"BuildRoleMarts": 19, "BuildInsightMarts": 3}) == 35
    # Express children are not Standard transitions; Standard ones add their one state each.
    assert cm.distribution_transitions(120, 50, 29, 1, children_standard=False) == 29
    assert cm.distribution_transitions(120, 50, 29, 1, children_standard=True) == 32


def test_ingest_and_curate_success_paths():
    ingest = json.loads((ROOT / "step_functions" / "ingest.asl.json").read_text(encoding="utf-8"))
    curate = json.loads((ROOT / "step_functions" / "curate.asl.json").read_text(encoding="utf-8"))
    # RecordRunStarted, ValidateFile, ConformRows, CheckQuality, RecordRunSucceeded,
    # AnnouncePartition, Ingested.
    assert cm.success_path_states(ingest, {}) == 7
    # RecordRunStarted, Curate, RecordRunSucceeded, Curated.
    assert cm.success_path_states(curate, {}) == 4


def test_athena_bills_decimal_terabytes_at_five_dollars():
    assert cm.athena_usd(1e12 / 2**30) == pytest.approx(5.0)  # 1 TB = 10^12 bytes
    assert cm.athena_usd(1.0) == pytest.approx(5.0 * 1.073741824e-3)  # 1 GiB: half a cent


def test_a_paced_batch_waits_for_its_share_of_the_ses_rate():
    # 50 emails at 14/s shared by 50 containers: 0.28/s each -> 50 / 0.28 = 178.57 s.
    assert cm.paced_batch_seconds(50, 50, 14, 0.15) == pytest.approx(178.5714, abs=1e-3)
    # One container at 14/s: 3.57 s of sending, shorter than 50 x 0.15 = 7.5 s of rendering.
    assert cm.paced_batch_seconds(50, 1, 14, 0.15) == pytest.approx(7.5)


def test_alarms_counted_as_the_observability_stack_creates_them():
    class Spec:
        def __init__(self, reserved):
            self.reserved_concurrency = reserved

    # 2 functions, one reserved: 2 error alarms + 1 throttle alarm; 3 machines x 2; quality gate,
    # undelivered reports, Glue failures; 4 dead-letter queues: 3 + 6 + 3 + 4 = 16.
    assert cm.alarm_count({"a": Spec(None), "b": Spec(1)}, 3, 4) == 16


def test_the_training_machines_success_path():
    train = json.loads((ROOT / "step_functions" / "train_scoring.asl.json").read_text(encoding="utf-8"))
    # RecordRunStarted, TrainModels, RecordRunSucceeded, Trained.
    assert cm.success_path_states(train, {}) == 4


def test_the_scoring_queue_bills_sends_receives_deletes_and_empty_long_polls():
    # 29 messages in batches of 10 -> 3 batches: 29 sends + 3 receives + 3 deletes = 35; 5 pollers
    # long-polling 20 s for an hour: 5 x 3600 / 20 = 900 receives. 35 + 900 = 935.
    assert cm.sqs_requests(29, 10, 5, 20, 3600) == 935
    # A 30-day month of 5 pollers alone: 5 x 2,592,000 / 20 = 648,000, inside the free million.
    assert cm.sqs_requests(0, 10, 5, 20, 30 * 86400) == 648_000


def test_the_scoring_stack_and_weekly_training_are_in_the_month():
    lines = {line.service: line for line in cm.model(cm.Assumptions())}
    # usv CRM: 798,004 events over 822 days = 970.808 a day, x 30 days = 29,124.23 events a month.
    assert cm.Assumptions().score_events_per_month() == pytest.approx(29_124.23, abs=0.01)
    # 52 weekly runs / 12 = 4.333 a month x 300 s x 1 DPU = 0.3611 DPU-hours x $0.44 = $0.1589.
    assert lines["Glue (train-scoring, Python shell)"].usd == pytest.approx(0.1589, abs=1e-4)
    assert "29,124 CRM events on the CRM bus" in lines["EventBridge"].basis
    # (356 + 29,124.23) x $1 per million = $0.02948.
    assert lines["EventBridge"].usd == pytest.approx(0.02948, abs=1e-5)
    assert lines["SQS (scoring queue)"].usd == 0.0  # 682,950 requests, inside the free million


def test_the_monthly_forecast_and_the_insights_input_queries_are_in_the_month():
    forecast = json.loads((ROOT / "step_functions" / "forecast.asl.json").read_text(encoding="utf-8"))
    # RecordRunStarted, Forecast, RecordRunSucceeded, Forecasted.
    assert cm.success_path_states(forecast, {}) == 4
    lines = {line.service: line for line in cm.model(cm.Assumptions())}
    # 1 monthly run x 1,800 s x 1 DPU = 0.5 DPU-hours x $0.44 = $0.22.
    assert lines["Glue (forecast, Python shell)"].usd == pytest.approx(0.22, abs=1e-9)
    assert "forecast 4/run x 1" in lines["Step Functions"].basis
    # Marts: 30 daily x 0.35 + 2 fortnightly x 0.35 + 1 monthly x 0.94 = 10.5 + 0.7 + 0.94 = 12.14 GB;
    # insights: 30 x 0.862 + 2 x 0.862 + 0.986 = 25.86 + 1.724 + 0.986 = 28.57 GB; 40.71 GB in all
    # (decimal: 10^9 bytes) = 0.04071 TB x $5 = $0.20355.
    assert lines["Athena"].usd == pytest.approx(0.20355, abs=1e-6)
    assert "12.14 GB" in lines["Athena"].basis and "28.57 GB" in lines["Athena"].basis
