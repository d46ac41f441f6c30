"""The training job on moto's S3: the SYNTHETIC CRM history (tests/scoring_synthetic.py) written as the
curated CRM tables, read back, trained, evaluated, and promoted by the champion rule."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterator

import boto3
import pandas as pd
import pyarrow as pa
import pytest
from moto import mock_aws

from saleslens.curate.store import CurateStore
from saleslens.curate.tables import BEGINNING, OPEN_END
from saleslens.scoring import service
from saleslens.scoring.champion import ChallengeRule
from saleslens.scoring.history import MinHistory
from saleslens.scoring.job import (
    ACCOUNTS,
    EVENTS,
    OPPORTUNITIES,
    NoCrmHistoryError,
    NoEvaluationError,
    evaluation_key,
    evaluation_text,
    run_training,
)
from saleslens.scoring.score import clear_cache
from tests.scoring_synthetic import synthetic_crm

BUCKET = "curated"
PREFIX = "models/opportunity_scoring"
# 1,500 opportunities over 27 months from 2023-01-01: history ends 2025-04-01.
NOW = datetime(2025, 3, 31, 6, 0, 0)
LOW = MinHistory(won=50, lost=50, months=24)


@pytest.fixture()
def s3() -> Iterator[Any]:
    clear_cache()
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client
    clear_cache()


def _by_month(store: CurateStore, table: Any, frame: pd.DataFrame, day_column: str) -> None:
    month = pd.to_datetime(frame[day_column]).dt.to_period("M").dt.start_time.dt.date
    for dt, rows in frame.groupby(month):
        rows = rows.reset_index(drop=True)[list(table.column_names)]
        store.write_curated(table, pa.Table.from_pandas(rows, preserve_index=False), dt.isoformat())


def _curate(s3: Any, bucket: str = BUCKET) -> None:
    """The synthetic CRM as the curate step writes it (curated schemas, cast by write_curated)."""
    crm = synthetic_crm(opportunities=1500, accounts=200, owners=30, months=27)
    store = CurateStore(s3, clean_bucket="", curated_bucket=bucket)
    acc = crm.accounts.assign(customer_since=pd.to_datetime(crm.accounts["customer_since"]).dt.date,
                              valid_from=BEGINNING, valid_to=OPEN_END)
    store.write_curated(ACCOUNTS, pa.Table.from_pandas(acc[list(ACCOUNTS.column_names)], preserve_index=False))
    opp = crm.opportunities.copy()
    for c in ("created_date", "expected_close_date", "closed_date"):
        opp[c] = pd.to_datetime(opp[c]).dt.date
    opp["amount"] = [Decimal(f"{v:.2f}") for v in opp["amount"]]
    opp["last_modified_at"] = opp["last_modified_at"].dt.floor("s")  # the CRM's timestamps are to the second
    opp["modified_date"] = opp["last_modified_at"].dt.date
    _by_month(store, OPPORTUNITIES, opp, "modified_date")
    ev = crm.events.copy()
    ev["amount"] = [None if pd.isna(v) else Decimal(f"{v:.2f}") for v in ev["amount"]]
    ev["event_at"] = ev["event_at"].dt.floor("s")
    ev["employee_id"] = ev["employee_id"].fillna("E-SYSTEM")  # the curated column is not nullable
    ev["event_date"] = ev["event_at"].dt.date
    _by_month(store, EVENTS, ev, "event_date")


def _get(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def _pointer(s3: Any, model: str) -> str:
    return str(json.loads(_get(s3, service.pointer_key(PREFIX, model)))["version"])


def test_no_curated_crm_data_is_one_clear_error(s3: Any) -> None:
    with pytest.raises(NoCrmHistoryError, match="no curated CRM data yet"):
        run_training(s3, BUCKET, model_prefix=PREFIX, min_history=LOW, now=NOW)
    with pytest.raises(NoEvaluationError, match="no creation champion yet"):
        evaluation_text(s3, BUCKET, PREFIX, "creation")


def test_first_run_promotes_then_a_worse_challenger_is_kept_out(s3: Any) -> None:
    _curate(s3)
    first = run_training(s3, BUCKET, model_prefix=PREFIX, min_history=LOW, now=NOW)
    assert [m.model for m in first.models] == ["creation", "proposal"]
    for m in first.models:
        assert m.kind == "lightgbm" and m.promoted and m.reason == "no champion yet"
        assert _pointer(s3, m.model) == m.version
        assert json.loads(_get(s3, m.artefact_key))["version"] == m.version
        assert m.evaluation_key == evaluation_key(PREFIX, m.model, m.version, "json")
        stored = json.loads(_get(s3, m.evaluation_key))
        assert stored["promoted"] is True and stored["report"]["metrics"]["rows"] > 0
        assert _get(s3, evaluation_key(PREFIX, m.model, m.version, "txt")).decode().startswith(f"model {m.model}")
    # A rule no challenger can meet (Brier lower by more than 1, the largest possible Brier): kept out.
    second = run_training(s3, BUCKET, model_prefix=PREFIX, min_history=LOW, now=datetime(2025, 3, 31, 7, 0, 0),
                          rule=ChallengeRule(min_brier_gain=1.0))
    for before, after in zip(first.models, second.models):
        assert after.version != before.version and not after.promoted
        assert after.reason.startswith("champion kept (Brier not lower)")
        assert after.champion_version == before.version == _pointer(s3, after.model)
        assert json.loads(_get(s3, after.artefact_key))["version"] == after.version  # the challenger is kept too
    text = evaluation_text(s3, BUCKET, PREFIX, "creation")
    assert f"== creation champion {first.models[0].version}" in text
    assert f"== creation last challenger {second.models[0].version} (not promoted: champion kept" in text


def test_below_the_minimum_history_the_fallback_is_champion(s3: Any) -> None:
    _curate(s3)
    got = run_training(s3, BUCKET, model_prefix=PREFIX, min_history=MinHistory(won=5000, lost=5000, months=24), now=NOW)
    for m in got.models:
        assert m.kind == "fallback" and m.promoted
        assert m.reason.startswith("minimum history not met") and "5000 and 5000 required" in m.reason
        assert _pointer(s3, m.model) == m.version
        assert service.champion(s3, BUCKET, PREFIX, m.model).artefact.kind == "fallback"
    assert got.as_of == date(2025, 3, 31).isoformat()


def test_a_model_challenging_a_fallback_champion_must_beat_its_own_baseline(s3: Any) -> None:
    _curate(s3)
    short = run_training(s3, BUCKET, model_prefix=PREFIX, min_history=MinHistory(won=5000, lost=5000, months=24), now=NOW)
    got = run_training(s3, BUCKET, model_prefix=PREFIX, min_history=LOW, now=datetime(2025, 3, 31, 7, 0, 0))
    for before, m in zip(short.models, got.models):
        assert m.kind == "lightgbm" and m.report is not None
        assert m.reason.startswith("against the fallback champion's table fitted before the holdout: ")
        assert _pointer(s3, m.model) == (m.version if m.promoted else before.version) == m.champion_version
        # The rule's two conditions on the report's own figures: Brier lower than the baseline's, AUC not lower.
        beats = m.report.metrics.brier < m.report.baseline.brier and m.report.metrics.auc >= m.report.baseline.auc
        assert m.promoted == beats
