"""scoring_frames: contract-shaped CRM rows -> the scoring library's frames."""
from __future__ import annotations

import pandas as pd

from saleslens.scoring.features import build_features
from saleslens.scoring.sources import scoring_frames


def _tables():
    accounts = pd.DataFrame({
        "account_id": ["AC1", "AC1"], "account_name": ["Old name", "New name"], "account_type": ["HOSPITAL", "HOSPITAL"],
        "bed_count": [100, 120], "territory_code": ["T1", "T1"], "city": ["Pune", "Pune"],
        "customer_since": ["2020-01-01", "2020-01-01"],
    })
    common = {"account_id": "AC1", "owner_employee_id": "E1", "territory_code": "T1", "product_line": "D1",
              "created_date": "2024-01-10", "expected_close_date": "2024-04-10", "source": "TENDER", "lost_reason": ""}
    opportunities = pd.DataFrame([
        # version 3 delivered first (a later file read first): the highest version wins, not the last row
        {**common, "opportunity_id": "OP1", "version": 3, "amount": "90000.00", "competitor": "RivalCo",
         "stage": "CLOSED_WON", "outcome": "WON", "closed_date": "2024-03-01", "last_modified_at": "2024-03-01 10:00:00"},
        {**common, "opportunity_id": "OP1", "version": 2, "amount": "100000.00", "competitor": "",
         "stage": "PROPOSAL", "outcome": "OPEN", "closed_date": "", "last_modified_at": "2024-02-01 10:00:00"},
    ])
    events = pd.DataFrame({
        "event_id": ["OE00000000101", "OE00000000102", "OE00000000102", "OE00000000103"],
        "opportunity_id": ["OP1"] * 4, "version": [1, 2, 2, 3],
        "event_type": ["CREATED", "PROPOSAL_SENT", "PROPOSAL_SENT", "CLOSED"],
        "event_at": ["2024-01-10 09:00:00", "2024-02-01 10:00:00", "2024-02-01 10:00:00", "2024-03-01 10:00:00"],
        "employee_id": ["E1"] * 4, "from_stage": ["", "QUALIFIED", "QUALIFIED", "PROPOSAL"],
        "to_stage": ["", "PROPOSAL", "PROPOSAL", "CLOSED_WON"],
        "amount": ["100000.00", "100000.00", "100000.00", "90000.00"], "competitor": ["", "", "", "RivalCo"],
    })
    return accounts, opportunities, events


def test_the_highest_version_of_an_opportunity_is_its_snapshot():
    _, opp, _ = scoring_frames(*_tables())
    assert len(opp) == 1
    row = opp.iloc[0]
    assert (row["version"], row["outcome"], row["amount"]) == (3, "WON", 90000.0)
    assert row["closed_date"] == pd.Timestamp("2024-03-01")
    assert opp["expected_close_date"].dtype == "datetime64[ns]"
    assert pd.isna(row["lost_reason"])  # empty string -> missing


def test_events_once_each_accounts_last_row_and_types():
    acc, _, ev = scoring_frames(*_tables())
    assert list(ev["version"]) == [1, 2, 3]  # the repeated event 102 kept once
    assert ev["event_at"].dtype == "datetime64[ns]" and ev["amount"].dtype == "float64"
    assert ev["competitor"].isna().tolist() == [True, True, False]
    assert acc[["account_name", "bed_count"]].values.tolist() == [["New name", 120.0]]


def test_the_features_see_the_competitor_only_from_the_event_that_carried_it():
    acc, opp, ev = scoring_frames(*_tables())
    proposal = build_features("proposal", acc, opp, ev)
    # At the proposal (2024-02-01) no competitor was known and the amount was 100,000, although the
    # snapshot (version 3) says RivalCo and 90,000; 2024-02-01 - 2020-01-01 = 1,492 days of tenure.
    assert proposal.loc[0, "competitor"] != "RivalCo"
    assert proposal.loc[0, "amount"] == 100000.0
    assert proposal.loc[0, "account_tenure_days"] == 1492.0
