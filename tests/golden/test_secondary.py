"""Golden tests of the secondary-sales marts (KPI catalogue 1 and 6): mart_sales__secondary_by_stockist
and mart_sales__secondary_by_position, on hand-written stockist statements curated by the curate
library (so the stock identity is the pipeline's own), with every expected figure worked out by hand.

The org: ASM1 (DIV01) -> SR1 (T1, DIV01), SR3 (T2, DIV01); ASM2 (DIV02) -> SR2 (T1, DIV02): two
divisions work territory T1. Stockists S1, S2 in T1, S3 in T2. SKUs: X1 (brand B1, DIV01, price
12.50), Y1 (brand B2, DIV02, price 20.00).
"""
from __future__ import annotations

from typing import Any, Dict, List

import pyarrow as pa

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import clean_schema
from saleslens.curate.facts import FACTS, curate_date
from tests.golden.lake import D, Lake, money

MAY = D(2024, 5, 1)
BY_STOCKIST = "mart_sales__secondary_by_stockist"
BY_POSITION = "mart_sales__secondary_by_position"


def june(day: int) -> Any:
    return D(2024, 6, day)


AS_OF = june(10)  # the day the marts are read on unless a test says otherwise


def statements(lake: Lake, rows: List[Dict[str, Any]]) -> Lake:
    """Curate hand-written stk_statements rows with the curate library, then load them."""
    schema = clean_schema(DATASETS["stk_statements"])
    clean = pa.Table.from_pylist([{**r, "dt": r["submitted_on"].isoformat()} for r in rows],
                                 schema=schema.append(pa.field("dt", pa.string())))
    curated, _ = curate_date(FACTS["cur_stk__statements"], {"stk_statements": [clean]})
    for r in curated.to_pylist():
        lake.add("cur_stk__statements", **r)
    return lake


def stmt(stockist: str, sku: str, opening: int, received: int, returned: int, closing: int, reported: int,
         submitted: Any, month: Any = MAY) -> Dict[str, Any]:
    return {"stockist_code": stockist, "sku": sku, "statement_month": month, "opening_qty": opening,
            "received_qty": received, "returned_qty": returned, "closing_qty": closing, "secondary_qty": reported,
            "submitted_on": submitted}


def world(lake: Lake) -> Lake:
    """May 2024 statements (secondary by the stock identity = opening + received - returned - closing):

        stockist sku  open recv ret close  identity  reported  submitted
        S1       X1   100   50   10   60      80        75      5 June
        S1       Y1    40   20    0   30      30        30      5 June
        S2       X1    10   30    0   10      30        30     12 June
        S3       X1     0   60    0   20      40        40      3 June
    """
    lake.position("CMO", "CMO", None).position("NH", "NH", "CMO").position("ZSM", "ZSM", "NH")
    lake.position("RSM", "RSM", "ZSM").position("ASM1", "ASM", "RSM").position("ASM2", "ASM", "RSM", division="DIV02")
    lake.position("SR1", "SR", "ASM1", territory="T1").position("SR3", "SR", "ASM1", territory="T2")
    lake.position("SR2", "SR", "ASM2", territory="T1", division="DIV02")
    lake.territory("T1").territory("T2")
    for employee, position in (("E1", "SR1"), ("E2", "SR2"), ("E3", "SR3"), ("M1", "ASM1"), ("M2", "ASM2")):
        lake.holds(employee, position, D(2024, 1, 1))
    lake.stockist("S1", "T1").stockist("S2", "T1").stockist("S3", "T2")
    lake.sku("X1", "B1", "DIV01", "12.50").sku("Y1", "B2", "DIV02", "20.00")
    return statements(lake, [
        stmt("S1", "X1", 100, 50, 10, 60, 75, june(5)),
        stmt("S1", "Y1", 40, 20, 0, 30, 30, june(5)),
        stmt("S2", "X1", 10, 30, 0, 10, 30, june(12)),
        stmt("S3", "X1", 0, 60, 0, 20, 40, june(3)),
    ])


def by_stockist(lake: Lake, position: str, as_of: Any = AS_OF, cadence: str = "daily") -> Dict[str, Dict[str, Any]]:
    return {r["stockist_code"]: r for r in lake.mart(BY_STOCKIST, as_of, cadence, where=f"position_id = '{position}'")}


def by_position(lake: Lake, position: str, as_of: Any = AS_OF, cadence: str = "daily") -> Dict[str, Any]:
    rows = lake.mart(BY_POSITION, as_of, cadence, where=f"position_id = '{position}'")
    assert len(rows) == 1, rows
    return rows[0]


