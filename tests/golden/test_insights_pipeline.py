"""The build-insights step end to end on a hand-built lake: a planted spike, trough, stuffing episode
and churning stockist are found by the job (saleslens.insights.job over the real views), written as
the insight tables, cut by the insight marts to the positions that own them, and reach those
positions' reports only; a flat territory raises nothing.

The org (DIV01): CMO -> NH -> ZSM -> RSM -> ASM -> SR1 (territory T1), SR2 (T2), SR3 (T3).
Stockists: S1 in T1, S2 and S5 in T2, S3 and S4 in T3. One SKU X1 (brand B1, price 1,000.00).
The run: daily, 10 June 2024. X1's standard cost is 400.00 a unit; on the 1 June receivables
snapshot S1 owes 1,00,000.00 in the 0-30 bucket (15 days of credit, the bucket's middle day).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, List

import pandas as pd
import pyarrow as pa
import pytest

from saleslens.config import InsightsConfig, load_config
from saleslens.contracts import DATASETS
from saleslens.contracts.validation import clean_schema
from saleslens.curate.facts import FACTS, curate_date
from saleslens.insights import job
from saleslens.offline.duck_athena import transpile
from saleslens.reports.headline import headline
from saleslens.reports.model import RunData, build_report
from saleslens.reports.render import render
from tests.golden.lake import D, Lake

RUN = D(2024, 6, 10)
BASELINE_UNITS = {D(2023, 12, 10): 100, D(2024, 1, 10): 110, D(2024, 2, 10): 90, D(2024, 3, 10): 100,
                  D(2024, 4, 10): 105, D(2024, 5, 10): 95}
INSIGHT_MARTS = {"findings": "mart_insights__findings_by_position", "churn": "mart_insights__churn_by_position",
                 "profitability": "mart_insights__profitability_by_position"}


def _statement(stockist: str, month: date, opening: int, received: int, closing: int, submitted: date) -> Dict[str, Any]:
    return {"stockist_code": stockist, "sku": "X1", "statement_month": month, "opening_qty": opening,
            "received_qty": received, "returned_qty": 0, "closing_qty": closing,
            "secondary_qty": opening + received - closing, "submitted_on": submitted}


def world() -> Lake:
    """Daily net primary on the 10th (units x 1,000.00), the same for T1, T2 and T3 on the 10th of
    December to May: 100, 110, 90, 100, 105, 95 units (10 December and 10 March were Sundays, so
    four of them are comparable); on 10 June T1 sells 300 (the spike), T2 20 (the trough), T3 102
    (flat).

    S4 (T3) buys on the 20th: 100 units in May 2023, 100 in April 2024, 400 in May 2024, and its
    statements say secondary 100, 100, 105 units with closing 100, 100, 400 (the stuffing episode).
    S5 (T2) bought on the 5th of December to March, then stopped (the churning stockist).
    June (the profitability window, month to date): S2's invoice has 10 free units, and S2 got a
    scheme credit note of 30,000.00 on 5 June.
    """
    lake = Lake()
    lake.position("CMO", "CMO", None).position("NH", "NH", "CMO").position("ZSM", "ZSM", "NH")
    lake.position("RSM", "RSM", "ZSM").position("ASM", "ASM", "RSM")
    for sr, t in (("SR1", "T1"), ("SR2", "T2"), ("SR3", "T3")):
        lake.territory(t).position(sr, "SR", "ASM", territory=t)
    for s, t in (("S1", "T1"), ("S2", "T2"), ("S3", "T3"), ("S4", "T3"), ("S5", "T2")):
        lake.stockist(s, t)
    lake.sku("X1", "B1", price="1000.00", cost="400.00")
    lake.receivable(D(2024, 6, 1), "S1", "0-30", "100000.00")
    for day, units in BASELINE_UNITS.items():
        for s in ("S1", "S2", "S3"):
            lake.invoice(day, s, "X1", units, "1000.00")
    lake.invoice(RUN, "S1", "X1", 300, "1000.00").invoice(RUN, "S2", "X1", 20, "1000.00", free=10)
    lake.invoice(RUN, "S3", "X1", 102, "1000.00")
    lake.credit(D(2024, 6, 5), "S2", "X1", "30000.00", reason="SCHEME")
    for day, units in ((D(2023, 5, 20), 100), (D(2024, 4, 20), 100), (D(2024, 5, 20), 400)):
        lake.invoice(day, "S4", "X1", units, "1000.00")
    for day in (D(2023, 12, 5), D(2024, 1, 5), D(2024, 2, 5), D(2024, 3, 5)):
        lake.invoice(day, "S5", "X1", 10, "1000.00")
    rows = [_statement("S4", D(2023, 5, 1), 100, 100, 100, D(2023, 6, 5)),
            _statement("S4", D(2024, 4, 1), 100, 100, 100, D(2024, 5, 5)),
            _statement("S4", D(2024, 5, 1), 100, 405, 400, D(2024, 6, 5))]
    schema = clean_schema(DATASETS["stk_statements"])
    clean = pa.Table.from_pylist([{**r, "dt": r["submitted_on"].isoformat()} for r in rows],
                                 schema=schema.append(pa.field("dt", pa.string())))
    curated, _ = curate_date(FACTS["cur_stk__statements"], {"stk_statements": [clean]})
    for r in curated.to_pylist():
        lake.add("cur_stk__statements", **r)
    return lake


def query(lake: Lake):  # type: ignore[no-untyped-def]
    con = lake.connect()

    def run(sql: str) -> pd.DataFrame:
        frame = None
        for statement in transpile(sql):
            frame = con.sql(statement).df()
        assert frame is not None
        return frame

    return run


@pytest.fixture(scope="module")
def built() -> Dict[str, Any]:
    lake = world()
    tables = job.build(query(lake), RUN, "daily", InsightsConfig(), profit_sources=True)
    for name, frame in ((job.FINDINGS, tables.findings), (job.CHURN, tables.churn),
                        (job.PROFITABILITY, tables.profitability)):
        lake.add_partition(name, RUN.isoformat(), job.as_arrow(name, frame, "daily").to_pylist())
    lake._con = None  # reload with the insight tables
    marts = {k: [{c: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for c, v in r.items()}
                 for r in lake.mart(v, RUN, "daily")] for k, v in INSIGHT_MARTS.items()}
    return {"tables": tables, "marts": marts}


def test_the_planted_spike_trough_and_stuffing_are_found_and_the_flat_territory_is_not(built):
    f = built["tables"].findings
    got = sorted(zip(f["kind"], f["territory_code"], f["stockist_code"].fillna("")))
    assert got == [("spike", "T1", ""), ("stuffing", "T3", "S4"), ("trough", "T2", "")]
    spike = f[f["kind"] == "spike"].iloc[0]
    # 10 December 2023 and 10 March 2024 were Sundays, India's weekly off: not comparable, whatever
    # was invoiced on them. Baseline 110, 90, 105, 95 thousand (January, February, April, May):
    # median (95 + 105) / 2 = 1,00,000; absolute deviations 10, 10, 5, 5 thousand -> MAD 7,500;
    # 3,00,000 - 1,00,000 = +2,00,000 (+200 %); z = 2,00,000 / (1.4826 x 7,500) = 2,00,000 / 11,119.5 = 17.99.
    assert (spike["value"], spike["baseline_median"], spike["change_value"]) == (300000.0, 100000.0, 200000.0)
    assert spike["robust_z"] == pytest.approx(17.99, abs=0.01)
    assert "(4 periods)" in spike["finding_text"]
    assert spike["contributors"] == "brand B1 +200000.00; stockist S1 +200000.00; SKU X1 +200000.00"
    trough = f[f["kind"] == "trough"].iloc[0]
    # 20,000 - 1,00,000 = -80,000 (-80 %); z = -80,000 / 11,119.5 = -7.19.
    assert (trough["change_value"], trough["change_pct"]) == (-80000.0, -80.0)
    assert trough["robust_z"] == pytest.approx(-7.19, abs=0.01)
    episode = f[f["kind"] == "stuffing"].iloc[0]
    # S4's May 2024 primary 4,00,000 against 1,00,000 in May 2023: +3,00,000 (one comparable month:
    # no spread, the minimum changes decide); secondary 105 units x 1,000 = 1,05,000 against
    # 1,00,000 (+5 %, within 10 %); stock days 100 / (100 / 30) = 30.0 in April, 400 / (105 / 30) =
    # 114.3 in May.
    assert (episode["value"], episode["change_value"], episode["impact_value"]) == (400000.0, 300000.0, 300000.0)
    assert "closing stock days rose from 30.0 to 114.3" in episode["finding_text"]
    # Impact order: stuffing 3,00,000, spike 2,00,000, trough 80,000.
    assert list(f["kind"]) == ["stuffing", "spike", "trough"]


def test_churn_flags_the_stockist_that_stopped_ordering(built):
    c = built["tables"].churn
    at_risk = c[c["at_risk"]]
    # S5: orders 5 Dec, 5 Jan, 5 Feb, 5 Mar -> gaps 31, 31, 29 days, median 31; 97 days from 5 March
    # to 10 June, 97 / 31 = 3.1 x the median (above 2 x). No sales last year: no drop factor.
    assert list(at_risk["stockist_code"]) == ["S5"]
    s5 = at_risk.iloc[0]
    assert (s5["days_since_last_order"], s5["median_order_gap_days"], s5["gap_flag"], s5["drop_flag"]) == \
        (97, 31.0, True, False)
    # An even number of gaps takes the mean of the middle two (Athena has no exact median): S4 ordered
    # 20 May 2023, 20 April 2024, 20 May 2024 -> gaps 336 (a leap year) and 30 days, median 183;
    # 21 days since its last order is below 2 x 183.
    s4 = c.set_index("stockist_code").loc["S4"]
    assert (s4["orders"], s4["median_order_gap_days"], s4["days_since_last_order"], s4["at_risk"]) == (3, 183.0, 21, False)


def test_profitability_ranks_the_stockist_whose_credit_notes_eat_its_sales_last(built):
    p = built["tables"].profitability.set_index("stockist_code")
    # S2: net 20,000 - scheme 30,000 - 10 free units x 400 - 1 invoice line x 50 = -14,050.
    # S1: 3,00,000 - 50 - 15 days x 1,00,000 x 0.12 / 365 (493.15) = 2,99,456.85.
    # S3: 1,02,000 - 50 = 1,01,950.
    assert p.loc["S2", "contribution_value"] == pytest.approx(-14050.0)
    assert p.loc["S1", "contribution_value"] == pytest.approx(299456.85, abs=0.005)
    assert p.loc["S3", "contribution_value"] == pytest.approx(101950.0)
    assert list(p.sort_values("profit_rank").index) == ["S2", "S3", "S1"]


def _keys(rows: List[Dict[str, str]], position: str, *cols: str) -> List[tuple]:
    return sorted(tuple(r[c] for c in cols) for r in rows if r["position_id"] == position)


def test_marts_cut_each_insight_to_the_subtree_that_owns_it(built):
    m = built["marts"]
    assert _keys(m["findings"], "SR1", "kind", "territory_code") == [("spike", "T1")]
    assert _keys(m["findings"], "SR2", "kind", "territory_code") == [("trough", "T2")]
    assert _keys(m["findings"], "SR3", "kind", "stockist_code") == [("stuffing", "S4")]
    assert len(_keys(m["findings"], "ASM", "kind")) == 3 and len(_keys(m["findings"], "CMO", "kind")) == 3
    assert _keys(m["churn"], "SR2", "stockist_code") == [("S5",)]
    assert _keys(m["churn"], "SR1", "stockist_code") == [] and _keys(m["churn"], "SR3", "stockist_code") == []
    assert _keys(m["profitability"], "SR1", "stockist_code", "position_rank") == [("S1", "1")]
    assert _keys(m["profitability"], "ASM", "position_rank", "stockist_code") == [("1", "S2"), ("2", "S3"), ("3", "S1")]


def _person(position: str, role: str, parent: str) -> Dict[str, str]:
    return {"employee_id": f"E{position}", "employee_name": f"Holder {position}", "email": f"{position}@x.example.com",
            "position_id": position, "role": role, "position_name": position, "parent_position_id": parent}


def _html(built: Dict[str, Any], person: Dict[str, str]) -> str:
    data = RunData(built["marts"], scorecard=load_config().scorecard)
    return render(build_report(person, data, run_date=RUN.isoformat(), cadence="daily"))


def test_each_finding_reaches_the_report_of_the_position_that_owns_it_and_no_other(built):
    sr1, sr2, sr3 = (_html(built, _person(p, "SR", "ASM")) for p in ("SR1", "SR2", "SR3"))
    assert 'data-kind="spike" data-territory="T1"' in sr1 and 'data-kind="spike"' not in sr2 + sr3
    assert 'data-kind="trough" data-territory="T2"' in sr2 and 'data-kind="trough"' not in sr1 + sr3
    assert 'data-stockist="S4"' in sr3 and 'data-kind="stuffing"' not in sr1 + sr2
    assert "Net primary of territory T1, division DIV01 on 2024-06-10 was ₹3.00 lakh" in sr1
    # the churning stockist and the profitability ranking: the owner's only
    assert "no order for 97 days since 2024-03-05" in sr2 and "no order for" not in sr1 + sr3
    assert '<tr data-stockist="S2"><td class="num">1</td>' in sr2 and 'data-stockist="S2"' not in sr1 + sr3
    # the scorecard is for the CMO, BUH and NH only
    assert "11. Scorecard" not in sr1 and "11. Scorecard" in _html(built, _person("CMO", "CMO", ""))


def test_the_headline_ranks_the_insights_by_rupees_at_stake(built):
    # The ASM's month to date with no last year and no target: no sales rule applies, so the
    # insights decide. The stuffing episode (3,00,000 moved from its median) ranks above S2's loss
    # (14,050) and S5's churn (its last order, 5 March, is before the trailing window's 11 March, and
    # it sold nothing last year: 0 at stake).
    primary = {"window_id": "mtd", "window_order": "1", "start_date": "2024-06-01", "end_date": "2024-06-10",
               "ly_start_date": "2023-06-01", "ly_end_date": "2023-06-10", "position_id": "ASM", "role": "ASM",
               "net_value": "422000.00", "net_value_ly": ""}
    asm = build_report(_person("ASM", "ASM", "RSM"), RunData({**built["marts"], "primary": [primary]}),
                       run_date=RUN.isoformat(), cadence="daily")
    points = headline(asm)
    assert [p.rule for p in points] == ["largest_finding", "loss_making_stockist", "stockist_at_risk"]
    assert points[0].text.startswith("Stuffing: Possible channel stuffing at stockist S4, division DIV01 in 2024-05")
    assert points[1].text.startswith("Serving stockist \u2068S2\u2069 cost ₹14,050 more than it left")
