-- Invoice lines straight from the clean zone, every copy sent (daily files and monthly backfill
-- extracts), for the control totals; int_control__erp_lines keeps one copy of each. Net value of
-- an invoice line = its gross value = billed units x price to stockist - trade discount, excluding
-- tax; free units carry no value.
-- Grain: one row per invoice line per partition that carries it.
CREATE OR REPLACE VIEW stg_erp__primary_invoices AS
SELECT
    invoice_no,
    line_no,
    invoice_date,
    CAST(CAST(billed_qty AS DECIMAL(19, 0)) * price_to_stockist - trade_discount AS DECIMAL(18, 2)) AS gross_value,
    dt,
    1 AS is_daily
FROM erp_primary_invoices
UNION ALL
SELECT
    invoice_no,
    line_no,
    invoice_date,
    CAST(CAST(billed_qty AS DECIMAL(19, 0)) * price_to_stockist - trade_discount AS DECIMAL(18, 2)) AS gross_value,
    dt,
    0 AS is_daily
FROM erp_primary_invoices_backfill
