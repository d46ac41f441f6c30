-- Primary invoice lines, typed and valued. Gross value = billed units x price to stockist, net of
-- trade discount, excluding tax (KPI catalogue 1). Free units carry value 0.
CREATE OR REPLACE VIEW stg_erp__primary_invoices AS
SELECT
    invoice_no,
    line_no,
    invoice_date,
    stockist_code,
    sku,
    billed_qty,
    free_qty,
    price_to_stockist,
    trade_discount,
    CAST(billed_qty AS DECIMAL(18, 2)) * price_to_stockist - trade_discount AS gross_value,
    dt
FROM erp_primary_invoices
