-- Primary sales lines on their own document date: invoice lines (gross = billed units x price -
-- trade discount; free units valued 0), sales returns and value-only credit notes, each valued so
-- that net = gross - returns - credit notes.
-- Grain: one row per document line.
CREATE OR REPLACE VIEW stg_erp__primary_lines AS
SELECT
    doc_date,
    doc_type,
    doc_no,
    line_no,
    stockist_code,
    sku,
    credit_reason,
    billed_units,
    free_units,
    return_units,
    gross_value,
    return_value,
    credit_value,
    net_value,
    source_table,
    source_dt,
    dt
FROM cur_erp__primary_lines
