"""The monthly forecast job (glue_jobs/forecast.py, run by the ``forecast`` state machine): from
the curated history, forecast net primary per territory x brand for the 30/60/90 days after the
origin, sum it up the position tree as it stood on the origin, attach each level's interval from
that level's own backtest residuals, and score every earlier stored forecast whose months have
closed.

Writes, overwriting partitions (a rerun for the same origin replaces what it wrote):
- ``cur_forecast__by_position`` partition dt=<origin>: every node's forecast, lower and upper;
- ``cur_forecast__accuracy`` partition dt=<earlier origin>, for each of the last 3 month ends
  before the origin that has a stored forecast (the horizons that close by this origin): forecast
  against actual per node and horizon. A rerun rewrites them.

The origin is a month end; "auto" is the last month end before today in the schedule's zone.
The job needs ``months_needed`` closed months up to the origin: with fewer it writes no forecast
and says so (status INSUFFICIENT_HISTORY), and the report says "not enough history".
Python 3.9-safe.
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pandas as pd
import pyarrow as pa

from saleslens.forecast.accuracy import arrived_actuals
from saleslens.forecast.backtest import backtest, forecast_nodes, rolling_origins
from saleslens.forecast.hierarchy import NODE, ancestors
from saleslens.forecast.intervals import residual_quantiles
from saleslens.forecast.models import Model, auto_ets, seasonal_naive
from saleslens.forecast.series import HORIZONS, Panel, month_end_of, month_index, monthly_panel

log = logging.getLogger(__name__)

FORECAST = "FORECAST"
INSUFFICIENT_HISTORY = "INSUFFICIENT_HISTORY"
AUTO = "auto"


class InvalidOriginError(ValueError):
    """The origin asked for is not a month end (or "auto")."""


@dataclass(frozen=True)
class ForecastSettings:
    """What the job reads from the config's ``forecast`` section (components.forecast_settings)."""

    model: str = "auto_ets"
    backtest_origins: int = 4
    min_fit_months: int = 8
    interval_lower: float = 0.1
    interval_upper: float = 0.9
    n_jobs: int = 1
    timezone: str = "Asia/Kolkata"

    @classmethod
    def from_json(cls, text: str) -> "ForecastSettings":
        raw = json.loads(text)
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})

    def model_fn(self) -> Model:
        if self.model == "seasonal_naive":
            return seasonal_naive
        if self.model == "auto_ets":
            n_jobs = self.n_jobs
            return lambda history: auto_ets(history, n_jobs=n_jobs)
        raise ValueError(f"unknown forecast model {self.model!r}")


def months_needed(settings: ForecastSettings) -> int:
    """Closed months (origin's included) the job needs: the earliest backtest origin sees
    ``min_fit_months``, and the latest leaves the 3 months of the 90-day horizon before the origin.
    With L months (0..L-1), the last backtest origin is month L-4 and the first L-3-n; the first sees
    L-2-n months, so L >= min_fit_months + n + 2."""
    return settings.min_fit_months + settings.backtest_origins + 2


def resolve_origin(value: str, today: date) -> date:
    """"auto" -> the last month end before ``today``; else the date given, which must be a month end."""
    if value == AUTO:
        return month_end_of(month_index(today) - 1)
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidOriginError(f"origin must be YYYY-MM-DD or {AUTO!r}, got {value!r}") from exc
    if day != month_end_of(month_index(day)):
        raise InvalidOriginError(f"origin must be a month end (a forecast covers whole months), got {value}")
    return day


def horizon_period(origin: date, horizon_days: int) -> tuple:
    """(first day, last day) of the horizon: the 1, 2 or 3 whole months after the origin."""
    return origin + timedelta(days=1), month_end_of(month_index(origin) + HORIZONS[horizon_days])


def _with_periods(rows: pd.DataFrame) -> pd.DataFrame:
    starts, ends = [], []
    for o, h in zip(rows["origin"], rows["horizon_days"]):
        s, e = horizon_period(o, int(h))
        starts.append(s)
        ends.append(e)
    return rows.assign(period_start=starts, period_end=ends)


