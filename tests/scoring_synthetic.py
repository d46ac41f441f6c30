"""A SYNTHETIC generating process for the opportunity-scoring tests and bench ONLY.

Not the SalesLens generator (which declares the CRM opportunity sources and writes them at every
scale); this small process stands in until it lands, using the same column names. Known signal:

    logit P(win) = -1.25 + account type + source + 0.9 x owner skill - 0.6 x [competitor]
                   - 0.25 x log(amount / 1e6) + 0.8 x (latent engagement)

Latent engagement (a standard normal) is not a column: it shows in meetings before the proposal
(Poisson, mean 1.5 x exp(0.7 x engagement)), so the proposal model has signal the creation model
lacks. 75% of opportunities reach a proposal. Leakage traps: lost_reason filled only for losses,
closed_date only once closed, won deals get more events after their proposal, the snapshot's stage
/ version / last_modified_at reflect the final state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

import numpy as np
import pandas as pd

ACCOUNT_TYPES = ("GOVT_HOSPITAL", "PRIVATE_HOSPITAL", "NURSING_HOME", "INSTITUTION", "CORPORATE_CHAIN")
TYPE_EFFECT = {"GOVT_HOSPITAL": -0.4, "PRIVATE_HOSPITAL": 0.3, "NURSING_HOME": 0.0, "INSTITUTION": -0.2, "CORPORATE_CHAIN": 0.5}
SOURCES = ("TENDER", "REFERRAL", "FIELD", "RENEWAL", "INBOUND")
SOURCE_EFFECT = {"TENDER": -0.5, "REFERRAL": 0.5, "FIELD": 0.0, "RENEWAL": 1.0, "INBOUND": 0.1}
PRODUCT_LINES = ("CARDIO", "DIABETES", "ANTI_INFECTIVE", "ONCOLOGY")
COMPETITORS = ("ACME_PHARMA", "GLOBEX", "INITECH")
LOST_REASONS = ("PRICE", "COMPETITOR", "NO_DECISION", "TENDER_RULES")


@dataclass(frozen=True)
class SyntheticCrm:
    accounts: pd.DataFrame
    opportunities: pd.DataFrame
    events: pd.DataFrame


def synthetic_crm(opportunities: int = 3000, accounts: int = 400, owners: int = 60, start: str = "2023-01-01",
                  months: int = 27, seed: int = 11) -> SyntheticCrm:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    as_of = t0 + pd.DateOffset(months=months)
    span_days = (as_of - t0).days

    acct_type = rng.choice(ACCOUNT_TYPES, accounts)
    acct = pd.DataFrame({
        "account_id": [f"ACC{i:06d}" for i in range(accounts)],
        "account_name": [f"Institution {i}" for i in range(accounts)],
        "account_type": acct_type,
        "bed_count": rng.integers(10, 1200, accounts),
        "territory_code": [f"T{rng.integers(1, 500):04d}" for _ in range(accounts)],
        "city": rng.choice(["Pune", "Delhi", "Colombo", "Kathmandu"], accounts),
        "customer_since": (t0 - pd.to_timedelta(rng.integers(0, 3000, accounts), unit="D")).date,
    })
    skill = rng.normal(0, 1, owners)
    n = opportunities
    a_idx = rng.integers(0, accounts, n)
    o_idx = rng.integers(0, owners, n)
    source = rng.choice(SOURCES, n)
    competitor = np.where(rng.random(n) < 0.4, rng.choice(COMPETITORS, n), None)
    amount = np.round(np.exp(rng.normal(np.log(1.5e6), 0.8, n)), -3)
    engagement = rng.normal(0, 1, n)
    logit = (-1.25 + np.array([TYPE_EFFECT[t] for t in acct_type[a_idx]]) + np.array([SOURCE_EFFECT[s] for s in source])
             + 0.9 * skill[o_idx] - 0.6 * (competitor != None) - 0.25 * np.log(amount / 1e6) + 0.8 * engagement)  # noqa: E711
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    created = t0 + pd.to_timedelta(rng.integers(0, span_days * 86400, n), unit="s")
    has_proposal = rng.random(n) < 0.75
    to_proposal_days = rng.integers(3, 45, n)
    proposal_at = created + pd.to_timedelta(to_proposal_days * 86400 + rng.integers(0, 86400, n), unit="s")
    meetings = rng.poisson(1.5 * np.exp(0.7 * engagement))
    amount_changes = rng.poisson(0.5, n)
    cycle = to_proposal_days + rng.integers(10, 150, n)
    closed_at = created + pd.to_timedelta(cycle * 86400 + 3600, unit="s")
    is_closed = closed_at <= as_of
    outcome = np.where(~is_closed, "OPEN", np.where(won, "WON", "LOST"))
    ids = np.array([f"OPP{i:07d}" for i in range(n)])

    opp = pd.DataFrame({
        "opportunity_id": ids, "account_id": acct["account_id"].to_numpy()[a_idx],
        "owner_employee_id": np.array([f"E{100000 + i:06d}" for i in range(owners)])[o_idx],
        "territory_code": acct["territory_code"].to_numpy()[a_idx], "product_line": rng.choice(PRODUCT_LINES, n),
        "amount": amount, "created_date": created.normalize().date,
        "expected_close_date": (created.normalize() + pd.to_timedelta(rng.integers(30, 180, n), unit="D")).date,
        "source": source, "competitor": competitor,
        "stage": np.where(outcome == "WON", "CLOSED_WON", np.where(outcome == "LOST", "CLOSED_LOST",
                          np.where(has_proposal, "PROPOSAL", "QUALIFIED"))),
        "outcome": outcome,
        "closed_date": np.where(is_closed, closed_at.normalize().date, None),
        "lost_reason": np.where(outcome == "LOST", rng.choice(LOST_REASONS, n), None),
        "version": 1, "last_modified_at": np.where(is_closed, closed_at, created),
    })
    events = _events(rng, ids, created, proposal_at, has_proposal, meetings, amount_changes, amount, competitor,
                     closed_at, is_closed, won)
    events = events.loc[events["event_at"] <= as_of].reset_index(drop=True)
    last = events.groupby("opportunity_id")["version"].max()
    opp["version"] = opp["opportunity_id"].map(last).astype("int64")
    return SyntheticCrm(acct, opp, events)


def _events(rng: np.random.Generator, ids: np.ndarray, created: pd.DatetimeIndex, proposal_at: pd.DatetimeIndex,
            has_proposal: np.ndarray, meetings: np.ndarray, amount_changes: np.ndarray, amount: np.ndarray,
            competitor: np.ndarray, closed_at: pd.DatetimeIndex, is_closed: np.ndarray, won: np.ndarray) -> pd.DataFrame:
    parts = []
    created_amount = np.round(amount * rng.uniform(0.8, 1.2, len(ids)), -3)
    parts.append(_frame(ids, "CREATED", created, created_amount, competitor))
    # Meetings and amount changes between creation and proposal (or creation + 30 days without one).
    window_end = np.where(has_proposal, proposal_at.asi8, (created + pd.Timedelta(days=30)).asi8)
    for kind, counts in (("MEETING", meetings), ("AMOUNT_CHANGE", amount_changes)):
        rep = np.repeat(np.arange(len(ids)), counts)
        frac = rng.uniform(0.05, 0.95, rep.size)
        at = pd.to_datetime(created.asi8[rep] + (frac * (window_end[rep] - created.asi8[rep])).astype(np.int64))
        amt = np.round(created_amount[rep] + (amount[rep] - created_amount[rep]) * frac, -3) if kind == "AMOUNT_CHANGE" else None
        parts.append(_frame(ids[rep], kind, at, amt, None))
    p = np.flatnonzero(has_proposal)
    parts.append(_frame(ids[p], "PROPOSAL_SENT", proposal_at[p], amount[p], None))
    # After the proposal: won deals see more meetings (a trap for features that look past the cutoff).
    later = np.repeat(p, np.where(won[p], 3, 1))
    parts.append(_frame(ids[later], "MEETING", proposal_at[later] + pd.to_timedelta(rng.integers(1, 9, later.size), unit="D"),
                        None, None))
    c = np.flatnonzero(is_closed)
    parts.append(_frame(ids[c], "CLOSED", closed_at[c], amount[c], None))
    ev = pd.concat(parts, ignore_index=True).sort_values(["opportunity_id", "event_at"], kind="mergesort")
    ev["version"] = ev.groupby("opportunity_id").cumcount() + 1
    ev["event_id"] = [f"EV{i:09d}" for i in range(len(ev))]
    stages = {"CREATED": (None, "PROSPECT"), "PROPOSAL_SENT": ("QUALIFIED", "PROPOSAL")}
    ev["from_stage"] = ev["event_type"].map(lambda t: stages.get(t, (None, None))[0])
    ev["to_stage"] = ev["event_type"].map(lambda t: stages.get(t, (None, None))[1])
    ev["employee_id"] = None
    cols = ["event_id", "opportunity_id", "version", "event_type", "event_at", "employee_id", "from_stage", "to_stage",
            "amount", "competitor"]
    return ev.loc[:, cols].reset_index(drop=True)


def _frame(ids: np.ndarray, kind: str, at: pd.DatetimeIndex, amount: object, competitor: object) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({"opportunity_id": ids, "event_type": kind, "event_at": np.asarray(at, dtype="datetime64[ns]"),
                         "amount": amount if amount is not None else np.full(n, np.nan),
                         "competitor": competitor if competitor is not None else np.full(n, None, dtype=object)})


def as_of(crm: SyntheticCrm) -> pd.Timestamp:
    return pd.Timestamp(crm.events["event_at"].max()).normalize()


def summary(crm: SyntheticCrm) -> Dict[str, float]:
    o = crm.opportunities
    closed = o["outcome"] != "OPEN"
    return {"opportunities": float(len(o)), "events": float(len(crm.events)),
            "win_rate": float((o.loc[closed, "outcome"] == "WON").mean())}
