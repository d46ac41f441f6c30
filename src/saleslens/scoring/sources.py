"""The contract-shaped CRM tables (crm_accounts, crm_opportunities, crm_opportunity_events, as the
curated tables hold them) -> the three frames ``features.build_features`` and ``train`` read.

- opportunities: one row per opportunity, its highest version (the snapshot the scoring library
  reads; see the opportunities contract: several versions per opportunity, the latest is the
  opportunity as known now);
- events: one row per ``event_id`` (an event delivered twice, by the opening load and a daily file,
  is kept once);
- accounts: one row per account, the last row given (the master is a daily snapshot, unversioned:
  pass its files in delivery order).

Types as ``features`` expects them: dates and timestamps as naive datetime64[ns], amount and
bed_count as float64, version as int64, empty strings as missing. No column is dropped: the
feature builder picks the columns it may read and leaves the outcome fields alone.
"""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd

DATES = ("created_date", "expected_close_date", "closed_date", "customer_since", "last_modified_at", "event_at")
FLOATS = ("amount", "bed_count")
NULLABLE_TEXT = ("competitor", "lost_reason", "from_stage", "to_stage")


class ScoringFrames(NamedTuple):
    accounts: pd.DataFrame
    opportunities: pd.DataFrame
    events: pd.DataFrame


def scoring_frames(accounts: pd.DataFrame, opportunities: pd.DataFrame, events: pd.DataFrame) -> ScoringFrames:
    """The scoring library's frames from the curated CRM tables (see the module docstring)."""
    opp = _typed(opportunities)
    opp = opp.sort_values(["opportunity_id", "version"], kind="mergesort").drop_duplicates("opportunity_id", keep="last")
    ev = _typed(events)
    ev = ev.drop_duplicates("event_id", keep="last") if "event_id" in ev.columns else ev.drop_duplicates(
        ["opportunity_id", "version"], keep="last")
    ev = ev.sort_values(["opportunity_id", "version"], kind="mergesort")
    acc = _typed(accounts).drop_duplicates("account_id", keep="last").sort_values("account_id", kind="mergesort")
    return ScoringFrames(acc.reset_index(drop=True), opp.reset_index(drop=True), ev.reset_index(drop=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in NULLABLE_TEXT:
        if c in out.columns:
            out[c] = out[c].where(out[c].notna() & (out[c].astype(str) != ""), None)
    for c in DATES:
        if c in out.columns:
            ts = pd.to_datetime(out[c].where(out[c].astype(str) != ""))
            if getattr(ts.dt, "tz", None) is not None:
                ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
            out[c] = ts.astype("datetime64[ns]")
    for c in FLOATS:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="raise").astype(float)
    if "version" in out.columns:
        out["version"] = out["version"].astype("int64")
    return out
