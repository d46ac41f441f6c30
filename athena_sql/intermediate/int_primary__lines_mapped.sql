-- Primary lines with the territory, brand and division their codes mapped to "as was" on the
-- document date. A code the masters do not list (yet) keeps its line, flagged: revenue is never
-- dropped, and the line maps as soon as the master lists the code (its first version reaches
-- back).
-- Grain: one row per document line.
CREATE OR REPLACE VIEW int_primary__lines_mapped AS
SELECT
    l.dt,
    l.doc_date,
    l.doc_type,
    l.doc_no,
    l.line_no,
    l.stockist_code,
    l.sku,
    l.credit_reason,
    s.territory_code,
    k.brand_code,
    k.division_code,
    l.billed_units,
    l.free_units,
    l.return_units,
    l.gross_value,
    l.return_value,
    l.credit_value,
    l.net_value,
    CASE
        WHEN s.stockist_code IS NULL THEN 'UNKNOWN_STOCKIST'
        WHEN k.sku IS NULL THEN 'UNKNOWN_SKU'
    END AS unmapped_reason
FROM stg_erp__primary_lines AS l
LEFT JOIN stg_erp__stockist_versions AS s
    ON s.stockist_code = l.stockist_code AND l.doc_date BETWEEN s.valid_from AND s.valid_to
LEFT JOIN stg_erp__sku_versions AS k
    ON k.sku = l.sku AND l.doc_date BETWEEN k.valid_from AND k.valid_to
