"""Forecast backtest: net primary per territory x brand, rolled up the position tree, against a
seasonal-naive baseline.

    .venv/bin/python bench/forecast_bench.py                               # small, 27 months, build + backtest
    .venv/bin/python bench/forecast_bench.py --cache /tmp/forecast-small   # keep the curated history between runs

Builds 27 months of small-scale history (``generate(history_from=...)``, no dirt), conforms and
curates only what the forecasts read (the masters, the ERP invoice and credit-note backfill
extracts, the position tree snapshots) in process (offline/lake.py), reads
``cur_erp__primary_daily``, ``cur_ref__calendar``, ``cur_hr__position_versions`` and
``cur_hr__position_closure``, and runs ``saleslens.forecast.backtest`` over rolling monthly
origins for each candidate. Prints the table of MAPE, WAPE and bias per level, horizon and model,
and the fit + predict time of each candidate.
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, List

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from saleslens.forecast.accuracy import accuracy
from saleslens.forecast.backtest import backtest, rolling_origins
from saleslens.forecast.hierarchy import LEVELS, ancestors
from saleslens.forecast.intervals import coverage, residual_quantiles, with_intervals
from saleslens.forecast.models import GlobalLightGbm, Model, auto_ets, seasonal_naive, working_days
from saleslens.forecast.series import Panel, monthly_panel

READ = ("cur_erp__primary_daily", "cur_ref__calendar", "cur_hr__position_versions", "cur_hr__position_closure")
WANTED = ("hr/", "erp/customers", "erp/products", "erp/primary_invoices_backfill", "erp/credit_notes_backfill")


def build(folder: Path, scale: str, start: date, months: int) -> Dict[str, pd.DataFrame]:
    """The curated tables the forecasts read, one Parquet file each in ``folder`` (kept)."""
    if not (folder / "done").exists():
        from moto import mock_aws

        from saleslens.config import load_config
        from saleslens.curate.run import CurateSettings
        from saleslens.generate import generate
        from saleslens.generate.calendar import add_months
        from saleslens.offline.lake import LocalLake

        t = time.perf_counter()
        data = generate(scale, start=start, days=1, dirt=False, history_from=add_months(start, -months))
        files = {k: v for k, v in data.files.items()
                 if k.startswith(WANTED) and date.fromisoformat(k.split("/dt=")[1][:10]) < start}
        print(f"generated {len(data.files)} files in {time.perf_counter() - t:.0f} s; loading {len(files)}", flush=True)
        del data
        t = time.perf_counter()
        with mock_aws():
            lake = LocalLake(CurateSettings.from_config(load_config()))
            lake.load(files, progress=lambda m: print(f"  {m}", flush=True))
            folder.mkdir(parents=True, exist_ok=True)
            tables = lake.tables()
            for name in READ:
                pq.write_table(tables[name], folder / f"{name}.parquet")
        print(f"conformed and curated in {time.perf_counter() - t:.0f} s", flush=True)
        (folder / "done").write_text(json.dumps({"scale": scale, "start": start.isoformat(), "months": months}))
    return {name: pq.read_table(folder / f"{name}.parquet").to_pandas() for name in READ}



def table(acc: pd.DataFrame, models: List[str]) -> str:
    """Markdown: one row per level and horizon, MAPE / WAPE / bias of each model."""
    head = "| level | horizon | nodes x origins | " + " | ".join(
        f"{m} MAPE | {m} WAPE | {m} bias" for m in models) + " |"
    lines = [head, "|" + "---|" * (3 + 3 * len(models))]
    for (level, horizon), g in acc.groupby(["level", "horizon_days"], sort=False):
        g = g.set_index("model")
        cells = []
        for m in models:
            r = g.loc[m]
            cells += [f"{r.mape:.1%}", f"{r.wape:.1%}", f"{r.bias:+.1%}"]
        lines.append(f"| {level} | {horizon} d | {int(g['rows'].iloc[0])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--start", default="2025-07-01", help="first day after the history")
    parser.add_argument("--months", type=int, default=27)
    parser.add_argument("--origins", type=int, default=6)
    parser.add_argument("--cache", default="/tmp/forecast-small")
    parser.add_argument("--candidates", default="seasonal_naive,lightgbm,auto_ets",
                        help="comma-separated: seasonal_naive, lightgbm, auto_ets (statsforecast), auto_ets_wd (per working day)")
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    tables = build(Path(args.cache), args.scale, start, args.months)
    panel = monthly_panel(tables["cur_erp__primary_daily"], start - timedelta(days=1))
    days = working_days(tables["cur_ref__calendar"], "IN")
    versions, closure = tables["cur_hr__position_versions"], tables["cur_hr__position_closure"]
    all_models: Dict[str, Model] = {"seasonal_naive": seasonal_naive, "lightgbm": GlobalLightGbm(days=days),
                                    "auto_ets": auto_ets,
                                    "auto_ets_wd": lambda h: auto_ets(h, days=days)}
    cpu: Dict[str, float] = {}

    def timed(name: str, model: Model) -> Model:
        def run(history: Panel) -> np.ndarray:
            t = time.process_time()
            out = model(history)
            cpu[name] = cpu.get(name, 0.0) + time.process_time() - t
            return out
        return run

    models = {name: timed(name, all_models[name]) for name in args.candidates.split(",")}
    origins = rolling_origins(panel, args.origins)
    zero = float((panel.values == 0).mean())
    print(f"panel: {panel.values.shape[0]} territory x brand series, months {panel.months[0]}..{panel.months[-1]}, "
          f"{zero:.1%} of series-months 0; origins {origins[0]}..{origins[-1]} ({len(origins)})")
    daily = tables["cur_erp__primary_daily"]
    daily = daily[daily["unmapped_reason"].isna()]
    by_day = daily.assign(net=daily["net_value"].astype(float)).groupby("doc_date")["net"].sum()
    stamps = pd.to_datetime(pd.Series(by_day.index, index=by_day.index))
    dom = by_day.groupby(stamps.dt.day.to_numpy()).mean()
    dow = by_day.groupby(stamps.dt.dayofweek.to_numpy()).mean()
    print("seasonality in the history: mean net of a day / median over days of month: "
          + ", ".join(f"{d}: {dom[d] / dom.median():.2f}" for d in (1, 5, 15, 28, 29, 30, 31))
          + f"; Sunday / median weekday: {dow[6] / dow.median():.2f}")
    rows, seconds = backtest(panel, origins, models, lambda o: ancestors(versions, closure, o))
    acc = accuracy(rows)
    order = {level: i for i, level in enumerate(LEVELS)}
    acc = acc.sort_values(["level", "horizon_days", "model"], key=lambda s: s.map(order) if s.name == "level" else s)
    print(table(acc, list(models)))
    for name, s in seconds.items():
        print(f"{name}: fit + predict {s:.2f} s wall, {cpu[name]:.2f} s CPU over {len(origins)} origins "
              f"({cpu[name] / len(origins):.2f} s CPU per origin, {panel.values.shape[0]} series)")
    # Intervals: residual quantiles of the earlier origins, checked on the later ones.
    split = origins[len(origins) * 2 // 3]
    early, late = rows[rows["origin"] < split], rows[rows["origin"] >= split]
    q = residual_quantiles(early)
    cov = coverage(with_intervals(late, q))
    cov = cov.sort_values(["level", "horizon_days", "model"], key=lambda s: s.map(order) if s.name == "level" else s)
    print(f"\n80% intervals from the residuals of origins before {split}, coverage of origins from {split} on:")
    print("| level | horizon | " + " | ".join(models) + " |")
    print("|" + "---|" * (2 + len(models)))
    for (level, horizon), g in cov.groupby(["level", "horizon_days"], sort=False):
        g = g.set_index("model")
        print(f"| {level} | {horizon} d | " + " | ".join(f"{g.loc[m, 'coverage']:.0%}" for m in models) + " |")


if __name__ == "__main__":
    main()
