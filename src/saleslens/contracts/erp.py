"""ERP datasets (primary sales)."""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

CUSTOMERS = Dataset(
    source="erp",
    name="customers",
    description="Customer master: stockists with geography and territory mapping (daily snapshot).",
    columns=(
        Column("stockist_code", "string", "ERP customer code", pattern=r"STK\d{5}"),
        Column("stockist_name", "string", "Trading name"),
        Column("territory_code", "string", "Territory the stockist is mapped to", pattern=r"T\d{4}"),
        Column("city", "string", "City"),
        Column("country", "string", "Country", allowed=("IN", "LK", "NP")),
    ),
    key=("stockist_code",),
    file_pattern="ERP_CUSTOMERS_{dt:%Y%m%d}.csv",
)

PRIMARY_INVOICES = Dataset(
    source="erp",
    name="primary_invoices",
    description="Primary sales: invoice lines billed to stockists, tax excluded.",
    columns=(
        Column("invoice_no", "string", "ERP invoice number", pattern=r"INV\d{8,12}"),
        Column("line_no", "int64", "Line within the invoice", min=1, max=999),
        Column("invoice_date", "date", "Invoice (document) date"),
        Column("stockist_code", "string", "Billed stockist", pattern=r"STK\d{5}"),
        Column("sku", "string", "Product SKU", pattern=r"SKU\d{5}"),
        Column("billed_qty", "int64", "Billed units", min=0, max=1_000_000),
        Column("free_qty", "int64", "Free (scheme) units, valued at 0", min=0, max=1_000_000),
        Column("price_to_stockist", "decimal(12,2)", "Unit price to stockist, excluding tax", min=0.01, max=1_000_000),
        Column("trade_discount", "decimal(12,2)", "Trade discount on the line, excluding tax", min=0, max=100_000_000),
    ),
    key=("invoice_no", "line_no"),
    file_pattern="ERP_INV_{dt:%Y%m%d}.csv",
    foreign_keys=(ForeignKey("stockist_code", "erp_customers", "stockist_code"),),
)
