"""The forecast job end to end on a tiny curated lake (moto S3): the roll-up of each level, each
level's interval from its own backtest residuals, and the tracking of stored forecasts, against
values worked out by hand below. The model is seasonal-naive (config ``forecast.model``), whose
forecasts can be written down: the job's wiring is what is under test; AutoETS itself is measured
in bench/forecast_bench.py and run on the Glue runtime in tests/glue39.

The lake: one division D1, two territories, one ASM A1 over SR1 (T1) and SR2 (T2); three series,
each with one invoice day a month, the same amount every month of a year:

    series           2024   2025
    T1/B1 (SR1)      100    120
    T1/B2 (SR1)       50     40
    T2/B1 (SR2)      200    260

January 2024 .. May 2025 = 17 closed months at origin 2025-05-31; settings: 2 backtest origins,
min_fit_months 13, so the job needs 13 + 2 + 2 = 17 months (exactly these). Backtest origins: the
last 2 month ends leaving 3 months before the origin: 2025-01-31 and 2025-02-28. Seasonal-naive
forecasts each 2025 month with its 2024 value, so at every backtest origin and horizon the
actual / forecast ratio of a node is its 2025 / 2024 level:
    leaf:  T1/B1 120/100 = 1.2, T1/B2 40/50 = 0.8, T2/B1 260/200 = 1.3   (x2 origins: 6 ratios)
    SR:    SR1 (120+40)/(100+50) = 160/150 = 16/15, SR2 1.3             (x2: 4 ratios)
    ASM:   A1 420/350 = 1.2                                               (x2: 2 ratios)
Quantiles 0.25 / 0.75 (numpy linear: position q x (n - 1) in the sorted ratios):
    leaf [0.8, 0.8, 1.2, 1.2, 1.3, 1.3]: 0.25 -> pos 1.25: 0.8 + 0.25 x (1.2 - 0.8) = 0.9;
                                         0.75 -> pos 3.75: 1.2 + 0.75 x (1.3 - 1.2) = 1.275
    SR   [16/15, 16/15, 1.3, 1.3]:       0.25 -> pos 0.75: 16/15;  0.75 -> pos 2.25: 1.3
    ASM  [1.2, 1.2]:                     1.2 and 1.2
Forecast at 2025-05-31 (June..August 2025 = June..August 2024): a node's monthly 2024 level x 1, 2, 3.
"""
from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from saleslens.curate.store import CurateStore
from saleslens.curate.tables import OPEN_END, TABLES
from saleslens.forecast import job

BUCKET = "curated-golden"
SETTINGS = {"model": "seasonal_naive", "backtest_origins": 2, "min_fit_months": 13, "interval_lower": 0.25,
            "interval_upper": 0.75, "n_jobs": 1, "timezone": "Asia/Kolkata"}
LEVELS = {("T1", "B1"): (100, 120), ("T1", "B2"): (50, 40), ("T2", "B1"): (200, 260)}
START = date(1900, 1, 1)


def _months(last: date):
    y, m = 2024, 1
    while (y, m) <= (last.year, last.month):
        yield date(y, m, 15)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _lake(s3, last: date) -> CurateStore:
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    store = CurateStore(s3, clean_bucket="", curated_bucket=BUCKET)
    daily = TABLES["cur_erp__primary_daily"]
    for day in _months(last):
        rows = []
        for (territory, brand), (y2024, y2025) in LEVELS.items():
            value = Decimal(y2024 if day.year == 2024 else y2025)
            rows.append({"doc_date": day, "territory_code": territory, "division_code": "D1", "brand_code": brand,
                         "unmapped_reason": None, "lines": 1, "invoice_lines": 1, "billed_units": 1, "free_units": 0,
                         "return_units": 0, "gross_value": value, "return_value": Decimal(0),
                         "credit_value": Decimal(0), "net_value": value})
        store.write_curated(daily, pa.Table.from_pylist(rows, schema=daily.schema()), day.isoformat())
    versions = [
        {"position_id": "A1", "role": "ASM", "parent_position_id": None, "territory_code": None},
        {"position_id": "SR1", "role": "SR", "parent_position_id": "A1", "territory_code": "T1"},
        {"position_id": "SR2", "role": "SR", "parent_position_id": "A1", "territory_code": "T2"},
    ]
    for v in versions:
        v.update({"division_code": "D1", "business_unit_code": "BU1", "position_name": v["position_id"],
                  "valid_from": START, "valid_to": OPEN_END, "is_current": True})
    store.write_curated(TABLES["cur_hr__position_versions"],
                        pa.Table.from_pylist(versions, schema=TABLES["cur_hr__position_versions"].schema()))
    closure = [{"ancestor_position_id": a, "position_id": p, "depth": d, "valid_from": START, "valid_to": OPEN_END}
               for a, p, d in (("A1", "A1", 0), ("SR1", "SR1", 0), ("SR2", "SR2", 0), ("A1", "SR1", 1), ("A1", "SR2", 1))]
    store.write_curated(TABLES["cur_hr__position_closure"],
                        pa.Table.from_pylist(closure, schema=TABLES["cur_hr__position_closure"].schema()))
    return store


