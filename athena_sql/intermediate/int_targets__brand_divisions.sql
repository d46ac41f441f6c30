-- Whose a brand's target is in each month the report windows touch: the division of the brand's
-- SKUs on the month's first day (the greatest code where its SKUs span several), so a target
-- counts once at every level.
-- Grain: one row per as-of date, cadence, month and brand.
CREATE OR REPLACE VIEW int_targets__brand_divisions AS
SELECT
    m.as_of_date,
    m.cadence,
    m.month_start,
    k.brand_code,
    max(k.division_code) AS division_code
FROM stg_erp__sku_versions AS k
JOIN (SELECT DISTINCT as_of_date, cadence, month_start FROM int_calendar__window_days WHERE period = 'TY') AS m
    ON m.month_start BETWEEN k.valid_from AND k.valid_to
GROUP BY m.as_of_date, m.cadence, m.month_start, k.brand_code
