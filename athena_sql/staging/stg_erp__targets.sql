-- Monthly targets per territory and brand (value and units); partition = the month.
-- Grain: one row per territory, brand and month.
CREATE OR REPLACE VIEW stg_erp__targets AS
SELECT
    target_month,
    territory_code,
    brand_code,
    target_value,
    target_units,
    dt
FROM cur_erp__targets
