"""The forecast job at usv scale: time to forecast a month end for every territory x brand and
position of a usv org (saleslens.forecast.job.forecast_origin), by part.

    PYTHONPATH=src:. .venv/bin/python bench/forecast_job_bench.py --usv /tmp/marts-usv --sample 2000

Reads the curated usv lake a distribution bench cached (``bench/distribution_bench.py --cache``:
its ``cur_erp__primary_daily`` of April..June 2024, ``cur_hr__position_versions`` and
``cur_hr__position_closure``). Three months are too few to forecast from, so the monthly panel is
**tiled** to ``--months`` months (each series' three months repeated, times a 1%-a-month trend
and a seeded +-10% noise): the series, the tree and the job's shape are usv's, the values are not
(no accuracy is read from this run). Then, with the config's forecast settings:

1. the whole job with seasonal-naive as the model (``forecast_origin``: panel cut, the backtest's
   roll-ups at every backtest origin, residual quantiles per level, the forecast's roll-up and
   intervals), which times everything but the model fits at usv scale;
2. one AutoETS fit (``auto_ets``, n_jobs 1) on a seeded sample of ``--sample`` series of the same
   panel, in CPU seconds per series: AutoETS fits each series alone, so a usv fit is that times
   the series, spread over ``forecast.n_jobs`` processes; the job fits 1 + backtest_origins times.
"""
from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from saleslens.config import load_config
from saleslens.forecast.job import ForecastSettings, forecast_origin, months_needed
from saleslens.forecast.models import auto_ets
from saleslens.forecast.series import Panel, month_end_of, month_index, monthly_panel


def tiled_daily(daily: pd.DataFrame, months: int, last: date, seed: int = 7) -> pd.DataFrame:
    """One row per series and month (the 15th) for ``months`` months up to ``last``'s month, each
    series' curated months repeated in order, with a trend and noise."""
    panel = monthly_panel(daily, month_end_of(month_index(pd.Timestamp(daily["doc_date"].max()).date())))
    rng = np.random.default_rng(seed)
    first = month_index(last) - months + 1
    cols = panel.values.shape[1]
    frames = []
    for j in range(months):
        m = first + j
        value = panel.values[:, j % cols] * (1 + 0.01 * j) * rng.uniform(0.9, 1.1, len(panel.keys))
        day = date(m // 12, m % 12 + 1, 15)
        frames.append(panel.keys.assign(doc_date=day, unmapped_reason=None, net_value=value))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--usv", default="/tmp/marts-usv")
    parser.add_argument("--months", type=int, default=27)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(args.usv)
    cfg = load_config().forecast
    settings = ForecastSettings(model="seasonal_naive", backtest_origins=cfg.backtest_origins,
                                min_fit_months=cfg.min_fit_months, interval_lower=cfg.interval_lower,
                                interval_upper=cfg.interval_upper, n_jobs=1)
    t = time.perf_counter()
    daily = pq.read_table(folder / "cur_erp__primary_daily.parquet",
                          columns=["doc_date", "territory_code", "division_code", "brand_code", "unmapped_reason",
                                   "net_value"]).to_pandas()
    versions = pq.read_table(folder / "cur_hr__position_versions.parquet").to_pandas()
    closure = pq.read_table(folder / "cur_hr__position_closure.parquet").to_pandas()
    origin = date(2024, 6, 30)
    history = tiled_daily(daily, args.months, origin)
    print(f"read {len(daily):,} daily rows, tiled to {len(history):,} series-months "
          f"({args.months} months to {origin}) in {time.perf_counter() - t:.1f} s; "
          f"months needed {months_needed(settings)}", flush=True)

    wall, cpu = time.perf_counter(), time.process_time()
    result = forecast_origin(history, versions, closure, origin, settings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    levels = result.by_position.groupby("level").size().to_dict()
    print(f"1. job with seasonal-naive: {result.status}, {len(result.by_position):,} rows {levels}; "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU ({len(result.backtest_origins)} backtest origins + the forecast)",
          flush=True)

    panel = monthly_panel(history, origin)
    n = panel.values.shape[0]
    rng = np.random.default_rng(11)
    pick = np.sort(rng.choice(n, size=min(args.sample, n), replace=False))
    sample = Panel(panel.keys.iloc[pick].reset_index(drop=True), panel.first, panel.values[pick])
    auto_ets(Panel(sample.keys.iloc[:5], sample.first, sample.values[:5]))  # imports and first-call costs
    wall, cpu = time.perf_counter(), time.process_time()
    auto_ets(sample)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    per = cpu / len(pick)
    fits = 1 + cfg.backtest_origins
    print(f"2. AutoETS, one fit of {len(pick):,} of {n:,} series: {wall:.1f} s wall, {cpu:.1f} s CPU = "
          f"{per * 1000:.1f} ms CPU per series; a usv fit ~{per * n:,.0f} s CPU, the job's {fits} fits "
          f"~{per * n * fits:,.0f} s CPU, ~{per * n * fits / cfg.n_jobs / 60:,.0f} min on forecast.n_jobs = "
          f"{cfg.n_jobs} processes", flush=True)


if __name__ == "__main__":
    main()
