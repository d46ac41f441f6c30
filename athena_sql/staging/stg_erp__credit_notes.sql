-- Returns and credit notes straight from the clean zone (daily files and monthly backfill
-- extracts), for the control totals; a document line sent twice counts once, as for invoices.
-- Grain: one row per credit document line.
CREATE OR REPLACE VIEW stg_erp__credit_notes AS
WITH sent AS (
    SELECT document_no, line_no, document_date, document_type, credit_reason, stockist_code, sku, return_qty,
           credit_value, dt, 1 AS is_daily
    FROM erp_credit_notes
    UNION ALL
    SELECT document_no, line_no, document_date, document_type, credit_reason, stockist_code, sku, return_qty,
           credit_value, dt, 0 AS is_daily
    FROM erp_credit_notes_backfill
),
ranked AS (
    SELECT sent.*, row_number() OVER (PARTITION BY document_no, line_no ORDER BY dt DESC, is_daily DESC) AS copy_no
    FROM sent
)
SELECT
    document_no,
    line_no,
    document_date,
    document_type,
    credit_reason,
    stockist_code,
    sku,
    return_qty,
    CAST(credit_value AS DECIMAL(18, 2)) AS credit_value
FROM ranked
WHERE copy_no = 1
