-- Monthly institutional-business targets per territory and division; partition = the month.
-- Grain: one row per territory, division and month.
CREATE OR REPLACE VIEW stg_erp__institution_targets AS
SELECT
    target_month,
    territory_code,
    division_code,
    target_value,
    dt
FROM cur_erp__institution_targets
