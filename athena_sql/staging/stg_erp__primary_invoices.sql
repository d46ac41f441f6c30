-- Invoice lines straight from the clean zone (daily files and monthly backfill extracts), for the
-- control totals: an invoice line sent twice counts once, from the partition with the later date
-- (a daily file before a backfill extract of the same date), as curation decides. Gross value =
-- billed units x price to stockist - trade discount, excluding tax; free units carry no value.
-- Grain: one row per invoice line.
CREATE OR REPLACE VIEW stg_erp__primary_invoices AS
WITH sent AS (
    SELECT invoice_no, line_no, invoice_date, stockist_code, sku, billed_qty, free_qty, price_to_stockist,
           trade_discount, dt, 1 AS is_daily
    FROM erp_primary_invoices
    UNION ALL
    SELECT invoice_no, line_no, invoice_date, stockist_code, sku, billed_qty, free_qty, price_to_stockist,
           trade_discount, dt, 0 AS is_daily
    FROM erp_primary_invoices_backfill
),
ranked AS (
    SELECT sent.*, row_number() OVER (PARTITION BY invoice_no, line_no ORDER BY dt DESC, is_daily DESC) AS copy_no
    FROM sent
)
SELECT
    invoice_no,
    line_no,
    invoice_date,
    stockist_code,
    sku,
    billed_qty,
    free_qty,
    CAST(CAST(billed_qty AS DECIMAL(19, 0)) * price_to_stockist - trade_discount AS DECIMAL(18, 2)) AS gross_value
FROM ranked
WHERE copy_no = 1
