"""Golden test of the Athena views: hand-built rows in, hand-computed numbers out (DuckDB)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from saleslens.offline.duck_athena import transpile
from saleslens.views import load_views

D = date(2026, 11, 20)


def _positions() -> pa.Table:
    # CMO P00001 > BUH P00002 > NH P00003 > ZSM P00004 > RSM P00005 > ASM P00006 > SR P00007 (T0001), SR P00008 (T0002)
    rows = [
        ("P00001", "CMO", None, None, "CMO"),
        ("P00002", "BUH", "P00001", None, "BU One"),
        ("P00003", "NH", "P00002", None, "India"),
        ("P00004", "ZSM", "P00003", None, "West"),
        ("P00005", "RSM", "P00004", None, "Mumbai"),
        ("P00006", "ASM", "P00005", None, "Andheri"),
        ("P00007", "SR", "P00006", "T0001", "Andheri East"),
        ("P00008", "SR", "P00006", "T0002", "Andheri West"),
        # a second division's SR working the same territory T0001
        ("P00009", "SR", "P00006", "T0001", "Andheri East"),
    ]
    cols = list(zip(*rows))
    return pa.table(
        {
            "position_id": cols[0], "role": cols[1], "parent_position_id": pa.array(cols[2], pa.string()),
            "territory_code": pa.array(cols[3], pa.string()), "position_name": cols[4], "dt": ["2026-11-20"] * len(rows),
        }
    )


def _position_divisions() -> pa.Table:
    div = {"P00001": None, "P00002": None, "P00009": "DIV02"}
    ids = [f"P0000{i}" for i in range(1, 10)]
    return pa.table({
        "position_id": ids,
        "business_unit_code": pa.array([None if i == "P00001" else "BU01" for i in ids], pa.string()),
        "division_code": pa.array([div.get(i, "DIV01") for i in ids], pa.string()),
        "dt": ["2026-11-20"] * len(ids),
    })


def _products() -> pa.Table:
    return pa.table({
        "sku": ["SKU00001", "SKU00002", "SKU00003", "SKU00009"],
        "brand_code": ["B0001", "B0001", "B0002", "B0009"],
        "brand_name": ["A", "A", "B", "Z"],
        "division_code": ["DIV01", "DIV01", "DIV01", "DIV02"],
        "business_unit_code": ["BU01"] * 4,
        "dt": ["2026-11-20"] * 4,
    })


def _customers() -> pa.Table:
    return pa.table(
        {
            "stockist_code": ["STK00001", "STK00002", "STK00003"],
            "stockist_name": ["A", "B", "C"],
            "territory_code": ["T0001", "T0001", "T0002"],
            "city": ["Mumbai"] * 3,
            "country": ["IN"] * 3,
            "dt": ["2026-11-20"] * 3,
        }
    )


def _invoices() -> pa.Table:
    dec = pa.decimal128(12, 2)
    return pa.table(
        {
            "invoice_no": ["INV202611200001", "INV202611200001", "INV202611200002", "INV202611200003", "INV202611190009", "INV202611200004"],
            "line_no": [1, 2, 1, 1, 1, 1],
            "invoice_date": pa.array([D, D, D, D, date(2026, 11, 19), D], pa.date32()),
            "stockist_code": ["STK00001", "STK00001", "STK00002", "STK00003", "STK00003", "STK00002"],
            "sku": ["SKU00001", "SKU00002", "SKU00001", "SKU00003", "SKU00003", "SKU00009"],
            "billed_qty": [10, 5, 2, 100, 7, 4],
            "free_qty": [1, 0, 0, 10, 0, 0],
            "price_to_stockist": pa.array([Decimal("100.00"), Decimal("20.50"), Decimal("100.00"), Decimal("3.25"), Decimal("1.00"), Decimal("60.00")], dec),
            "trade_discount": pa.array([Decimal("50.00"), Decimal("0.00"), Decimal("0.00"), Decimal("25.00"), Decimal("0.00"), Decimal("10.00")], dec),
            "dt": ["2026-11-20"] * 4 + ["2026-11-19", "2026-11-20"],
        }
    )


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.register("hr_positions", _positions())
    c.register("erp_customers", _customers())
    c.register("erp_primary_invoices", _invoices())
    c.register("erp_products", _products())
    c.register("hr_position_divisions", _position_divisions())
    for view in load_views():
        for statement in transpile(view.sql):
            c.execute(statement)
    return c


def _mart(con: duckdb.DuckDBPyConnection, role: str) -> dict:
    rows = con.execute(
        "SELECT position_id, territory_code, net_value, billed_units, free_units, invoice_lines "
        "FROM mart_sales__primary_by_position WHERE role = ? AND sale_date = DATE '2026-11-20' ORDER BY 1, 2",
        [role],
    ).fetchall()
    return {(r[0], r[1]): (Decimal(r[2]), r[3], r[4], r[5]) for r in rows}


def test_gross_value_is_qty_times_price_less_discount(con):
    # T0001 on the 20th, DIV01: 10x100-50 = 950.00; 5x20.50-0 = 102.50; 2x100-0 = 200.00 -> 1252.50
    # T0001 on the 20th, DIV02: 4x60-10 = 230.00 (SKU00009) -> the DIV02 SR only
    # T0002 on the 20th: 100x3.25-25 = 300.00
    sr = _mart(con, "SR")
    assert sr == {
        ("P00007", "T0001"): (Decimal("1252.50"), 17, 1, 3),
        ("P00008", "T0002"): (Decimal("300.00"), 100, 10, 1),
        ("P00009", "T0001"): (Decimal("230.00"), 4, 0, 1),
    }


@pytest.mark.parametrize("role,position", [("ASM", "P00006"), ("RSM", "P00005"), ("ZSM", "P00004"), ("NH", "P00003"), ("BUH", "P00002"), ("CMO", "P00001")])
def test_every_level_above_sr_sees_both_territories_once(con, role, position):
    # T0001 = both divisions' SRs, counted once each: 1252.50 + 230.00
    assert _mart(con, role) == {
        (position, "T0001"): (Decimal("1482.50"), 21, 1, 4),
        (position, "T0002"): (Decimal("300.00"), 100, 10, 1),
    }


def test_sales_of_other_days_stay_out(con):
    total = con.execute(
        "SELECT sum(net_value) FROM mart_sales__primary_by_position WHERE role = 'CMO' AND sale_date = DATE '2026-11-19'"
    ).fetchone()[0]
    assert Decimal(total) == Decimal("7.00")


def test_closure_depth_from_cmo_to_sr_is_six(con):
    depth = con.execute(
        "SELECT depth FROM int_position_closure WHERE ancestor_position_id = 'P00001' AND position_id = 'P00007'"
    ).fetchone()[0]
    assert depth == 6
