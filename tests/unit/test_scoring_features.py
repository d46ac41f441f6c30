"""Opportunity-scoring features as known at the cutoff: hand-computed rows, and no post-outcome leak."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from saleslens.scoring.features import (
    CREATION,
    KEYS,
    MODELS,
    POST_OUTCOME,
    PROPOSAL,
    FeatureInputError,
    build_features,
    feature_columns,
)
from tests.scoring_synthetic import synthetic_crm

ACCOUNTS = pd.DataFrame({
    "account_id": ["A1", "A2"], "account_name": ["City Hospital", "Sunrise Clinic"],
    "account_type": ["GOVT_HOSPITAL", "PRIVATE_HOSPITAL"], "bed_count": [300, 120], "territory_code": ["T0001", "T0001"],
    "city": ["Pune", "Pune"], "customer_since": pd.to_datetime(["2023-01-01", "2022-03-06"]).date,
})


def _opp(oid, account, created, expected, outcome, closed, lost_reason=None, stage="PROPOSAL"):
    return {"opportunity_id": oid, "account_id": account, "owner_employee_id": "E000001", "territory_code": "T0001",
            "product_line": "CARDIO", "amount": 1.0, "created_date": pd.Timestamp(created).date(),
            "expected_close_date": pd.Timestamp(expected).date(), "source": "TENDER", "competitor": None, "stage": stage,
            "outcome": outcome, "closed_date": None if closed is None else pd.Timestamp(closed).date(),
            "lost_reason": lost_reason, "version": 9, "last_modified_at": pd.Timestamp("2024-04-30")}


OPPORTUNITIES = pd.DataFrame([
    _opp("O1", "A1", "2024-01-10", "2024-02-10", "WON", "2024-02-01", stage="CLOSED_WON"),
    _opp("O2", "A1", "2024-02-01", "2024-03-01", "LOST", "2024-03-05", "PRICE", "CLOSED_LOST"),
    _opp("O3", "A1", "2024-03-05", "2024-05-04", "WON", "2024-04-10", stage="CLOSED_WON"),
    _opp("O4", "A2", "2024-03-06", "2024-04-05", "OPEN", None, stage="PROSPECT"),
])

EVENT_ROWS = [  # opportunity, version, type, at, amount, competitor
    ("O1", 1, "CREATED", "2024-01-10 09:00", 80000.0, None),
    ("O1", 2, "CLOSED", "2024-02-01 11:00", 80000.0, None),
    ("O2", 1, "CREATED", "2024-02-01 12:00", 70000.0, None),
    ("O2", 2, "CLOSED", "2024-03-05 16:00", 70000.0, None),
    ("O3", 1, "CREATED", "2024-03-05 10:00", 100000.0, None),
    ("O3", 2, "MEETING", "2024-03-10 10:00", None, None),
    ("O3", 3, "AMOUNT_CHANGE", "2024-03-12 10:00", 120000.0, "GLOBEX"),
    ("O3", 4, "MEETING", "2024-03-15 10:00", None, None),
    ("O3", 5, "PROPOSAL_SENT", "2024-03-20 15:00", None, None),
    ("O3", 6, "MEETING", "2024-03-25 10:00", None, None),  # after the proposal: in neither model
    ("O3", 7, "AMOUNT_CHANGE", "2024-03-28 10:00", 999999.0, "INITECH"),
    ("O3", 8, "CLOSED", "2024-04-10 10:00", 999999.0, "INITECH"),
    ("O4", 1, "CREATED", "2024-03-06 08:00", 50000.0, "ACME"),
]
EVENTS = pd.DataFrame([
    {"event_id": f"EV{i}", "opportunity_id": o, "version": v, "event_type": t, "event_at": pd.Timestamp(at),
     "employee_id": "E000001", "from_stage": None, "to_stage": None, "amount": a, "competitor": c}
    for i, (o, v, t, at, a, c) in enumerate(EVENT_ROWS)
])


def _row(frame: pd.DataFrame, oid: str) -> dict:
    return frame.loc[frame["opportunity_id"] == oid].iloc[0].to_dict()


def test_creation_rows_hold_what_was_known_at_creation() -> None:
    f = build_features(CREATION, ACCOUNTS, OPPORTUNITIES, EVENTS)
    assert list(f.columns) == list(KEYS + feature_columns(CREATION))
    assert list(f["opportunity_id"]) == ["O1", "O2", "O3", "O4"]
    o3 = _row(f, "O3")
    assert o3["cutoff_at"] == pd.Timestamp("2024-03-05 10:00")
    assert (o3["account_type"], o3["bed_count"], o3["amount"], o3["competitor"]) == ("GOVT_HOSPITAL", 300.0, 100000.0, "NONE")
    assert o3["account_tenure_days"] == 429  # 2023-01-01 -> 2024-03-05: 365 (2023) + 31 + 29 + 4
    assert o3["days_to_expected_close"] == 60  # 2024-03-05 -> 2024-05-04: 26 + 30 + 4
    # O1 won (closed 02-01 < 03-05); O2 lost on 03-05, the cutoff's own day: not strictly before, left out.
    assert (o3["owner_prior_won"], o3["owner_prior_lost"], o3["owner_prior_win_rate"]) == (1.0, 0.0, 1.0)
    assert (o3["account_prior_won"], o3["account_prior_lost"], o3["account_prior_win_rate"]) == (1.0, 0.0, 1.0)
    o4 = _row(f, "O4")
    assert (o4["account_type"], o4["competitor"], o4["amount"]) == ("PRIVATE_HOSPITAL", "ACME", 50000.0)
    assert o4["account_tenure_days"] == 731  # 2022-03-06 -> 2024-03-06: 365 + 366
    assert o4["days_to_expected_close"] == 30  # 2024-03-06 -> 2024-04-05: 25 + 5
    # Owner: O1 won, O2 lost 03-05 < 03-06 -> 1 won, 1 lost, 1/2. Account A2 has no closed deal: rate unknown.
    assert (o4["owner_prior_won"], o4["owner_prior_lost"], o4["owner_prior_win_rate"]) == (1.0, 1.0, 0.5)
    assert (o4["account_prior_won"], o4["account_prior_lost"]) == (0.0, 0.0) and math.isnan(o4["account_prior_win_rate"])
    # O2 was created on 02-01, the day O1 closed: O1 is not yet prior.
    assert _row(f, "O2")["owner_prior_won"] == 0.0


def test_proposal_rows_stop_at_the_first_proposal() -> None:
    f = build_features(PROPOSAL, ACCOUNTS, OPPORTUNITIES, EVENTS)
    assert list(f["opportunity_id"]) == ["O3"]  # the only one with a PROPOSAL_SENT event
    o3 = _row(f, "O3")
    assert o3["cutoff_at"] == pd.Timestamp("2024-03-20 15:00")
    # Amount and competitor from the 03-12 change (the proposal event carries none); not the 03-28 ones.
    assert (o3["amount"], o3["competitor"]) == (120000.0, "GLOBEX")
    assert o3["account_tenure_days"] == 444  # 429 + 15
    assert o3["days_to_expected_close"] == 45  # 60 - 15
    assert (o3["owner_prior_won"], o3["owner_prior_lost"], o3["owner_prior_win_rate"]) == (1.0, 1.0, 0.5)
    assert o3["days_created_to_proposal"] == pytest.approx(15 + 5 / 24)  # 03-05 10:00 -> 03-20 15:00
    assert o3["meetings_before_proposal"] == 2  # 03-10 and 03-15; the 03-25 meeting is after
    assert o3["amount_changes_before_proposal"] == 1
    assert o3["amount_change_since_creation_pct"] == pytest.approx(20.0)  # 100 x (120000 / 100000 - 1)


@pytest.mark.parametrize("model", MODELS)
def test_feature_list_names_no_post_outcome_field(model: str) -> None:
    names = feature_columns(model)
    for forbidden in POST_OUTCOME:
        assert not any(forbidden in name for name in names), (forbidden, names)
    for forbidden in ("stage", "lost", "closed", "outcome", "version", "modified"):
        assert not any(name.startswith(forbidden) for name in names)


@pytest.mark.parametrize("model", MODELS)
def test_fields_never_read_change_nothing(model: str) -> None:
    """Scramble every post-outcome snapshot field, and add events after each cutoff: features stay identical."""
    before = build_features(model, ACCOUNTS, OPPORTUNITIES, EVENTS)
    opp = OPPORTUNITIES.copy()
    opp["lost_reason"] = "LEAK"
    opp["stage"] = "CLOSED_WON"
    opp["version"] = 1234
    opp["last_modified_at"] = pd.Timestamp("2030-01-01")
    opp["amount"] = 1e12  # the snapshot's latest amount: only events up to the cutoff may give the amount
    opp["competitor"] = "LEAK"
    later = before[["opportunity_id", "cutoff_at"]].assign(
        event_id="EVX", version=99, event_type="MEETING", employee_id=None, from_stage=None, to_stage=None,
        amount=5e9, competitor="LEAK")
    later["event_at"] = later.pop("cutoff_at") + pd.Timedelta(seconds=1)
    proposals = later.assign(event_type="PROPOSAL_SENT", event_at=later["event_at"] + pd.Timedelta(days=1))
    events = pd.concat([EVENTS, later, proposals], ignore_index=True)
    after = build_features(model, ACCOUNTS, opp, events)
    pd.testing.assert_frame_equal(before, after)


def test_an_outcome_reaches_only_rows_whose_cutoff_day_follows_the_close() -> None:
    """Flip O2's outcome (closed 2024-03-05): O1, O2 and O3's creation row (cutoff that day) keep theirs; O4 changes."""
    before = build_features(CREATION, ACCOUNTS, OPPORTUNITIES, EVENTS)
    opp = OPPORTUNITIES.copy()
    opp.loc[opp["opportunity_id"] == "O2", "outcome"] = "WON"
    after = build_features(CREATION, ACCOUNTS, opp, EVENTS)
    pd.testing.assert_frame_equal(before.iloc[:3], after.iloc[:3])
    assert (_row(after, "O4")["owner_prior_won"], _row(after, "O4")["owner_prior_lost"]) == (2.0, 0.0)


def _world_at(crm, cutoff: pd.Timestamp):
    """The CRM as it stood at ``cutoff``: later events gone, outcomes not yet known reset, post-outcome fields blanked."""
    events = crm.events.loc[crm.events["event_at"] <= cutoff]
    opp = crm.opportunities.copy()
    closed = pd.to_datetime(opp["closed_date"])
    unknown = ~(closed < cutoff.normalize())
    opp.loc[unknown, "outcome"] = "OPEN"
    opp.loc[unknown, "closed_date"] = None
    opp["lost_reason"] = None
    opp["stage"] = "PROSPECT"
    opp["version"] = 1
    opp["last_modified_at"] = cutoff
    return crm.accounts, opp, events


@pytest.mark.parametrize("model", MODELS)
def test_rows_equal_those_built_from_the_crm_as_it_stood_at_the_cutoff(model: str) -> None:
    """The as-of guarantee: each row, built from today's CRM, equals the row built from the CRM truncated at its cutoff.

    Any feature reading an outcome, a lost reason, a closing date or an event after the cutoff breaks it.
    """
    crm = synthetic_crm(opportunities=500, accounts=60, owners=12, months=15, seed=3)
    full = build_features(model, crm.accounts, crm.opportunities, crm.events).set_index("opportunity_id")
    rng = np.random.default_rng(5)
    closed = crm.opportunities.loc[crm.opportunities["outcome"] != "OPEN", "opportunity_id"]
    sample = rng.choice(sorted(set(closed) & set(full.index)), 12, replace=False)
    for oid in sample:
        cutoff = full.loc[oid, "cutoff_at"]
        past = build_features(model, *_world_at(crm, cutoff)).set_index("opportunity_id")
        pd.testing.assert_series_equal(full.loc[oid], past.loc[oid], check_names=False)
    assert full[["owner_prior_won", "owner_prior_lost"]].to_numpy().sum() > 0  # the priors were exercised


def test_a_missing_input_column_is_named() -> None:
    with pytest.raises(FeatureInputError, match=r"events lacks column\(s\) \['competitor'\]"):
        build_features(CREATION, ACCOUNTS, OPPORTUNITIES, EVENTS.drop(columns=["competitor"]))
