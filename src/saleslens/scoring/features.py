"""Feature rows of opportunities as they were known at a model's cutoff.

- model ``creation``: cutoff = the opportunity's CREATED event;
- model ``proposal``: cutoff = its first PROPOSAL_SENT event (opportunities without one have no row).

What a row may use, and nothing else:
- the opportunity's own events at or before the cutoff (amount and competitor as known then: the
  last non-null value carried by those events; meetings and amount changes counted up to it);
- its fixed attributes: account, owner, product line, source, expected close date;
- the account master (type, beds, customer since -> tenure at the cutoff);
- other opportunities' outcomes, only for those closed strictly before the cutoff's day
  (``closed_date`` < cutoff date; a same-day close is left out because the CRM keeps its date, not
  its time): the owner's and the account's prior wins, losses and win rate, by as-of joins.

Never read: the opportunity's own outcome, lost_reason, closed_date, and the snapshot's stage,
version and last_modified_at (``POST_OUTCOME``), nor any event after the cutoff. The expected close
date (snapshot) and customer_since (account master) are read as they stand because no event carries
them; the contracts must keep them as set at creation and as the relationship's start (a CRM that
rewrote the expected close at closing, or set customer_since at a first win, would leak the outcome).
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
import pandas as pd

from saleslens.scoring.columns import (
    CATEGORICAL,
    CREATION,
    CREATION_NUMERIC,
    CUTOFF_EVENT,
    KEYS,
    MODELS,
    NO_COMPETITOR,
    POST_OUTCOME,
    PROPOSAL,
    PROPOSAL_NUMERIC,
    feature_columns,
)

__all__ = ["CATEGORICAL", "CREATION", "CREATION_NUMERIC", "KEYS", "MODELS", "NO_COMPETITOR", "POST_OUTCOME", "PROPOSAL",
           "PROPOSAL_NUMERIC", "FeatureInputError", "build_features", "feature_columns", "model_frames"]

ACCOUNT_COLUMNS = ("account_id", "account_type", "bed_count", "customer_since")
OPPORTUNITY_COLUMNS = ("opportunity_id", "account_id", "owner_employee_id", "product_line", "source", "expected_close_date")
EVENT_COLUMNS = ("opportunity_id", "version", "event_type", "event_at", "amount", "competitor")


class FeatureInputError(ValueError):
    """An input frame lacks a column the features need."""


def build_features(model: str, accounts: pd.DataFrame, opportunities: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per opportunity that reached the model's cutoff: ``KEYS`` + ``feature_columns(model)``."""
    names = feature_columns(model)
    _require(accounts, ACCOUNT_COLUMNS, "accounts")
    _require(opportunities, OPPORTUNITY_COLUMNS + ("outcome", "closed_date"), "opportunities")
    _require(events, EVENT_COLUMNS, "events")
    ev = events.loc[:, list(EVENT_COLUMNS)].copy()
    ev["event_at"] = _naive(ev["event_at"])
    ev = ev.sort_values(["opportunity_id", "event_at", "version"], kind="mergesort")

    cut = _cutoffs(ev, model)
    rows = cut.merge(opportunities.loc[:, list(OPPORTUNITY_COLUMNS)], on="opportunity_id", how="inner")
    rows = rows.merge(accounts.loc[:, list(ACCOUNT_COLUMNS)], on="account_id", how="left")
    day = rows["cutoff_at"].dt.normalize()
    rows["account_tenure_days"] = (day - _naive(rows["customer_since"])).dt.days.astype(float)
    rows["days_to_expected_close"] = (_naive(rows["expected_close_date"]) - day).dt.days.astype(float)
    rows["bed_count"] = rows["bed_count"].astype(float)

    known = _known_at(ev, cut)
    rows = rows.merge(known, on="opportunity_id", how="left")
    rows["competitor"] = rows["competitor"].where(rows["competitor"].notna(), NO_COMPETITOR)

    history = _closed_history(opportunities)
    rows = _prior_record(rows, history, "owner_employee_id", "owner")
    rows = _prior_record(rows, history, "account_id", "account")

    if model == PROPOSAL:
        created = _cutoffs(ev, CREATION).rename(columns={"cutoff_at": "created_at"})
        at_creation = _known_at(ev, created.rename(columns={"created_at": "cutoff_at"}))
        rows = rows.merge(created, on="opportunity_id", how="left")
        rows = rows.merge(at_creation[["opportunity_id", "amount"]].rename(columns={"amount": "amount_at_creation"}),
                          on="opportunity_id", how="left")
        rows["days_created_to_proposal"] = (rows["cutoff_at"] - rows["created_at"]).dt.total_seconds() / 86400.0
        rows["meetings_before_proposal"] = rows["meetings"].astype(float)
        rows["amount_changes_before_proposal"] = rows["amount_changes"].astype(float)
        rows["amount_change_since_creation_pct"] = 100.0 * (rows["amount"] / rows["amount_at_creation"] - 1.0)
    rows["amount"] = rows["amount"].astype(float)
    out = rows.loc[:, list(KEYS + names)].sort_values("opportunity_id", kind="mergesort")
    return out.reset_index(drop=True)


