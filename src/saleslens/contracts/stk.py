"""Stockist statements (secondary sales): what each stockist holds and sells on, per SKU and month.

Stockists upload a statement of the previous month from their own billing software through the
stockist portal, in the first two weeks of the month; the portal sends each day's uploads as
STK_STATEMENTS_YYYYMMDD.csv. Quantities are units (packs); free units received count as received.
The stock identity ``secondary = opening + received - returned - closing`` holds on every row the
portal accepts (KPI catalogue 1: secondary sold).
"""
from __future__ import annotations

from typing import TypedDict

from saleslens.contracts.model import Column, Dataset, ForeignKey


class _Range(TypedDict):
    min: float
    max: float


_QTY: _Range = {"min": 0, "max": 10_000_000}

STATEMENTS = Dataset(
    source="stk",
    name="statements",
    description="Stockist x SKU x month statement: opening, received, returned to company, closing, secondary sold.",
    columns=(
        Column("stockist_code", "string", "Stockist sending the statement", pattern=r"STK\d{5}"),
        Column("sku", "string", "Product SKU", pattern=r"SKU\d{5}"),
        Column("statement_month", "date", "First day of the month the statement covers"),
        Column("opening_qty", "int64", "Units in stock at the start of the month", **_QTY),
        Column("received_qty", "int64", "Units received from the company in the month (billed + free)", **_QTY),
        Column("returned_qty", "int64", "Units returned to the company in the month", **_QTY),
        Column("closing_qty", "int64", "Units in stock at the end of the month", **_QTY),
        Column("secondary_qty", "int64", "Units sold on to chemists in the month", **_QTY),
        Column("submitted_on", "date", "Day the stockist uploaded the statement"),
    ),
    key=("stockist_code", "sku", "statement_month"),
    file_pattern="STK_STATEMENTS_{dt:%Y%m%d}.csv",
    backfill_file_pattern="STK_STATEMENTS_HIST_{dt:%Y%m}.csv",
    foreign_keys=(
        ForeignKey("stockist_code", "erp_customers", "stockist_code"),
        ForeignKey("sku", "erp_products", "sku"),
    ),
)
