"""Golden tests of unmapped revenue and the control totals (issue 7: revenue is never dropped;
ERP net = curated net = SR positions + unmapped, to the paisa): mart_sales__unmapped and
mart_control__primary_totals, through the real views.

The org: CMO > BUH > NH > ZSM > RSM > ASM1 > SR1 (territory T1, division DIV01). Stockist S1
buys in T1 and S2 in T2, a territory no SR covers. SKU K1 (brand B1) is DIV01's, K9 (brand B9)
DIV02's, which has no SR anywhere.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Dict, Tuple

from tests.golden.lake import D, Lake

M = Decimal


def org() -> Lake:
    lake = Lake()
    parent = None
    for role in ("CMO", "BUH", "NH", "ZSM", "RSM"):
        lake.position(role, role, parent)
        parent = role
    lake.position("ASM1", "ASM", "RSM").position("SR1", "SR", "ASM1", territory="T1")
    lake.territory("T1").territory("T2")
    lake.stockist("S1", "T1").stockist("S2", "T2")
    lake.sku("K1", "B1").sku("K9", "B9", division="DIV02")
    lake.holds("E1", "SR1", D(2020, 1, 1))
    return lake


def unmapped(lake: Lake, as_of: date, cadence: str, window: str) -> Dict[Tuple[str, str], dict]:
    rows = lake.mart("mart_sales__unmapped", as_of, cadence, where=f"window_id = '{window}' AND period = 'TY'")
    return {(r["unmapped_reason"], r["code"]): r for r in rows}


def by_position(lake: Lake, as_of: date, cadence: str, window: str) -> Dict[str, dict]:
    rows = lake.mart("mart_sales__primary_by_position", as_of, cadence, where=f"window_id = '{window}'")
    return {r["position_id"]: r for r in rows}


def control(lake: Lake, as_of: date, cadence: str, window: str) -> dict:
    (row,) = lake.mart("mart_control__primary_totals", as_of, cadence, where=f"window_id = '{window}'")
    return row


# -- clean-zone rows, as the ERP sent them (contract column names plus the partition dt) -----------
def erp_invoice(lake: Lake, dt: str, invoice_no: str, day: date, stockist: str, sku: str, billed: int, price: str,
                discount: str = "0.00", free: int = 0, table: str = "erp_primary_invoices", line_no: int = 1) -> None:
    lake.clean[table].append({
        "invoice_no": invoice_no, "line_no": line_no, "invoice_date": day, "stockist_code": stockist, "sku": sku,
        "billed_qty": billed, "free_qty": free, "price_to_stockist": M(price), "trade_discount": M(discount), "dt": dt,
    })


def erp_credit(lake: Lake, dt: str, document_no: str, day: date, stockist: str, sku: str, value: str,
               kind: str = "CREDIT_NOTE", reason: str = "RATE_DIFFERENCE", units: int = 0,
               table: str = "erp_credit_notes") -> None:
    lake.clean[table].append({
        "document_no": document_no, "line_no": 1, "document_date": day, "document_type": kind,
        "credit_reason": reason, "stockist_code": stockist, "sku": sku, "return_qty": units,
        "credit_value": M(value), "dt": dt,
    })


# -- unmapped -------------------------------------------------------------------------------------
def test_unknown_stockist_is_kept_as_an_unmapped_line():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00")  # 1,000.00 to SR1
    lake.invoice(D(2024, 5, 7), "S404", "K1", 3, "100.00")  # S404: not in the customer master
    rows = unmapped(lake, D(2024, 5, 31), "monthly", "month")
    line = rows[("UNKNOWN_STOCKIST", "S404")]
    assert (line["lines"], line["gross_value"], line["net_value"]) == (1, M("300.00"), M("300.00"))  # 3 x 100.00
    # given to no position: the CMO's total is SR1's 1,000.00 alone
    assert by_position(lake, D(2024, 5, 31), "monthly", "month")["CMO"]["net_value"] == M("1000.00")


def test_unknown_sku_is_kept_as_an_unmapped_line():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S1", "K404", 4, "12.50")  # K404: not in the material master; 4 x 12.50 = 50.00
    lake.credit(D(2024, 5, 9), "S1", "K404", "5.25")  # its credit note too
    rows = unmapped(lake, D(2024, 5, 31), "monthly", "month")
    line = rows[("UNKNOWN_SKU", "K404")]
    assert (line["lines"], line["gross_value"], line["net_value"]) == (2, M("50.00"), M("44.75"))  # 50.00 - 5.25
    assert by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]["net_value"] == M("0.00")


def test_territory_without_an_sr_of_the_division_is_shown_as_no_sr_position():
    lake = org()
    lake.invoice(D(2024, 5, 6), "S2", "K1", 2, "100.00")  # T2 has no SR at all: 200.00
    lake.invoice(D(2024, 5, 6), "S1", "K9", 1, "100.00")  # T1 has no DIV02 SR: 100.00
    rows = unmapped(lake, D(2024, 5, 31), "monthly", "month")
    assert rows[("NO_SR_POSITION", "T2/DIV01")]["net_value"] == M("200.00")
    assert rows[("NO_SR_POSITION", "T1/DIV02")]["net_value"] == M("100.00")
    assert by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]["net_value"] == M("0.00")


def test_unmapped_line_maps_once_the_master_lists_the_code():
    lake = org()
    lake.invoice(D(2024, 5, 7), "S5", "K1", 3, "100.00")  # S5 unknown when the invoice came: 300.00
    assert ("UNKNOWN_STOCKIST", "S5") in unmapped(lake, D(2024, 5, 31), "monthly", "month")
    lake.stockist("S5", "T1")  # the customer master catches up (a first version reaches back)
    assert unmapped(lake, D(2024, 5, 31), "monthly", "month") == {}
    assert by_position(lake, D(2024, 5, 31), "monthly", "month")["SR1"]["net_value"] == M("300.00")


# -- control totals -------------------------------------------------------------------------------
def balanced_lake() -> Lake:
    """ERP lines in the clean zone and the curated lines curation makes of them."""
    lake = org()
    # SR1: 7 x 12.34 - 0.38 = 86.00 on 6 May, sent in the daily file and again in May's backfill extract.
    erp_invoice(lake, "2024-05-06", "INV1", D(2024, 5, 6), "S1", "K1", 7, "12.34", discount="0.38")
    erp_invoice(lake, "2024-05-01", "INV1", D(2024, 5, 6), "S1", "K1", 7, "12.34", discount="0.38",
                table="erp_primary_invoices_backfill")
    lake.invoice(D(2024, 5, 6), "S1", "K1", 7, "12.34", discount="0.38", doc_no="INV1")
    # SR1: 3 x 333.33 = 999.99 on 8 May, with 1 free unit.
    erp_invoice(lake, "2024-05-08", "INV2", D(2024, 5, 8), "S1", "K1", 3, "333.33", free=1)
    lake.invoice(D(2024, 5, 8), "S1", "K1", 3, "333.33", free=1, doc_no="INV2")
    # Unknown stockist S404: 1 x 0.01 = 0.01 on 9 May.
    erp_invoice(lake, "2024-05-09", "INV3", D(2024, 5, 9), "S404", "K1", 1, "0.01")
    lake.invoice(D(2024, 5, 9), "S404", "K1", 1, "0.01", doc_no="INV3")
    # SR1: an expiry return of 12.34 on 10 May and a rate-difference credit of 0.37 on 11 May; the
    # credit note is also in the backfill extract.
    erp_credit(lake, "2024-05-10", "CRN1", D(2024, 5, 10), "S1", "K1", "12.34", kind="SALES_RETURN", reason="EXPIRY",
               units=1)
    lake.credit(D(2024, 5, 10), "S1", "K1", "12.34", kind="SALES_RETURN", reason="EXPIRY", units=1)
    erp_credit(lake, "2024-05-11", "CRN2", D(2024, 5, 11), "S1", "K1", "0.37")
    erp_credit(lake, "2024-05-01", "CRN2", D(2024, 5, 11), "S1", "K1", "0.37", table="erp_credit_notes_backfill")
    lake.credit(D(2024, 5, 11), "S1", "K1", "0.37")
    return lake


def test_control_totals_balance_to_the_paisa():
    row = control(balanced_lake(), D(2024, 5, 31), "monthly", "month")
    # 86.00 + 999.99 + 0.01 - 12.34 - 0.37 = 1,073.29
    assert row["erp_net_value"] == M("1073.29")
    assert row["curated_net_value"] == M("1073.29")
    assert row["sr_positions_net_value"] == M("1073.28")  # 86.00 + 999.99 - 12.34 - 0.37
    assert row["unmapped_net_value"] == M("0.01")  # S404
    assert row["balanced"] is True


def test_a_line_sent_in_the_daily_file_and_the_backfill_extract_counts_once():
    lake = org()
    erp_invoice(lake, "2024-05-06", "INV1", D(2024, 5, 6), "S1", "K1", 10, "100.00")
    erp_invoice(lake, "2024-05-01", "INV1", D(2024, 5, 6), "S1", "K1", 10, "100.00",
                table="erp_primary_invoices_backfill")
    lake.invoice(D(2024, 5, 6), "S1", "K1", 10, "100.00", doc_no="INV1")
    row = control(lake, D(2024, 5, 6), "daily", "day")
    assert row["erp_net_value"] == M("1000.00")  # 10 x 100.00 once, not 2,000.00
    assert row["balanced"] is True


def test_a_credit_note_sent_twice_counts_once():
    lake = org()
    erp_credit(lake, "2024-05-11", "CRN1", D(2024, 5, 11), "S1", "K1", "40.00")
    erp_credit(lake, "2024-05-01", "CRN1", D(2024, 5, 11), "S1", "K1", "40.00", table="erp_credit_notes_backfill")
    lake.credit(D(2024, 5, 11), "S1", "K1", "40.00")
    row = control(lake, D(2024, 5, 31), "daily", "mtd")
    assert row["erp_net_value"] == M("-40.00")  # once, not -80.00
    assert row["balanced"] is True


def test_control_is_not_balanced_when_the_curated_side_misses_a_line():
    lake = balanced_lake()
    erp_invoice(lake, "2024-05-12", "INV4", D(2024, 5, 12), "S1", "K1", 2, "50.00")  # 100.00 never curated
    row = control(lake, D(2024, 5, 31), "monthly", "month")
    assert row["erp_net_value"] == M("1173.29")  # 1,073.29 + 100.00
    assert row["curated_net_value"] == M("1073.29")
    assert row["balanced"] is False


def test_control_totals_follow_each_window():
    lake = balanced_lake()
    day = control(lake, D(2024, 5, 8), "daily", "day")
    assert (day["erp_net_value"], day["curated_net_value"], day["balanced"]) == (M("999.99"), M("999.99"), True)
    fortnight = control(lake, D(2024, 5, 9), "fortnightly", "fortnight")
    # 1-9 May: 86.00 + 999.99 + 0.01
    assert (fortnight["erp_net_value"], fortnight["unmapped_net_value"]) == (M("1086.00"), M("0.01"))
    ytd = control(lake, D(2024, 5, 31), "monthly", "ytd")
    assert ytd["erp_net_value"] == M("1073.29")
