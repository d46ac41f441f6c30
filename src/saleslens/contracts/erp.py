"""ERP datasets (primary sales): masters, invoices, returns and credit notes, targets.

The ERP names its extracts ERP_<OBJECT>_YYYYMMDD.csv (UTF-8, header row). Money is in the
company currency (INR) with two decimals, excluding tax.
"""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

SKU = r"SKU\d{5}"
STOCKIST = r"STK\d{5}"
TERRITORY = r"T\d{4}"
BRAND = r"B\d{4}"
DIVISION = r"DIV\d{2}"
BUSINESS_UNIT = r"BU\d{2}"

CUSTOMERS = Dataset(
    source="erp",
    name="customers",
    description="Customer master: stockists with geography and territory mapping (daily snapshot).",
    columns=(
        Column("stockist_code", "string", "ERP customer code", pattern=STOCKIST),
        Column("stockist_name", "string", "Trading name"),
        Column("territory_code", "string", "Territory the stockist is mapped to", pattern=TERRITORY),
        Column("city", "string", "City"),
        Column("country", "string", "Country", allowed=("IN", "LK", "NP")),
    ),
    key=("stockist_code",),
    file_pattern="ERP_CUSTOMERS_{dt:%Y%m%d}.csv",
    foreign_keys=(ForeignKey("territory_code", "hr_territories", "territory_code"),),
    kind="master",
)

PRODUCTS = Dataset(
    source="erp",
    name="products",
    description=(
        "Product (material) master: SKU, brand, division, business unit, pack, price to stockist and standard "
        "cost per unit."
    ),
    columns=(
        Column("sku", "string", "ERP material code of the saleable pack", pattern=SKU),
        Column("product_name", "string", "Brand, strength and form as printed on the pack"),
        Column("brand_code", "string", "Brand the SKU belongs to", pattern=BRAND),
        Column("brand_name", "string", "Brand name"),
        Column("division_code", "string", "Division (field-force team) that promotes the brand", pattern=DIVISION),
        Column("division_name", "string", "Division name"),
        Column("business_unit_code", "string", "Business unit of the division", pattern=BUSINESS_UNIT),
        Column("pack", "string", "Pack as sold, e.g. '10 TAB', '100 ML'"),
        Column("price_to_stockist", "decimal(12,2)", "Unit price to stockist, excluding tax", min=0.01, max=1_000_000),
        Column("mrp", "decimal(12,2)", "Maximum retail price per pack, including tax", min=0.01, max=1_000_000),
        Column("standard_cost", "decimal(12,2)",
               "Standard cost of one unit (the costing run's released cost), excluding tax; below the price to "
               "stockist, so a free unit costs less than it sells for", min=0.01, max=1_000_000,
               below="price_to_stockist"),
    ),
    key=("sku",),
    file_pattern="ERP_MATERIALS_{dt:%Y%m%d}.csv",
    kind="master",
)

PRIMARY_INVOICES = Dataset(
    source="erp",
    name="primary_invoices",
    description="Primary sales: invoice lines billed to stockists, tax excluded.",
    columns=(
        Column("invoice_no", "string", "ERP invoice number", pattern=r"INV\d{8,12}"),
        Column("line_no", "int64", "Line within the invoice", min=1, max=999),
        Column("invoice_date", "date", "Invoice (document) date"),
        Column("stockist_code", "string", "Billed stockist", pattern=STOCKIST),
        Column("sku", "string", "Product SKU", pattern=SKU),
        Column("billed_qty", "int64", "Billed units", min=0, max=1_000_000),
        Column("free_qty", "int64", "Free (scheme) units, valued at 0", min=0, max=1_000_000),
        Column("price_to_stockist", "decimal(12,2)", "Unit price to stockist, excluding tax", min=0.01, max=1_000_000),
        Column("trade_discount", "decimal(12,2)", "Trade discount on the line, excluding tax", min=0, max=100_000_000),
    ),
    key=("invoice_no", "line_no"),
    file_pattern="ERP_INV_{dt:%Y%m%d}.csv",
    backfill_file_pattern="ERP_INV_HIST_{dt:%Y%m}.csv",
    foreign_keys=(
        ForeignKey("stockist_code", "erp_customers", "stockist_code"),
        ForeignKey("sku", "erp_products", "sku"),
    ),
    daily=True,
)

DOCUMENT_TYPES = ("SALES_RETURN", "CREDIT_NOTE")
CREDIT_REASONS = ("EXPIRY", "BREAKAGE", "RATE_DIFFERENCE", "SCHEME")

