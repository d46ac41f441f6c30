-- Targets of each report window per territory and brand: a month's target counts in the share
-- of its working days (in the territory's country) that fall inside the window, so a full month
-- counts whole and month to date counts its working days so far (KPI catalogue 6). The brand's
-- division (from the SKUs on the target month; the greatest code where its SKUs span several) says
-- which SR position owns the target, so a target counts once. month_target_value: the whole
-- target of the as-of date's month (what a balance to go counts from), where the window
-- touches that month.
-- Grain: one row per as-of date, cadence, window, territory and brand.
CREATE OR REPLACE VIEW int_targets__window AS
WITH brand_divisions AS (
    SELECT t.target_month, t.brand_code, max(k.division_code) AS division_code
    FROM (SELECT DISTINCT target_month, brand_code FROM stg_erp__targets) AS t
    JOIN stg_erp__sku_versions AS k
        ON k.brand_code = t.brand_code AND t.target_month BETWEEN k.valid_from AND k.valid_to
    GROUP BY t.target_month, t.brand_code
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    t.territory_code,
    t.brand_code,
    b.division_code,
    sum(CAST(t.target_value AS DOUBLE) * w.window_working_days / w.month_working_days) AS target_value,
    sum(CAST(t.target_units AS DOUBLE) * w.window_working_days / w.month_working_days) AS target_units,
    sum(CASE WHEN w.month_start = CAST(date_trunc('month', w.as_of_date) AS DATE) THEN t.target_value END)
        AS month_target_value
FROM int_calendar__working_days AS w
JOIN stg_hr__territory_versions AS tv
    ON tv.country = w.country AND w.as_of_date BETWEEN tv.valid_from AND tv.valid_to
JOIN stg_erp__targets AS t ON t.territory_code = tv.territory_code AND t.target_month = w.month_start
LEFT JOIN brand_divisions AS b ON b.target_month = t.target_month AND b.brand_code = t.brand_code
WHERE w.month_working_days > 0
GROUP BY w.as_of_date, w.cadence, w.window_id, t.territory_code, t.brand_code, b.division_code
