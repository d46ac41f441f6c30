"""Golden tests of primary sales (KPI catalogue 1, 3 and 6): mart_sales__primary_by_position,
mart_sales__primary_by_brand and mart_sales__primary_by_stockist, through the real views.

The org of most tests: CMO > BUH > NH > ZSM > RSM > ASM1 > SR1 (territory T1), SR2 (T2), all in
India and division DIV01. Stockists S1 and S2 buy in T1, S3 in T2. SKUs K1 (brand B1) and K2
(brand B2) at 100.00 a unit. May 2024: Sundays 5, 12, 19, 26.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Dict, List, Tuple

import pandas as pd

from saleslens.curate.hierarchy import position_versions
from tests.golden.lake import D, Lake

M = Decimal
MANAGERS = ("CMO", "BUH", "NH", "ZSM", "RSM")


def top(lake: Lake) -> Lake:
    """CMO > BUH > NH > ZSM > RSM."""
    parent = None
    for role in MANAGERS:
        lake.position(role, role, parent)
        parent = role
    return lake


def org(vacant_sr2: bool = False) -> Lake:
    lake = top(Lake())
    lake.position("ASM1", "ASM", "RSM")
    lake.position("SR1", "SR", "ASM1", territory="T1")
    lake.position("SR2", "SR", "ASM1", territory="T2")
    lake.territory("T1").territory("T2")
    lake.stockist("S1", "T1").stockist("S2", "T1").stockist("S3", "T2")
    lake.sku("K1", "B1", price="100.00").sku("K2", "B2", price="100.00")
    lake.holds("E1", "SR1", D(2020, 1, 1))
    if not vacant_sr2:
        lake.holds("E2", "SR2", D(2020, 1, 1))
    return lake


def by_position(lake: Lake, as_of: date, cadence: str, window: str) -> Dict[str, dict]:
    rows = lake.mart("mart_sales__primary_by_position", as_of, cadence, where=f"window_id = '{window}'")
    return {r["position_id"]: r for r in rows}


def by_brand(lake: Lake, as_of: date, cadence: str, window: str) -> Dict[Tuple[str, str], dict]:
    rows = lake.mart("mart_sales__primary_by_brand", as_of, cadence, where=f"window_id = '{window}'")
    return {(r["position_id"], r["brand_code"]): r for r in rows}


def by_stockist(lake: Lake, as_of: date, cadence: str, window: str) -> Dict[Tuple[str, str], dict]:
    rows = lake.mart("mart_sales__primary_by_stockist", as_of, cadence, where=f"window_id = '{window}'")
    return {(r["position_id"], r["stockist_code"]): r for r in rows}


# -- net = gross - returns - credit notes -------------------------------------------------------
def test_net_is_gross_less_returns_less_credit_notes():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00", discount="20.00")  # 10 x 100.00 - 20.00 = 980.00
    lake.credit(D(2024, 5, 10), "S1", "K1", "100.00", kind="SALES_RETURN", reason="EXPIRY", units=1)
    lake.credit(D(2024, 5, 20), "S1", "K1", "30.00")  # rate difference
    sr1 = by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]
    assert sr1["gross_value"] == M("980.00")
    assert sr1["return_value"] == M("100.00")
    assert sr1["credit_value"] == M("30.00")
    assert sr1["net_value"] == M("850.00")  # 980.00 - 100.00 - 30.00
    assert sr1["return_units"] == 1
    assert sr1["invoice_lines"] == 1


def test_credit_note_of_the_next_month_lands_in_the_next_month_not_the_invoice_month():
    lake = org()
    lake.invoice(D(2024, 5, 20), "S1", "K1", 10, "100.00")  # 1,000.00 in May
    lake.credit(D(2024, 6, 3), "S1", "K1", "50.00")  # credit note dated 3 June
    may = by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]
    assert (may["net_value"], may["credit_value"]) == (M("1000.00"), M("0.00"))  # the invoice is not reversed
    june = by_position(lake, D(2024, 6, 30), "monthly", "month")["SR1"]
    assert (june["gross_value"], june["credit_value"], june["net_value"]) == (M("0.00"), M("50.00"), M("-50.00"))
    qtd = by_position(lake, D(2024, 6, 30), "monthly", "qtd")["SR1"]
    assert qtd["net_value"] == M("950.00")  # April-June: 1,000.00 - 50.00


def test_return_on_a_day_without_invoice_counts_on_its_own_day():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 5, "100.00")  # 500.00
    lake.credit(D(2024, 5, 12), "S1", "K1", "120.00", kind="SALES_RETURN", reason="BREAKAGE", units=12)  # a Sunday
    day = by_position(lake, D(2024, 5, 12), "daily", "day")["SR1"]
    assert (day["gross_value"], day["return_value"], day["net_value"]) == (M("0.00"), M("120.00"), M("-120.00"))
    assert (day["return_units"], day["invoice_lines"]) == (12, 0)
    assert day["returns_ratio_pct"] is None  # no gross that day: no ratio
    mtd = by_position(lake, D(2024, 5, 12), "daily", "mtd")["SR1"]
    assert mtd["net_value"] == M("380.00")  # 500.00 - 120.00


def test_free_units_carry_no_value_and_scheme_pct_is_free_over_billed():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 50, "40.00", free=5)  # 50 x 40.00 = 2,000.00; 5 free
    lake.invoice(D(2024, 5, 7), "S1", "K1", 30, "40.00")  # 30 x 40.00 = 1,200.00
    sr1 = by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]
    assert sr1["gross_value"] == M("3200.00")  # 2,000.00 + 1,200.00; the 5 free units add nothing
    assert (sr1["billed_units"], sr1["free_units"]) == (80, 5)  # 50 + 30 billed, apart from free
    assert sr1["scheme_pct"] == 6.25  # 5 / 80 x 100


def test_returns_ratio_counts_returned_goods_not_value_credit_notes():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 20, "100.00")  # 2,000.00
    lake.credit(D(2024, 5, 8), "S1", "K1", "100.00", kind="SALES_RETURN", reason="EXPIRY", units=1)
    lake.credit(D(2024, 5, 9), "S1", "K1", "300.00", reason="SCHEME")  # value-only: not a return
    sr1 = by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]
    assert sr1["returns_ratio_pct"] == 5.0  # 100.00 / 2,000.00 x 100 (the 300.00 scheme credit left out)
    assert sr1["net_value"] == M("1600.00")  # 2,000.00 - 100.00 - 300.00


# -- growth ---------------------------------------------------------------------------------------
def test_growth_compares_with_the_same_dates_last_year():
    lake = org()
    lake.invoice(D(2024, 5, 10), "S1", "K1", 11, "100.00")  # this year, 1-15 May: 1,100.00
    lake.invoice(D(2023, 5, 15), "S1", "K1", 10, "100.00")  # last year, 1-15 May: 1,000.00
    lake.invoice(D(2023, 5, 16), "S1", "K1", 50, "100.00")  # 16 May 2023: after the window, left out
    mtd = by_position(lake, D(2024, 5, 15), "daily", "mtd")["SR1"]
    assert mtd["net_value_ly"] == M("1000.00")
    assert mtd["growth_pct"] == 10.0  # (1,100.00 - 1,000.00) / 1,000.00 x 100


def test_growth_is_null_without_last_year_sales():
    lake = org()
    lake.invoice(D(2024, 5, 10), "S1", "K1", 10, "100.00")  # 1,000.00, nothing a year earlier
    rows = by_position(lake, D(2024, 5, 31), "monthly", "month")
    assert rows["SR1"]["net_value_ly"] is None
    assert rows["SR1"]["growth_pct"] is None  # not 0, not infinite
    assert rows["SR2"]["growth_pct"] is None  # nothing either year


def test_growth_is_minus_100_when_last_year_sold_and_this_year_did_not():
    lake = org()
    lake.invoice(D(2023, 5, 10), "S3", "K1", 4, "100.00")  # T2, May 2023: 400.00
    sr2 = by_position(lake, D(2024, 5, 31), "monthly", "month")["SR2"]
    assert (sr2["net_value"], sr2["net_value_ly"]) == (M("0.00"), M("400.00"))
    assert sr2["growth_pct"] == -100.0  # (0 - 400.00) / 400.00 x 100


# -- the tree -------------------------------------------------------------------------------------
def test_two_divisions_in_one_territory_each_sr_gets_its_division_and_managers_count_once():
    lake = top(Lake())
    lake.position("ASM1", "ASM", "RSM").position("ASM2", "ASM", "RSM", division="DIV02")
    lake.position("SR1", "SR", "ASM1", territory="T1")  # DIV01 in T1
    lake.position("SR3", "SR", "ASM2", territory="T1", division="DIV02")  # DIV02 in T1 too
    lake.territory("T1").stockist("S1", "T1")
    lake.sku("K1", "B1").sku("K9", "B9", division="DIV02")
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00")  # DIV01: 1,000.00
    lake.invoice(D(2024, 5, 6), "S1", "K9", 3, "100.00")  # DIV02: 300.00, same stockist and day
    rows = by_position(lake, D(2024, 5, 31), "monthly", "month")
    assert rows["SR1"]["net_value"] == M("1000.00")  # its division's SKUs only
    assert rows["SR3"]["net_value"] == M("300.00")
    assert rows["ASM1"]["net_value"] == M("1000.00")
    assert rows["ASM2"]["net_value"] == M("300.00")
    assert rows["RSM"]["net_value"] == M("1300.00")  # 1,000.00 + 300.00, each sale once
    assert rows["CMO"]["net_value"] == M("1300.00")


def test_manager_total_is_the_sum_of_its_sr_positions_held_or_vacant():
    lake = org(vacant_sr2=True)
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00")  # SR1 (held): 1,000.00
    lake.invoice(D(2024, 5, 7), "S3", "K1", 2, "125.00")  # SR2 (vacant): 2 x 125.00 = 250.00
    rows = by_position(lake, D(2024, 5, 31), "monthly", "month")
    assert rows["SR2"]["net_value"] == M("250.00")  # a vacant territory keeps its sales
    assert rows["ASM1"]["net_value"] == M("1250.00")  # 1,000.00 + 250.00
    assert rows["RSM"]["net_value"] == M("1250.00")


def test_every_position_has_a_row_in_every_window_with_zeros_where_nothing_sold():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00")  # only SR1 sells
    for cadence, n_windows in (("daily", 2), ("fortnightly", 2), ("monthly", 3)):
        rows = lake.mart("mart_sales__primary_by_position", D(2024, 5, 31), cadence)
        assert len(rows) == 8 * n_windows  # 8 positions: CMO, BUH, NH, ZSM, RSM, ASM1, SR1, SR2
    sr2 = by_position(lake, D(2024, 5, 31), "monthly", "month")["SR2"]
    assert (sr2["gross_value"], sr2["net_value"]) == (M("0.00"), M("0.00"))
    assert (sr2["billed_units"], sr2["free_units"]) == (0, 0)
    assert (sr2["invoice_lines"], sr2["returns_ratio_pct"], sr2["scheme_pct"]) == (0, None, None)


# -- cadence windows ------------------------------------------------------------------------------
def cadence_lake() -> Lake:
    lake = org()
    # One invoice per date, amounts in distinct decimal places so every window's sum is unique.
    for day, units in ((D(2024, 3, 28), 100), (D(2024, 5, 6), 10), (D(2024, 5, 17), 1), (D(2024, 5, 20), 2),
                       (D(2024, 7, 10), 3), (D(2024, 8, 10), 4), (D(2024, 9, 2), 5)):
        lake.invoice(day, "S1", "K1", units, "100.00")
    return lake


def test_daily_report_sums_the_day_and_month_to_date():
    lake = cadence_lake()
    assert by_position(lake, D(2024, 5, 20), "daily", "day")["SR1"]["net_value"] == M("200.00")  # 20 May: 2 x 100.00
    # 6, 17, 20 May: 1,000.00 + 100.00 + 200.00
    assert by_position(lake, D(2024, 5, 20), "daily", "mtd")["SR1"]["net_value"] == M("1300.00")


def test_fortnightly_report_sums_the_fortnight_and_month_to_date():
    lake = cadence_lake()
    # 16-20 May: 17 May 100.00 + 20 May 200.00
    assert by_position(lake, D(2024, 5, 20), "fortnightly", "fortnight")["SR1"]["net_value"] == M("300.00")
    assert by_position(lake, D(2024, 5, 20), "fortnightly", "mtd")["SR1"]["net_value"] == M("1300.00")
    # 1-15 May: 6 May 1,000.00 only
    assert by_position(lake, D(2024, 5, 15), "fortnightly", "fortnight")["SR1"]["net_value"] == M("1000.00")


def test_monthly_report_sums_the_closed_month_quarter_and_fiscal_year_to_date():
    lake = cadence_lake()
    as_of = D(2024, 8, 31)
    assert by_position(lake, as_of, "monthly", "month")["SR1"]["net_value"] == M("400.00")  # 10 Aug
    assert by_position(lake, as_of, "monthly", "qtd")["SR1"]["net_value"] == M("700.00")  # Jul-Aug: 300.00 + 400.00
    # Apr-Aug: May 1,300.00 + Jul 300.00 + Aug 400.00 (28 March 2024 belongs to the previous fiscal year)
    assert by_position(lake, as_of, "monthly", "ytd")["SR1"]["net_value"] == M("2000.00")


def test_monthly_report_of_march_counts_the_whole_fiscal_year_before_april():
    lake = cadence_lake()
    lake.invoice(D(2023, 4, 3), "S1", "K1", 7, "100.00")  # first days of FY 2023-24: 700.00
    ytd = by_position(lake, D(2024, 3, 31), "monthly", "ytd")["SR1"]
    assert ytd["net_value"] == M("10700.00")  # 3 Apr 2023 700.00 + 28 Mar 2024 10,000.00
    ytd_april = by_position(lake, D(2024, 4, 30), "monthly", "ytd")["SR1"]
    assert ytd_april["net_value"] == M("0.00")  # a new fiscal year: nothing sold in April 2024


# -- by brand ---------------------------------------------------------------------------------------
def test_brand_achievement_is_net_over_the_target_prorated_to_month_to_date():
    lake = org()
    # May 2024 in India (no holiday in May in this calendar): 31 days - 4 Sundays = 27 working days;
    # 1-15 May: 15 days - Sundays 5 and 12 = 13 working days.
    lake.target(D(2024, 5, 1), "T1", "B1", "27000.00", 270)  # MTD: 27,000.00 x 13/27 = 13,000.00; 270 x 13/27 = 130
    lake.target(D(2024, 5, 1), "T1", "B2", "5400.00", 54)  # MTD: 5,400.00 x 13/27 = 2,600.00; 54 x 13/27 = 26
    lake.target(D(2024, 5, 1), "T2", "B1", "2700.00", 27)  # MTD: 2,700.00 x 13/27 = 1,300.00
    lake.invoice(D(2024, 5, 6), "S1", "K1", 104, "100.00")  # B1 in T1: 10,400.00
    lake.invoice(D(2024, 5, 7), "S2", "K2", 26, "100.00")  # B2 in T1: 2,600.00
    rows = by_brand(lake, D(2024, 5, 15), "daily", "mtd")
    b1 = rows[("SR1", "B1")]
    assert (b1["net_value"], b1["target_value"], b1["target_units"]) == (M("10400.00"), 13000.0, 130.0)
    assert b1["achievement_value_pct"] == 80.0  # 10,400.00 / 13,000.00 x 100
    assert b1["achievement_units_pct"] == 80.0  # 104 / 130 x 100
    assert rows[("SR1", "B2")]["achievement_value_pct"] == 100.0  # 2,600.00 / 2,600.00
    sr2 = rows[("SR2", "B1")]  # targeted, nothing sold: still listed
    assert (sr2["net_value"], sr2["target_value"], sr2["achievement_value_pct"]) == (M("0.00"), 1300.0, 0.0)
    asm = rows[("ASM1", "B1")]
    assert asm["target_value"] == 14300.0  # 13,000.00 + 1,300.00
    assert asm["achievement_value_pct"] == 72.73  # 10,400.00 / 14,300.00 x 100 = 72.727...


def test_brand_units_achievement_is_net_units_over_target_units():
    lake = org()
    # 1-15 May in India (no holiday in May here): 13 of May's 27 working days (test above)
    lake.target(D(2024, 5, 1), "T1", "B1", "27000.00", 270)  # MTD: 130 units
    lake.invoice(D(2024, 5, 6), "S1", "K1", 104, "100.00")  # B1 in T1: 104 units, 10,400.00
    lake.credit(D(2024, 5, 10), "S1", "K1", "1300.00", kind="SALES_RETURN", reason="BREAKAGE", units=13)
    b1 = by_brand(lake, D(2024, 5, 15), "daily", "mtd")[("SR1", "B1")]
    assert (b1["billed_units"], b1["net_units"]) == (104, 91)  # 104 - 13 returned
    assert b1["achievement_units_pct"] == 70.0  # 91 / 130 x 100
    assert b1["achievement_value_pct"] == 70.0  # (10,400.00 - 1,300.00) / 13,000.00 x 100


def test_brand_growth_compares_the_brand_with_the_same_dates_last_year():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 6, "100.00")  # B1 May 2024: 600.00
    lake.invoice(D(2023, 5, 6), "S1", "K1", 8, "100.00")  # B1 May 2023: 800.00
    lake.invoice(D(2024, 5, 6), "S1", "K2", 1, "100.00")  # B2 May 2024: 100.00, none last year
    rows = by_brand(lake, D(2024, 5, 31), "monthly", "month")
    assert rows[("SR1", "B1")]["growth_pct"] == -25.0  # (600.00 - 800.00) / 800.00 x 100
    assert rows[("SR1", "B2")]["growth_pct"] is None


# -- by stockist ------------------------------------------------------------------------------------
def test_stockist_cut_lists_each_customer_for_sr_asm_rsm_and_zsm_only():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 7, "100.00")  # S1: 700.00
    lake.invoice(D(2024, 5, 7), "S2", "K1", 4, "100.00")  # S2: 400.00
    lake.credit(D(2024, 5, 9), "S2", "K1", "100.00")  # S2: - 100.00 credit note
    lake.invoice(D(2024, 5, 8), "S3", "K1", 2, "100.00")  # S3 (T2, SR2): 200.00
    rows = by_stockist(lake, D(2024, 5, 31), "monthly", "month")
    assert rows[("SR1", "S1")]["net_value"] == M("700.00")
    assert rows[("SR1", "S2")]["net_value"] == M("300.00")  # 400.00 - 100.00
    assert ("SR1", "S3") not in rows and ("SR2", "S1") not in rows
    for manager in ("ASM1", "RSM", "ZSM"):
        assert rows[(manager, "S1")]["net_value"] == M("700.00")
        assert rows[(manager, "S3")]["net_value"] == M("200.00")
    assert {p for p, _ in rows} == {"SR1", "SR2", "ASM1", "RSM", "ZSM"}  # no NH, BUH or CMO rows


def test_stockist_cut_shows_returns_ratio_and_scheme_per_customer():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 40, "25.00", free=4)  # 40 x 25.00 = 1,000.00; 4 free
    lake.credit(D(2024, 5, 9), "S1", "K1", "50.00", kind="SALES_RETURN", reason="EXPIRY", units=2)
    s1 = by_stockist(lake, D(2024, 5, 31), "monthly", "month")[("SR1", "S1")]
    assert s1["returns_ratio_pct"] == 5.0  # 50.00 / 1,000.00 x 100
    assert s1["scheme_pct"] == 10.0  # 4 / 40 x 100
    assert s1["net_value"] == M("950.00")


# -- a later HR snapshot --------------------------------------------------------------------------
def positions_snapshot(sr1_parent: str) -> pd.DataFrame:
    rows: List[Tuple[str, str, object, object]] = [
        ("CMO", "CMO", None, None), ("BUH", "BUH", "CMO", None), ("NH", "NH", "BUH", None), ("ZSM", "ZSM", "NH", None),
        ("RSM", "RSM", "ZSM", None), ("ASM1", "ASM", "RSM", None), ("ASM2", "ASM", "RSM", None),
        ("SR1", "SR", sr1_parent, "T1"), ("SR2", "SR", "ASM2", "T2"),
    ]
    return pd.DataFrame([{"position_id": p, "role": r, "parent_position_id": par, "territory_code": t,
                          "position_name": p} for p, r, par, t in rows])


def divisions_snapshot() -> pd.DataFrame:
    return pd.DataFrame([{"position_id": p, "business_unit_code": None if p == "CMO" else "BU01",
                          "business_unit_name": None if p == "CMO" else "Business unit",
                          "division_code": None if p in ("CMO", "BUH") else "DIV01"}
                         for p in ("CMO", "BUH", "NH", "ZSM", "RSM", "ASM1", "ASM2", "SR1", "SR2")])


def test_a_later_hr_snapshot_does_not_change_an_earlier_report_and_applies_from_its_date():
    # HR sent positions on 1 April 2024 (SR1 under ASM1) and again on 10 June 2024 (SR1 moved to
    # ASM2). Reporting 31 May 2024 with both files present must follow the April tree.
    versions = position_versions(
        [(D(2024, 4, 1), positions_snapshot("ASM1")), (D(2024, 6, 10), positions_snapshot("ASM2"))],
        [(D(2024, 4, 1), divisions_snapshot())])
    lake = Lake()
    for row in versions.to_dict("records"):
        lake.add("cur_hr__position_versions", **row)
    lake.territory("T1").territory("T2").stockist("S1", "T1").stockist("S3", "T2").sku("K1", "B1")
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00")  # T1 (SR1), May: 1,000.00
    lake.invoice(D(2024, 5, 7), "S3", "K1", 3, "100.00")  # T2 (SR2), May: 300.00
    lake.invoice(D(2024, 6, 5), "S1", "K1", 5, "100.00")  # T1 (SR1), June, before the move: 500.00
    lake.invoice(D(2024, 6, 20), "S3", "K1", 2, "100.00")  # T2 (SR2), June: 200.00

    may = by_position(lake, D(2024, 5, 31), "monthly", "month")
    assert may["SR1"]["parent_position_id"] == "ASM1"
    assert may["ASM1"]["net_value"] == M("1000.00")  # SR1's May
    assert may["ASM2"]["net_value"] == M("300.00")  # SR2's May only

    june = by_position(lake, D(2024, 6, 30), "monthly", "month")
    assert june["SR1"]["parent_position_id"] == "ASM2"
    assert june["ASM1"]["net_value"] == M("0.00")  # no SR under it on 30 June
    assert june["ASM2"]["net_value"] == M("700.00")  # SR1 500.00 + SR2 200.00: the tree of 30 June

    # The day before the new file, the old tree still holds.
    assert by_position(lake, D(2024, 6, 9), "daily", "mtd")["ASM1"]["net_value"] == M("500.00")
    assert by_position(lake, D(2024, 6, 10), "daily", "mtd")["ASM1"]["net_value"] == M("0.00")