def _read(s3, table: str, dt: str) -> pd.DataFrame:
    body = s3.get_object(Bucket=BUCKET, Key=TABLES[table].key(dt))["Body"].read()
    return pq.read_table(io.BytesIO(body)).to_pandas()


def _main(s3, origin: str):
    return job.main(["--origin", origin, "--run_id", "golden", "--curated_bucket", BUCKET,
                     "--forecast_settings", json.dumps(SETTINGS)], s3=s3)


@pytest.fixture()
def s3():
    with mock_aws():
        import boto3

        yield boto3.client("s3", region_name="ap-south-1")


# (level, position, horizon) -> (forecast, lower, upper, residuals), by hand from the docstring.
EXPECTED = {
    ("TERRITORY_BRAND", "T1/B1", 30): (100, 100 * 0.9, 100 * 1.275, 6),       # 90, 127.5
    ("TERRITORY_BRAND", "T1/B2", 60): (100, 100 * 0.9, 100 * 1.275, 6),       # 2 x 50
    ("TERRITORY_BRAND", "T2/B1", 90): (600, 600 * 0.9, 600 * 1.275, 6),       # 3 x 200: 540, 765
    ("SR", "SR1", 30): (150, 160, 195, 4),                                     # 150 x 16/15, 150 x 1.3
    ("SR", "SR1", 90): (450, 480, 585, 4),                                     # 3 x 150
    ("SR", "SR2", 30): (200, 213.33, 260, 4),                                  # 200 x 16/15 = 213.333.. (2 dp)
    ("ASM", "A1", 30): (350, 420, 420, 2),                                     # 100 + 50 + 200; x 1.2
    ("ASM", "A1", 60): (700, 840, 840, 2),
    ("ASM", "A1", 90): (1050, 1260, 1260, 2),
}


def test_the_job_rolls_up_the_tree_and_gives_each_level_its_own_interval(s3):
    _lake(s3, date(2025, 5, 15))
    summary = _main(s3, "2025-05-31")
    assert (summary["status"], summary["months"], summary["months_needed"]) == ("FORECAST", 17, 17)
    assert summary["backtest_origins"] == ["2025-01-31", "2025-02-28"]
    rows = _read(s3, "cur_forecast__by_position", "2025-05-31")
    # 3 series + 2 SR + 1 ASM, for 3 horizons
    assert len(rows) == (3 + 2 + 1) * 3
    got = {(r.level, r.position_id, r.horizon_days): (r.forecast, r.lower, r.upper, r.residuals)
           for r in rows.itertuples()}
    for key, (forecast, lower, upper, residuals) in EXPECTED.items():
        assert got[key][0] == pytest.approx(forecast), key
        assert got[key][1] == pytest.approx(lower, abs=0.005), key
        assert got[key][2] == pytest.approx(upper, abs=0.005), key
        assert got[key][3] == residuals, key
    a1 = rows[(rows.position_id == "A1") & (rows.horizon_days == 90)].iloc[0]
    assert (a1.origin, a1.model, a1.period_start, a1.period_end) == (
        date(2025, 5, 31), "seasonal_naive", date(2025, 6, 1), date(2025, 8, 31))