@dataclass
class ForecastResult:
    origin: date
    status: str  # FORECAST or INSUFFICIENT_HISTORY
    months: int  # closed months of history up to the origin
    needed: int
    by_position: pd.DataFrame  # cur_forecast__by_position rows (empty without enough history)
    quantiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    backtest_origins: List[date] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        return {"origin": self.origin.isoformat(), "status": self.status, "months": self.months,
                "months_needed": self.needed, "rows": int(len(self.by_position)),
                "backtest_origins": [o.isoformat() for o in self.backtest_origins]}


BY_POSITION_COLUMNS = ["origin", "model", *NODE, "horizon_days", "period_start", "period_end",
                       "forecast", "lower", "upper", "residuals"]
ACCURACY_COLUMNS = ["origin", "model", *NODE, "horizon_days", "period_start", "period_end",
                    "forecast", "actual", "abs_pct_error", "bias_pct"]


def history_months(primary_daily: pd.DataFrame, origin: date) -> Optional[Panel]:
    try:
        return monthly_panel(primary_daily, origin)
    except ValueError:  # no mapped line up to the origin
        return None


def forecast_origin(primary_daily: pd.DataFrame, position_versions: pd.DataFrame, closure: pd.DataFrame,
                    origin: date, settings: ForecastSettings, model: Optional[Model] = None) -> ForecastResult:
    """The forecast of every node at ``origin`` with its level's interval (pure: frames in, frames out)."""
    needed = months_needed(settings)
    panel = history_months(primary_daily, origin)
    months = 0 if panel is None else month_index(origin) - panel.first + 1
    if panel is None or months < needed:
        return ForecastResult(origin, INSUFFICIENT_HISTORY, months, needed, pd.DataFrame(columns=BY_POSITION_COLUMNS))
    model = model or settings.model_fn()

    def tree(day: date) -> pd.DataFrame:
        return ancestors(position_versions, closure, day)

    origins = rolling_origins(panel, settings.backtest_origins)
    rows, _ = backtest(panel, origins, {settings.model: model}, tree)
    quantiles = residual_quantiles(rows, settings.interval_lower, settings.interval_upper)
    out = forecast_nodes(panel, origin, model, settings.model, tree(origin), quantiles)
    out = out.merge(quantiles[["model", "level", "horizon_days", "residuals"]], on=["model", "level", "horizon_days"],
                    how="left")
    out["residuals"] = out["residuals"].fillna(0).astype("int64")
    out = _with_periods(out)
    return ForecastResult(origin, FORECAST, months, needed, out[BY_POSITION_COLUMNS].reset_index(drop=True),
                          quantiles, origins)


