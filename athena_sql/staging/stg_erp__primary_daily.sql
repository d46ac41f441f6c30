-- Primary lines summed per document date, territory, division, brand and unmapped reason, each
-- line mapped as int_primary__lines_mapped maps it (stockist and SKU versions valid on the
-- document date; UNKNOWN_STOCKIST / UNKNOWN_SKU where no version lists the code): the curate
-- step's cur_erp__primary_daily, rebuilt with the lines and whenever a master maps them anew.
-- Grain: one row per document date, territory, division, brand and unmapped reason.
CREATE OR REPLACE VIEW stg_erp__primary_daily AS
SELECT
    doc_date,
    territory_code,
    division_code,
    brand_code,
    unmapped_reason,
    lines,
    invoice_lines,
    billed_units,
    free_units,
    return_units,
    gross_value,
    return_value,
    credit_value,
    net_value,
    dt
FROM cur_erp__primary_daily