def test_a_rerun_for_the_same_origin_overwrites_its_partition(s3):
    _lake(s3, date(2025, 5, 15))
    _main(s3, "2025-05-31")
    _main(s3, "2025-05-31")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="cur_forecast__by_position/")["Contents"]]
    assert keys == ["cur_forecast__by_position/dt=2025-05-31/data.parquet"]
    assert len(_read(s3, "cur_forecast__by_position", "2025-05-31")) == 18


def test_one_month_short_of_the_history_needed_writes_no_forecast_and_says_so(s3):
    _lake(s3, date(2025, 4, 15))  # 16 closed months at 2025-04-30, 17 needed
    summary = _main(s3, "2025-04-30")
    assert (summary["status"], summary["months"], summary["months_needed"], summary["rows"]) == (
        "INSUFFICIENT_HISTORY", 16, 17, 0)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="cur_forecast__")


def test_stored_forecasts_are_scored_once_their_months_have_closed(s3):
    store = _lake(s3, date(2025, 5, 15))
    table = TABLES["cur_forecast__by_position"]
    stored = [  # forecasts as earlier runs stored them (numbers chosen by hand)
        ("2025-01-31", "SR", "SR1", 30, 999.0),  # 4 month ends back: scored in full by earlier runs, not again
        ("2025-02-28", "SR", "SR1", 30, 150.0), ("2025-02-28", "SR", "SR1", 90, 450.0),
        ("2025-02-28", "ASM", "A1", 60, 700.0),
        ("2025-04-30", "SR", "SR2", 30, 250.0), ("2025-04-30", "SR", "SR2", 90, 750.0),
    ]
    for origin in ("2025-01-31", "2025-02-28", "2025-04-30"):
        o = date.fromisoformat(origin)
        rows = [{"origin": o, "model": "seasonal_naive", "level": lv, "position_id": p, "horizon_days": h,
                 "period_start": job.horizon_period(o, h)[0], "period_end": job.horizon_period(o, h)[1],
                 "forecast": f, "lower": None, "upper": None, "residuals": 0}
                for (og, lv, p, h, f) in stored if og == origin]
        store.write_curated(table, pa.Table.from_pylist(rows, schema=table.schema()), origin)
    summary = _main(s3, "2025-05-31")
    assert summary["accuracy_origins"] == ["2025-02-28", "2025-04-30"]
    feb = _read(s3, "cur_forecast__accuracy", "2025-02-28").set_index(["position_id", "horizon_days"])
    # SR1 30 d: March 2025 = 120 + 40 = 160; |160 - 150| / 160 = 6.25%, bias (150 - 160) / 160 = -6.25%
    assert (feb.loc[("SR1", 30), "actual"], feb.loc[("SR1", 30), "abs_pct_error"], feb.loc[("SR1", 30), "bias_pct"]) == (
        160, 6.25, -6.25)
    # SR1 90 d: March..May = 3 x 160 = 480; 30 / 480 = 6.25%
    assert (feb.loc[("SR1", 90), "actual"], feb.loc[("SR1", 90), "abs_pct_error"]) == (480, 6.25)
    # A1 60 d: March + April = 2 x 420 = 840; 140 / 840 = 16.666..% -> 16.67, bias -16.67
    assert (feb.loc[("A1", 60), "actual"], feb.loc[("A1", 60), "abs_pct_error"], feb.loc[("A1", 60), "bias_pct"]) == (
        840, 16.67, -16.67)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="cur_forecast__accuracy/dt=2025-01-31/")
    apr = _read(s3, "cur_forecast__accuracy", "2025-04-30")
    # only the 30-day horizon (May) has closed by 2025-05-31; 90 days (May..July) has not:
    # SR2 May = 260; |260 - 250| / 260 = 3.846..% -> 3.85
    assert apr[["position_id", "horizon_days", "actual", "abs_pct_error", "bias_pct"]].values.tolist() == [
        ["SR2", 30, 260.0, 3.85, -3.85]]


def test_an_origin_that_is_not_a_month_end_is_refused():
    with pytest.raises(job.InvalidOriginError):
        job.resolve_origin("2025-05-30", date(2025, 6, 3))
    assert job.resolve_origin("auto", date(2025, 6, 3)) == date(2025, 5, 31)
    assert job.resolve_origin("auto", date(2025, 1, 1)) == date(2024, 12, 31)
