"""Golden tests of the institutional pipeline (KPI catalogue 4): mart_pipeline__by_position through the
real views, on a hand-built lake.

The org: CMO > BUH > NH > ZSM > RSM > ASM1 > SR1 (territory T1), SR2 (T2), all division DIV01, India.
As of Wednesday 15 May 2024, daily cadence: the 'day' window is 15 May, 'mtd' is 1-15 May.

Deals (product line DIV01; amounts in INR; "vN @ date" = version N modified on that date):
  SR1 / T1
    O1  created 1 Mar, WON  closed 10 May from NEGOTIATION, 100,000   (cycle 1 Mar -> 10 May = 31 + 30 + 9 = 70 days)
    O2  created 1 Apr, LOST closed  5 May from QUALIFIED,    50,000   (no proposal)
    O3  created 10 Apr, OPEN, 200,000, expected close 30 Jun, last event 1 May (14 days before 15 May)
    O4  created 1 Feb,  OPEN,  80,000, expected close 1 May (past), last event 10 May -> at risk
    O5  created 1 Apr,  OPEN,  40,000, expected close 1 Jul, only event 1 Apr (44 days) -> at risk;
        v2 @ 20 May closes it WON from NEGOTIATION: not known on 15 May
    O9  created 1 Mar,  WON closed 30 Apr from PROPOSAL,      70,000   (April: outside May's windows)
  SR2 / T2
    O6  created 15 Apr, WON  closed 15 May from PROPOSAL,     30,000   (cycle 30 days)
    O7  created 15 Mar, LOST closed 12 May from NEGOTIATION,  60,000
    O8  created 1 May,  OPEN, 100,000, expected close 1 Aug, last event 14 May
Institutional targets for May 2024: T1 500,000; T2 100,000.

Scores (cur_crm__opportunity_scores, as the run's snapshot of the scores table holds them):
  O3  probability 0.25, score 2, a week before 0.40 / score 3 -> change -1, -15.0 points
  O4  probability 0.60, score 4, no score 7 or more days before it
  O5 and O8 never scored. Account A000001 is "City Hospital".
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Dict, Optional

import pytest

from tests.golden.lake import D, Lake, money

HOLIDAYS = [("IN", D(2024, 5, 1), "May Day")]
AS_OF = D(2024, 5, 15)


def version(lake: Lake, opp: str, v: int, modified: date, territory: str, amount: str, created: date,
            expected_close: date, stage: str, outcome: str = "OPEN", closed: Optional[date] = None,
            lost_reason: Optional[str] = None) -> None:
    lake.add("cur_crm__opportunity_versions", modified_date=modified, opportunity_id=opp, version=v,
             account_id="A000001", owner_employee_id="E1" if territory == "T1" else "E2", territory_code=territory,
             product_line="DIV01", amount=money(amount), created_date=created, expected_close_date=expected_close,
             source="FIELD", competitor=None, stage=stage, outcome=outcome, closed_date=closed, lost_reason=lost_reason,
             last_modified_at=datetime(modified.year, modified.month, modified.day, 10, 0))


def close_event(lake: Lake, opp: str, v: int, day: date, from_stage: str, won: bool, amount: str) -> None:
    lake.add("cur_crm__opportunity_events", event_date=day, event_id=f"E{opp}{v}", opportunity_id=opp, version=v,
             event_type="CLOSED", event_at=datetime(day.year, day.month, day.day, 11, 0), employee_id="E1",
             from_stage=from_stage, to_stage="CLOSED_WON" if won else "CLOSED_LOST", amount=money(amount),
             competitor=None)


def closed(lake: Lake, opp: str, territory: str, amount: str, created: date, on: date, from_stage: str, won: bool,
           v: int = 2) -> None:
    version(lake, opp, 1, created, territory, amount, created, on, "PROSPECT")
    version(lake, opp, v, on, territory, amount, created, on, "CLOSED_WON" if won else "CLOSED_LOST",
            "WON" if won else "LOST", on, None if won else "PRICE")
    close_event(lake, opp, v, on, from_stage, won, amount)


@pytest.fixture(scope="module")
def lake() -> Lake:
    lake = Lake(holidays=HOLIDAYS)
    parent = None
    for role in ("CMO", "BUH", "NH", "ZSM", "RSM"):
        lake.position(role, role, parent)
        parent = role
    lake.position("ASM1", "ASM", "RSM")
    lake.position("SR1", "SR", "ASM1", territory="T1").position("SR2", "SR", "ASM1", territory="T2")
    lake.territory("T1").territory("T2")
    lake.holds("E1", "SR1", D(2020, 1, 1)).holds("E2", "SR2", D(2020, 1, 1))
    closed(lake, "O1", "T1", "100000", D(2024, 3, 1), D(2024, 5, 10), "NEGOTIATION", won=True, v=3)
    version(lake, "O1", 2, D(2024, 3, 20), "T1", "100000", D(2024, 3, 1), D(2024, 5, 10), "PROPOSAL")
    closed(lake, "O2", "T1", "50000", D(2024, 4, 1), D(2024, 5, 5), "QUALIFIED", won=False)
    version(lake, "O3", 1, D(2024, 4, 10), "T1", "200000", D(2024, 4, 10), D(2024, 6, 30), "PROSPECT")
    version(lake, "O3", 2, D(2024, 5, 1), "T1", "200000", D(2024, 4, 10), D(2024, 6, 30), "QUALIFIED")
    version(lake, "O4", 1, D(2024, 2, 1), "T1", "80000", D(2024, 2, 1), D(2024, 5, 1), "PROSPECT")
    version(lake, "O4", 2, D(2024, 5, 10), "T1", "80000", D(2024, 2, 1), D(2024, 5, 1), "PROPOSAL")
    version(lake, "O5", 1, D(2024, 4, 1), "T1", "40000", D(2024, 4, 1), D(2024, 7, 1), "PROSPECT")
    version(lake, "O5", 2, D(2024, 5, 20), "T1", "40000", D(2024, 4, 1), D(2024, 7, 1), "CLOSED_WON", "WON",
            D(2024, 5, 20))
    close_event(lake, "O5", 2, D(2024, 5, 20), "NEGOTIATION", True, "40000")
    closed(lake, "O9", "T1", "70000", D(2024, 3, 1), D(2024, 4, 30), "PROPOSAL", won=True)
    closed(lake, "O6", "T2", "30000", D(2024, 4, 15), D(2024, 5, 15), "PROPOSAL", won=True, v=3)
    closed(lake, "O7", "T2", "60000", D(2024, 3, 15), D(2024, 5, 12), "NEGOTIATION", won=False, v=4)
    version(lake, "O8", 1, D(2024, 5, 1), "T2", "100000", D(2024, 5, 1), D(2024, 8, 1), "PROSPECT")
    version(lake, "O8", 2, D(2024, 5, 14), "T2", "100000", D(2024, 5, 1), D(2024, 8, 1), "QUALIFIED")
    for territory, value in (("T1", "500000"), ("T2", "100000")):
        lake.add("cur_erp__institution_targets", target_month=D(2024, 5, 1), territory_code=territory,
                 division_code="DIV01", target_value=money(value))
    lake.add("cur_erp__institution_targets", target_month=D(2024, 4, 1), territory_code="T1",
             division_code="DIV01", target_value=money("999999"))  # April: outside May's windows
    lake.add("cur_crm__account_versions", account_id="A000001", account_name="City Hospital",
             account_type="HOSPITAL", bed_count=300, territory_code="T1", city="City", customer_since=D(2019, 1, 1),
             valid_from=D(1900, 1, 1), valid_to=D(9999, 12, 31))
    score(lake, "O3", 0.25, 2, week_before=(0.40, 3), positive=("product line DIV01",),
          negative=("competitor X", "amount 200,000"))
    score(lake, "O4", 0.60, 4, positive=("source FIELD",), negative=())
    return lake


def score(lake: Lake, opp: str, probability: float, value: int, week_before: Optional[tuple] = None,
          positive: tuple = (), negative: tuple = ()) -> None:
    lake.add("cur_crm__opportunity_scores", opportunity_id=opp, scored_at=datetime(2024, 5, 14, 9, 0),
             opportunity_version=2, model="creation", model_version="v1", kind="lightgbm", basis="model",
             probability=probability, score=value, positive_factors="; ".join(positive),
             negative_factors="; ".join(negative),
             week_before_scored_at=datetime(2024, 5, 6, 9, 0) if week_before else None,
             week_before_probability=week_before[0] if week_before else None,
             week_before_score=week_before[1] if week_before else None, snapshot_at=datetime(2024, 5, 16, 1, 0))


def pipeline(lake: Lake, as_of: date, window: str) -> Dict[str, dict]:
    rows = lake.mart("mart_pipeline__by_position", as_of, "daily", where=f"window_id = '{window}'")
    return {r["position_id"]: r for r in rows}


def test_sr_win_rate_cycle_and_conversion_over_the_deals_closed_month_to_date(lake):
    sr1 = pipeline(lake, AS_OF, "mtd")["SR1"]
    # closed 1-15 May: O1 won 100,000 (10 May), O2 lost 50,000 (5 May); O9 closed in April
    assert (sr1["won_count"], sr1["lost_count"]) == (1, 1)
    assert sr1["won_value"] == money("100000") and sr1["lost_value"] == money("50000")
    assert sr1["win_rate_count_pct"] == 50.0  # 1 / (1 + 1)
    assert sr1["win_rate_value_pct"] == 66.67  # 100,000 / 150,000
    assert sr1["avg_won_deal_value"] == 100000.0
    assert sr1["avg_cycle_days_won"] == 70.0  # O1: 1 Mar -> 10 May
    # O1 closed from NEGOTIATION (after a proposal), O2 from QUALIFIED (before one)
    assert sr1["closed_after_proposal_count"] == 1
    assert sr1["proposal_rate_pct"] == 50.0  # 1 of 2 closes
    assert sr1["proposal_win_rate_pct"] == 100.0  # 1 won of 1 closed after a proposal


def test_sr_open_pipeline_coverage_velocity_and_at_risk_deals(lake):
    sr1 = pipeline(lake, AS_OF, "mtd")["SR1"]
    # open on 15 May: O3 200,000 + O4 80,000 + O5 40,000 (O5's close on 20 May is not known yet)
    assert sr1["open_count"] == 3 and sr1["open_value"] == money("320000")
    # at risk: O4 (expected close 1 May has passed), O5 (44 days since its last event); O3: 14 days
    assert sr1["at_risk_count"] == 2 and sr1["at_risk_value"] == money("120000")
    # May's target 500,000 - won in May 100,000 = 400,000 remaining; 320,000 / 400,000
    assert sr1["target_value"] == money("500000") and sr1["remaining_target_value"] == money("400000")
    assert sr1["pipeline_coverage"] == 0.8
    # 3 open x 100,000 average won deal x 0.5 win rate / 70 days = 150,000 / 70 = 2,142.857...
    assert sr1["sales_velocity_value_per_day"] == 2142.86


def test_second_sr(lake):
    sr2 = pipeline(lake, AS_OF, "mtd")["SR2"]
    # O6 won 30,000 (15 May, cycle 30 days), O7 lost 60,000
    assert sr2["win_rate_count_pct"] == 50.0
    assert sr2["win_rate_value_pct"] == 33.33  # 30,000 / 90,000
    assert sr2["avg_cycle_days_won"] == 30.0
    assert sr2["open_count"] == 1 and sr2["at_risk_count"] == 0  # O8: 1 day since its last event
    assert sr2["pipeline_coverage"] == 1.43  # 100,000 / (100,000 - 30,000) = 1.4286
    assert sr2["sales_velocity_value_per_day"] == 500.0  # 1 x 30,000 x 0.5 / 30
    assert sr2["proposal_rate_pct"] == 100.0  # both closed after a proposal
    assert sr2["proposal_win_rate_pct"] == 50.0


@pytest.mark.parametrize("manager", ["ASM1", "RSM", "CMO"])
def test_managers_see_their_whole_team(lake, manager):
    row = pipeline(lake, AS_OF, "mtd")[manager]
    assert (row["won_count"], row["lost_count"]) == (2, 2)  # O1, O6 won; O2, O7 lost
    assert row["win_rate_value_pct"] == 54.17  # 130,000 / 240,000
    assert row["avg_won_deal_value"] == 65000.0  # 130,000 / 2
    assert row["avg_cycle_days_won"] == 50.0  # (70 + 30) / 2
    assert row["open_count"] == 4 and row["open_value"] == money("420000")
    assert row["at_risk_count"] == 2
    # (500,000 + 100,000) - (100,000 + 30,000) = 470,000 remaining; 420,000 / 470,000 = 0.8936
    assert row["remaining_target_value"] == money("470000") and row["pipeline_coverage"] == 0.89
    assert row["sales_velocity_value_per_day"] == 2600.0  # 4 x 65,000 x 0.5 / 50
    assert row["proposal_rate_pct"] == 75.0  # 3 of 4 closes after a proposal (not O2)
    assert row["proposal_win_rate_pct"] == 66.67  # 2 won of those 3


def test_the_day_window_counts_the_days_closes_and_the_whole_months_target(lake):
    day = pipeline(lake, AS_OF, "day")
    sr1, sr2 = day["SR1"], day["SR2"]
    assert (sr1["won_count"], sr1["lost_count"]) == (0, 0)
    assert sr1["win_rate_count_pct"] is None and sr1["sales_velocity_value_per_day"] is None
    assert sr1["open_count"] == 3 and sr1["pipeline_coverage"] == 0.8  # the open pipeline and May's target as in MTD
    assert (sr2["won_count"], sr2["win_rate_count_pct"]) == (1, 100.0)  # O6 closed on 15 May


def test_a_later_version_counts_from_its_own_date(lake):
    sr1 = pipeline(lake, D(2024, 5, 21), "mtd")["SR1"]
    # by 21 May O5 is won (20 May, 1 Apr -> 20 May = 30 + 19 = 49 days)
    assert (sr1["won_count"], sr1["lost_count"], sr1["open_count"]) == (2, 1, 2)
    assert sr1["avg_cycle_days_won"] == 59.5  # (70 + 49) / 2
    # at risk: O4 past its expected close; O3's last event (1 May) is 20 days old: not yet
    assert sr1["at_risk_count"] == 1


# -- scores: expected value against the remaining target, and the open deals listed ------------------
def test_expected_value_of_the_scored_open_deals_against_the_remaining_target(lake):
    rows = pipeline(lake, AS_OF, "mtd")
    sr1, sr2 = rows["SR1"], rows["SR2"]
    # SR1: O3 200,000 x 0.25 = 50,000 + O4 80,000 x 0.60 = 48,000 -> 98,000; O5 (40,000) not scored
    assert sr1["expected_value"] == 98000.0
    assert (sr1["scored_open_count"], sr1["unscored_open_count"], sr1["unscored_open_value"]) == (2, 1, money("40000"))
    # remaining 500,000 - 100,000 = 400,000: 98,000 / 400,000 = 24.5 %; 400,000 - 98,000 = 302,000 still to find
    assert sr1["expected_value_pct_of_remaining_target"] == 24.5 and sr1["expected_gap_value"] == 302000.0
    # SR2: O8 never scored -> no expected value at all (never a 0 that would read as "worthless")
    assert sr2["expected_value"] is None and sr2["expected_value_pct_of_remaining_target"] is None
    assert sr2["expected_gap_value"] is None
    assert (sr2["scored_open_count"], sr2["unscored_open_count"], sr2["unscored_open_value"]) == (0, 1, money("100000"))


@pytest.mark.parametrize("manager", ["ASM1", "CMO"])
def test_a_managers_expected_value_adds_up_its_teams(lake, manager):
    row = pipeline(lake, AS_OF, "mtd")[manager]
    assert row["expected_value"] == 98000.0  # O3 50,000 + O4 48,000
    assert (row["scored_open_count"], row["unscored_open_count"]) == (2, 2)  # O5 and O8 not scored
    assert row["unscored_open_value"] == money("140000")  # 40,000 + 100,000
    # remaining 470,000: 98,000 / 470,000 = 20.851 %; 470,000 - 98,000 = 372,000
    assert row["expected_value_pct_of_remaining_target"] == 20.85 and row["expected_gap_value"] == 372000.0


def open_deals(lake: Lake, position: str, as_of: date = AS_OF) -> list:
    return lake.query("SELECT * FROM mart_pipeline__open_deals WHERE as_of_date = ? AND position_id = ? "
                      "ORDER BY deal_rank", [as_of, position])


def test_an_srs_open_deals_with_score_trend_and_reasons(lake):
    deals = open_deals(lake, "SR1")
    # open on 15 May, largest first: O3 200,000, O4 80,000, O5 40,000
    assert [(d["deal_rank"], d["opportunity_id"], d["amount"]) for d in deals] == [
        (1, "O3", money("200000")), (2, "O4", money("80000")), (3, "O5", money("40000"))]
    assert {d["open_deal_count"] for d in deals} == {3}
    o3, o4, o5 = deals
    assert (o3["account_name"], o3["owner_position_id"], o3["stage"]) == ("City Hospital", "SR1", "QUALIFIED")
    assert (o3["score"], o3["probability"], o3["expected_value"]) == (2, 0.25, 50000.0)  # 200,000 x 0.25
    assert (o3["score_change"], o3["probability_change"]) == (-1, -15.0)  # 2 - 3; (0.25 - 0.40) x 100
    assert (o3["positive_factors"], o3["negative_factors"]) == ("product line DIV01", "competitor X; amount 200,000")
    assert (o4["score"], o4["expected_value"], o4["score_change"], o4["probability_change"]) == (4, 48000.0, None, None)
    assert o4["is_at_risk"] is True  # expected close 1 May has passed
    # O5 never scored: its row is there, with no score and no expected value
    assert (o5["score"], o5["probability"], o5["expected_value"], o5["scored_at"]) == (None, None, None, None)


def test_a_manager_lists_every_open_deal_of_its_subtree_and_no_one_elses(lake):
    asm = open_deals(lake, "ASM1")
    assert [(d["opportunity_id"], d["owner_position_id"]) for d in asm] == [
        ("O3", "SR1"), ("O8", "SR2"), ("O4", "SR1"), ("O5", "SR1")]  # 200,000; 100,000; 80,000; 40,000
    assert [d["opportunity_id"] for d in open_deals(lake, "SR2")] == ["O8"]  # not SR1's deals


def test_the_open_deals_list_stops_at_50_and_counts_the_rest():
    lake = Lake(holidays=HOLIDAYS)
    lake.position("CMO", "CMO", None).position("SR1", "SR", "CMO", territory="T1").territory("T1")
    lake.holds("E1", "SR1", D(2020, 1, 1))
    for i in range(1, 53):  # 52 open deals of 1,001 ... 1,052
        version(lake, f"O{i:02d}", 1, D(2024, 5, 1), "T1", str(1000 + i), D(2024, 5, 1), D(2024, 8, 1), "PROSPECT")
    deals = open_deals(lake, "SR1")
    assert len(deals) == 50 and {d["open_deal_count"] for d in deals} == {52}
    assert (deals[0]["opportunity_id"], deals[-1]["opportunity_id"]) == ("O52", "O03")  # 1,052 down to 1,003