def _require(frame: pd.DataFrame, columns: Tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FeatureInputError(f"{what} lacks column(s) {missing}; the scoring features need them")


def _naive(values: pd.Series) -> pd.Series:
    """Timestamps as naive UTC datetime64[ns] (aware values converted, naive ones taken as UTC)."""
    ts = pd.to_datetime(values)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts.astype("datetime64[ns]")


def _cutoffs(ev: pd.DataFrame, model: str) -> pd.DataFrame:
    """opportunity_id -> cutoff_at: the first event of the model's cutoff type."""
    first = ev.loc[ev["event_type"] == CUTOFF_EVENT[model]].groupby("opportunity_id", as_index=False)["event_at"].min()
    return first.rename(columns={"event_at": "cutoff_at"})


def _known_at(ev: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    """Per opportunity, from its events at or before the cutoff: amount and competitor (last non-null), counts."""
    seen = ev.merge(cut, on="opportunity_id", how="inner")
    seen = seen.loc[seen["event_at"] <= seen["cutoff_at"]]
    seen = seen.assign(meetings=(seen["event_type"] == "MEETING").astype(np.int64),
                       amount_changes=(seen["event_type"] == "AMOUNT_CHANGE").astype(np.int64))
    grouped = seen.groupby("opportunity_id", sort=True)
    known = pd.DataFrame({
        "amount": grouped["amount"].last(),  # GroupBy.last skips nulls: the last amount an event carried
        "competitor": grouped["competitor"].last(),
        "meetings": grouped["meetings"].sum(),
        "amount_changes": grouped["amount_changes"].sum(),
    })
    return known.reset_index()


def _closed_history(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Closed opportunities as (opportunity_id, owner, account, closed_day, won, lost), for as-of joins only."""
    closed = opportunities.loc[opportunities["outcome"].isin(["WON", "LOST"]) & opportunities["closed_date"].notna(),
                               ["opportunity_id", "owner_employee_id", "account_id", "closed_date", "outcome"]].copy()
    closed["closed_day"] = _naive(closed["closed_date"]).dt.normalize()
    closed["won"] = (closed["outcome"] == "WON").astype(np.int64)
    closed["lost"] = 1 - closed["won"]
    return closed.drop(columns=["closed_date", "outcome"])


def _prior_record(rows: pd.DataFrame, history: pd.DataFrame, key: str, prefix: str) -> pd.DataFrame:
    """Wins and losses of ``key`` closed strictly before each row's cutoff day, by an as-of join.

    The running totals per key are taken at each closing day; ``merge_asof`` with
    ``allow_exact_matches=False`` picks the last day strictly before the cutoff day.
    """
    daily = history.groupby([key, "closed_day"], as_index=False)[["won", "lost"]].sum()
    daily = daily.sort_values([key, "closed_day"], kind="mergesort")
    daily[["won", "lost"]] = daily.groupby(key)[["won", "lost"]].cumsum()
    daily = daily.sort_values("closed_day", kind="mergesort")
    left = rows.assign(cutoff_day=rows["cutoff_at"].dt.normalize()).reset_index().sort_values("cutoff_day", kind="mergesort")
    joined = pd.merge_asof(left, daily, left_on="cutoff_day", right_on="closed_day", by=key,
                           allow_exact_matches=False, direction="backward")
    joined = joined.set_index("index").sort_index()
    won = joined["won"].fillna(0).astype(float)
    lost = joined["lost"].fillna(0).astype(float)
    out = rows.copy()
    out[f"{prefix}_prior_won"] = won.to_numpy()
    out[f"{prefix}_prior_lost"] = lost.to_numpy()
    total = won + lost
    out[f"{prefix}_prior_win_rate"] = (won / total.where(total > 0)).to_numpy()  # NaN with no prior close
    return out


def model_frames(accounts: pd.DataFrame, opportunities: pd.DataFrame, events: pd.DataFrame) -> Dict[str, pd.DataFrame]:
    """Both models' feature frames."""
    return {m: build_features(m, accounts, opportunities, events) for m in MODELS}