CREDIT_NOTES = Dataset(
    source="erp",
    name="credit_notes",
    description=(
        "Returns and credit notes to stockists, line level, on their own document date: sales returns "
        "(expiry, breakage) and rate-difference or scheme credit notes. The original invoice is never reversed."
    ),
    columns=(
        Column("document_no", "string", "ERP credit document number", pattern=r"CRN\d{11}"),
        Column("line_no", "int64", "Line within the document", min=1, max=999),
        Column("document_date", "date", "Document date: the day the return or credit is booked"),
        Column("document_type", "string", "SALES_RETURN (goods come back) or CREDIT_NOTE (value only)",
               allowed=DOCUMENT_TYPES),
        Column("credit_reason", "string", "EXPIRY or BREAKAGE for returns; RATE_DIFFERENCE or SCHEME for credit notes",
               allowed=CREDIT_REASONS),
        Column("stockist_code", "string", "Credited stockist", pattern=STOCKIST),
        Column("sku", "string", "Product SKU", pattern=SKU),
        Column("return_qty", "int64", "Units returned (0 on a value-only credit note)", min=0, max=1_000_000),
        Column("credit_value", "decimal(14,2)", "Value credited, excluding tax", min=0.01, max=1_000_000_000),
    ),
    key=("document_no", "line_no"),
    file_pattern="ERP_CRN_{dt:%Y%m%d}.csv",
    backfill_file_pattern="ERP_CRN_HIST_{dt:%Y%m}.csv",
    foreign_keys=(
        ForeignKey("stockist_code", "erp_customers", "stockist_code"),
        ForeignKey("sku", "erp_products", "sku"),
    ),
    daily=True,
)

TARGETS = Dataset(
    source="erp",
    name="targets",
    description=(
        "Sales targets per territory, brand and month (value and units). Targets belong to the "
        "territory, not the person; the brand's division names the field force it is set for."
    ),
    columns=(
        Column("territory_code", "string", "Territory", pattern=TERRITORY),
        Column("brand_code", "string", "Brand", pattern=BRAND),
        Column("target_month", "date", "First day of the calendar month the target is for"),
        Column("target_value", "decimal(14,2)", "Target primary value, net of trade discount, excluding tax",
               min=0, max=10_000_000_000),
        Column("target_units", "int64", "Target billed units", min=0, max=100_000_000),
    ),
    key=("territory_code", "brand_code", "target_month"),
    file_pattern="ERP_TARGETS_{dt:%Y%m%d}.csv",
    foreign_keys=(
        ForeignKey("territory_code", "hr_territories", "territory_code"),
        ForeignKey("brand_code", "erp_products", "brand_code"),
    ),
)

INSTITUTION_TARGETS = Dataset(
    source="erp",
    name="institution_targets",
    description=(
        "Institutional-business targets per territory, division and month: the value of institutional "
        "deals (tenders, key accounts) the division's SR of the territory is to win in the month. Like the "
        "sales targets, they belong to the territory, not the person."
    ),
    columns=(
        Column("territory_code", "string", "Territory", pattern=TERRITORY),
        Column("division_code", "string", "Division whose SR the target is set for", pattern=DIVISION),
        Column("target_month", "date", "First day of the calendar month the target is for"),
        Column("target_value", "decimal(14,2)", "Value of institutional deals to win in the month, INR excluding tax",
               min=0, max=10_000_000_000),
    ),
    key=("territory_code", "division_code", "target_month"),
    file_pattern="ERP_INST_TARGETS_{dt:%Y%m%d}.csv",
    foreign_keys=(
        ForeignKey("territory_code", "hr_territories", "territory_code"),
        ForeignKey("division_code", "erp_products", "division_code"),
    ),
)

# Age buckets of an ERP receivables ageing, by days since the invoice date (inclusive bounds).
AGE_BUCKETS = ("0-30", "31-60", "61-90", "91-180", ">180")

RECEIVABLES = Dataset(
    source="erp",
    name="receivables",
    description=(
        "Receivables ageing: what each stockist owes on the snapshot date, by age bucket of the open invoice "
        "amounts (days since the invoice date). A full snapshot per file; buckets with nothing open are left "
        "out. Sent at every month end (a daily snapshot is taken the same way)."
    ),
    columns=(
        Column("snapshot_date", "date", "Day the ageing was taken (end of day)"),
        Column("stockist_code", "string", "Stockist that owes the amount", pattern=STOCKIST),
        Column("age_bucket", "string", "Days since the invoice date: 0-30, 31-60, 61-90, 91-180 or >180",
               allowed=AGE_BUCKETS),
        Column("outstanding_value", "decimal(14,2)", "Amount open in the bucket, INR excluding tax",
               min=0, max=10_000_000_000),
    ),
    key=("snapshot_date", "stockist_code", "age_bucket"),
    file_pattern="ERP_AR_AGEING_{dt:%Y%m%d}.csv",
    # An outstanding balance means nothing without the stockist it is owed by: an unknown code is
    # quarantined, not kept as unmapped like a sale.
    foreign_keys=(ForeignKey("stockist_code", "erp_customers", "stockist_code", enforced=True),),
)
