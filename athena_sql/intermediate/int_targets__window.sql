-- Targets of each report window per territory and brand: a month's target counts in the share
-- of its working days (in the territory's country) that fall inside the window, so a full month
-- counts whole and month to date counts its working days so far (KPI catalogue 6). The brand's
-- division (int_targets__brand_divisions) says which SR position owns the target, so a target
-- counts once. month_target_value: the whole
-- target of the as-of date's month (what a balance to go counts from), where the window
-- touches that month.
-- Grain: one row per as-of date, cadence, window, territory and brand.
CREATE OR REPLACE VIEW int_targets__window AS
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
FROM stg_erp__targets AS t
JOIN int_calendar__working_days AS w ON CAST(w.month_start AS VARCHAR) = t.dt
JOIN stg_hr__territory_versions AS tv
    ON tv.territory_code = t.territory_code AND tv.country = w.country AND w.as_of_date BETWEEN tv.valid_from AND tv.valid_to
LEFT JOIN int_targets__brand_divisions AS b
    ON b.as_of_date = w.as_of_date AND b.cadence = w.cadence AND b.month_start = t.target_month AND b.brand_code = t.brand_code
WHERE w.month_working_days > 0
GROUP BY w.as_of_date, w.cadence, w.window_id, t.territory_code, t.brand_code, b.division_code