def accuracy_rows(stored: pd.DataFrame, primary_daily: pd.DataFrame, position_versions: pd.DataFrame,
                  closure: pd.DataFrame, origin: date) -> pd.DataFrame:
    """Stored forecasts (cur_forecast__by_position rows of origins before ``origin``) against the
    actuals of their horizons that have closed by ``origin``, summed up the tree of each forecast's
    own origin."""
    panel = history_months(primary_daily, origin)
    earlier = stored[stored["origin"] < origin] if len(stored) else stored
    if panel is None or earlier.empty:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    origins = sorted(o for o in set(earlier["origin"]) if month_index(o) >= panel.first)
    actuals = arrived_actuals(panel, origins, lambda day: ancestors(position_versions, closure, day))
    joined = earlier.merge(actuals, on=["origin", *NODE, "horizon_days"], how="inner")
    a = joined["actual"].to_numpy(dtype=float)
    f = joined["forecast"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        joined["abs_pct_error"] = np.where(a > 0, np.abs(a - f) / a * 100, np.nan)
        joined["bias_pct"] = np.where(a > 0, (f - a) / a * 100, np.nan)
    return joined[ACCURACY_COLUMNS].reset_index(drop=True)


# -- the job: S3 in, S3 out -------------------------------------------------------------------------
def _frame(table: Optional[pa.Table]) -> pd.DataFrame:
    return pd.DataFrame() if table is None else table.to_pandas()


def _arrow(rows: pd.DataFrame, table: Any) -> pa.Table:
    frame = rows[list(table.column_names)].copy()
    for c in table.columns:
        if c.type == "float64":
            frame[c.name] = frame[c.name].astype("float64").round(2)
    return pa.Table.from_pandas(frame, schema=table.schema(), preserve_index=False)


def run(s3: Any, *, curated_bucket: str, origin: date, settings: ForecastSettings,
        progress: Callable[[str], None] = log.info) -> Dict[str, Any]:
    """Read the curated history, forecast at ``origin``, write both tables; the run's summary."""
    from saleslens.curate.store import CurateStore
    from saleslens.curate.tables import TABLES

    started = time.perf_counter()
    store = CurateStore(s3, clean_bucket="", curated_bucket=curated_bucket)
    daily_table = TABLES["cur_erp__primary_daily"]
    cutoff = origin.isoformat()
    parts = [dt for dt in store.curated_partitions(daily_table) if dt <= cutoff]
    frames = [_frame(store.read_curated(daily_table, dt)) for dt in parts]
    daily = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["doc_date", "territory_code", "division_code", "brand_code", "unmapped_reason", "net_value"])
    versions = _frame(store.read_curated(TABLES["cur_hr__position_versions"]))
    closure = _frame(store.read_curated(TABLES["cur_hr__position_closure"]))
    progress(f"read {len(daily)} daily primary rows from {len(parts)} partitions up to {cutoff}")
    result = forecast_origin(daily, versions, closure, origin, settings)
    summary = result.summary()
    by_position, accuracy_table = TABLES["cur_forecast__by_position"], TABLES["cur_forecast__accuracy"]
    if result.status == FORECAST:
        store.write_curated(by_position, _arrow(result.by_position, by_position), cutoff)
    # Only the origins whose horizons close by this origin: the last 3 month ends before it (older
    # ones were scored in full by earlier runs), so a run reads a bounded history.
    oldest = month_end_of(month_index(origin) - max(HORIZONS.values())).isoformat()
    stored_parts = [dt for dt in store.curated_partitions(by_position) if oldest <= dt < cutoff]
    stored_frames = [_frame(store.read_curated(by_position, dt)) for dt in stored_parts]
    stored = pd.concat(stored_frames, ignore_index=True) if stored_frames else pd.DataFrame(columns=BY_POSITION_COLUMNS)
    scored = accuracy_rows(stored, daily, versions, closure, origin)
    scored_origins = sorted(set(scored["origin"])) if len(scored) else []
    for o in scored_origins:
        store.write_curated(accuracy_table, _arrow(scored[scored["origin"] == o], accuracy_table), o.isoformat())
    summary.update({"accuracy_origins": [o.isoformat() for o in scored_origins], "accuracy_rows": int(len(scored)),
                    "seconds": round(time.perf_counter() - started, 1)})
    progress(json.dumps(summary))
    return summary


def today_in(timezone: str) -> date:
    from zoneinfo import ZoneInfo  # Python 3.9 has it

    return datetime.now(ZoneInfo(timezone)).date()


def main(argv: List[str], s3: Any = None) -> Dict[str, Any]:
    """Entry point of glue_jobs/forecast.py; Glue passes job arguments as --name value pairs."""
    parser = argparse.ArgumentParser(prog="forecast")
    for name in ("origin", "run_id", "curated_bucket", "forecast_settings"):
        parser.add_argument(f"--{name}", required=True)
    args, _unknown = parser.parse_known_args(argv)  # Glue adds its own (--JOB_ID, ...)
    settings = ForecastSettings.from_json(args.forecast_settings)
    origin = resolve_origin(args.origin, today_in(settings.timezone))
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log.info("forecast run %s at origin %s", args.run_id, origin.isoformat())
    return run(s3, curated_bucket=args.curated_bucket, origin=origin, settings=settings)