def test_secondary_units_follow_the_stock_identity_valued_at_the_price_to_stockist():
    s1 = by_stockist(world(Lake()), "SR1")["S1"]
    assert s1["secondary_units"] == 80  # 100 + 50 - 10 - 60 (the stockist reported 75)
    assert s1["secondary_value"] == money("1000.00")  # 80 x 12.50
    assert s1["closing_units"] == 60
    assert s1["closing_value"] == money("750.00")  # 60 x 12.50


def test_closing_stock_days_is_closing_over_thirty_days_of_secondary():
    s1 = by_stockist(world(Lake()), "SR1")["S1"]
    # 60 closing / (80 secondary units of the last 30 days / 30) = 60 / 2.667 = 22.5 days
    # (the May statement stands for the last 30 days, although May has 31)
    assert s1["closing_stock_days"] == 22.5


def test_a_statement_submitted_after_the_report_date_does_not_count_yet():
    lake = world(Lake())
    s2 = by_stockist(lake, "SR1")["S2"]  # S2 uploads on 12 June; the report is of 10 June
    assert s2["statement_received"] is False
    assert (s2["secondary_units"], s2["secondary_value"], s2["closing_stock_days"]) == (None, None, None)
    assert by_stockist(lake, "SR1", as_of=june(12))["S2"]["secondary_units"] == 30  # 10 + 30 - 0 - 10


def test_statement_coverage_is_the_share_of_stockists_whose_statement_has_arrived():
    lake = world(Lake())
    on_10 = by_position(lake, "SR1")
    assert (on_10["stockists"], on_10["stockists_reported"]) == (2, 1)  # S1 (5 June) of S1, S2
    assert on_10["statement_coverage_pct"] == 50.0  # 1 / 2
    assert on_10["secondary_units"] == 80  # S1 only
    on_12 = by_position(lake, "SR1", as_of=june(12))
    assert on_12["statement_coverage_pct"] == 100.0  # 2 / 2
    assert on_12["secondary_units"] == 110  # 80 + 30
    assert on_12["secondary_value"] == money("1375.00")  # 110 x 12.50


def test_daily_fortnightly_and_monthly_reports_show_the_last_closed_month():
    lake = world(Lake())
    statements(lake, [stmt("S1", "X1", 60, 40, 0, 50, 50, june(30), month=june(1))])  # June, uploaded 30 June
    for as_of, cadence in ((june(14), "daily"), (june(20), "fortnightly"), (june(30), "monthly")):
        r = by_position(lake, "SR1", as_of=as_of, cadence=cadence)
        assert r["statement_month"] == MAY, cadence  # June closes only on the 30th; its statements come later
        assert r["secondary_units"] == 110, cadence  # May: S1 80 + S2 30
    july = by_position(lake, "SR1", as_of=D(2024, 7, 1), cadence="daily")
    assert july["statement_month"] == june(1)
    assert july["secondary_units"] == 50  # June: 60 + 40 - 0 - 50 (S2's June statement has not arrived)


def test_two_divisions_in_one_territory_each_see_their_own_skus():
    lake = world(Lake())
    sr1, sr2 = by_stockist(lake, "SR1")["S1"], by_stockist(lake, "SR2")["S1"]
    assert (sr1["secondary_units"], sr1["secondary_value"]) == (80, money("1000.00"))  # X1 (DIV01): 80 x 12.50
    assert (sr2["secondary_units"], sr2["secondary_value"]) == (30, money("600.00"))  # Y1 (DIV02): 30 x 20.00
    assert sr2["closing_stock_days"] == 30.0  # 30 / (30 / 30)
    assert by_position(lake, "RSM")["secondary_units"] == 150  # SR1 80 + SR2 30 + SR3 40 (S2 not yet in)


def test_a_manager_adds_up_the_stockists_of_its_srs():
    lake = world(Lake())
    asm = by_position(lake, "ASM1")
    assert (asm["stockists"], asm["stockists_reported"]) == (3, 2)  # S1, S2 (SR1) and S3 (SR3); S2 not in
    assert asm["statement_coverage_pct"] == 66.67  # 2 / 3
    assert asm["secondary_units"] == 120  # S1 80 + S3 40
    assert asm["secondary_value"] == money("1500.00")  # 120 x 12.50
    assert asm["closing_units"] == 80  # S1 60 + S3 20
    assert asm["closing_stock_days"] == 20.0  # 80 / (120 / 30)
    assert set(by_stockist(lake, "ASM1")) == {"S1", "S2", "S3"}
