-- The division each brand belongs to over time (from the SKU versions): which field force a
-- brand's targets, events and e-detailing count for.
-- Grain: one row per brand and division, with the dates its SKUs carried that division.
CREATE OR REPLACE VIEW int_erp__brand_divisions AS
SELECT
    brand_code,
    division_code,
    min(valid_from) AS valid_from,
    max(valid_to) AS valid_to,
    max(brand_name) AS brand_name
FROM stg_erp__sku_versions
GROUP BY brand_code, division_code
