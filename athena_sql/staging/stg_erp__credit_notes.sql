-- Returns and credit notes straight from the clean zone, every copy sent (daily files and monthly
-- backfill extracts), for the control totals; int_control__erp_lines keeps one copy of each.
-- Grain: one row per credit document line per partition that carries it.
CREATE OR REPLACE VIEW stg_erp__credit_notes AS
SELECT
    document_no,
    line_no,
    document_date,
    CAST(credit_value AS DECIMAL(18, 2)) AS credit_value,
    dt,
    1 AS is_daily
FROM erp_credit_notes
UNION ALL
SELECT
    document_no,
    line_no,
    document_date,
    CAST(credit_value AS DECIMAL(18, 2)) AS credit_value,
    dt,
    0 AS is_daily
FROM erp_credit_notes_backfill
