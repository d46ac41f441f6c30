-- The ERP's own primary lines for the control totals of an as-of date's windows, straight from
-- the clean zone: each document line once, the copy from the partition with the later date (a
-- daily file before a backfill extract of the same date), as curation decides; net = invoice
-- gross value, or minus the credit value.
-- Only the clean partitions that can hold a document dated in the windows are read
-- (int_control__clean_partitions); every later copy of a line is in them too, so the copy kept is
-- curation's.
-- Grain: one row per as-of date, cadence and document line those partitions hold.
CREATE OR REPLACE VIEW int_control__erp_lines AS
WITH sent AS (
    SELECT p.as_of_date, p.cadence, 'INVOICE' AS document_kind, i.invoice_no AS document_no, i.line_no,
           i.invoice_date AS document_date, i.gross_value AS net_value, i.dt, i.is_daily
    FROM stg_erp__primary_invoices AS i
    JOIN int_control__clean_partitions AS p ON p.dt = i.dt AND (CASE WHEN i.is_daily = 1 THEN p.holds_daily ELSE p.holds_backfill END)
    UNION ALL
    SELECT p.as_of_date, p.cadence, 'CREDIT' AS document_kind, c.document_no, c.line_no,
           c.document_date, -c.credit_value AS net_value, c.dt, c.is_daily
    FROM stg_erp__credit_notes AS c
    JOIN int_control__clean_partitions AS p ON p.dt = c.dt AND (CASE WHEN c.is_daily = 1 THEN p.holds_daily ELSE p.holds_backfill END)
),
ranked AS (
    SELECT sent.*,
           row_number() OVER (PARTITION BY as_of_date, cadence, document_kind, document_no, line_no
                              ORDER BY dt DESC, is_daily DESC) AS copy_no
    FROM sent
)
SELECT as_of_date, cadence, document_kind, document_no, line_no, document_date, net_value
FROM ranked
WHERE copy_no = 1
