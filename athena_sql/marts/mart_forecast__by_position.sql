-- Forecast net primary of every position of the tree on the as-of date for the 30/60/90 days
-- after the newest forecast origin before that date (issue 11; docs/kpis.md "Forecasts"): the
-- position's own row of its role's level, i.e. its whole subtree as the tree stood on the origin,
-- summed bottom-up from the territory x brand forecasts, with the interval of its level.
--   forecast / lower / upper   net primary of the horizon's whole months (period_start..period_end);
--   scored_*                   the newest earlier forecast of the same position and horizon whose
--                              months have all closed before the as-of date, against its actual:
--                              abs_pct_error = |actual - forecast| / actual x 100 and
--                              bias_pct = (forecast - actual) / actual x 100 (null when actual <= 0);
--   level_mape_pct / level_bias_pct  the same forecast origin over every position of the level:
--                              mean abs_pct_error (rows with actual > 0) and
--                              sum(forecast - actual) / sum(actual) x 100.
-- A position the forecast does not cover (no forecast yet: too little history, or the position is
-- newer than the origin) has no rows.
-- Grain: one row per as-of date, position and horizon.
CREATE OR REPLACE VIEW mart_forecast__by_position AS
WITH origins AS (
    SELECT DISTINCT origin FROM stg_forecast__by_position
),
latest AS (
    SELECT
        d.as_of_date,
        max(o.origin) AS origin
    FROM int_calendar__as_of_dates AS d
    JOIN origins AS o ON o.origin < d.as_of_date
    GROUP BY d.as_of_date
),
scored_origins AS (
    SELECT DISTINCT origin, horizon_days, period_end FROM stg_forecast__accuracy
),
scored_latest AS (
    SELECT
        d.as_of_date,
        s.horizon_days,
        max(s.origin) AS origin
    FROM int_calendar__as_of_dates AS d
    JOIN scored_origins AS s ON s.period_end < d.as_of_date
    GROUP BY d.as_of_date, s.horizon_days
),
levels AS (
    SELECT
        origin,
        model,
        level,
        horizon_days,
        avg(abs_pct_error) AS mape_pct,
        CASE WHEN sum(actual) > 0 THEN sum(forecast - actual) / sum(actual) * 100 END AS bias_pct
    FROM stg_forecast__accuracy
    GROUP BY origin, model, level, horizon_days
)
SELECT
    p.as_of_date,
    p.position_id,
    p.role,
    p.position_name,
    p.parent_position_id,
    f.origin,
    f.model,
    f.horizon_days,
    f.period_start,
    f.period_end,
    round(round(f.forecast, 8), 2) AS forecast,
    round(round(f.lower, 8), 2) AS lower,
    round(round(f.upper, 8), 2) AS upper,
    f.residuals,
    a.origin AS scored_origin,
    a.period_start AS scored_period_start,
    a.period_end AS scored_period_end,
    round(round(a.forecast, 8), 2) AS scored_forecast,
    round(round(a.actual, 8), 2) AS scored_actual,
    round(round(a.abs_pct_error, 8), 2) AS scored_abs_pct_error,
    round(round(a.bias_pct, 8), 2) AS scored_bias_pct,
    round(round(lv.mape_pct, 8), 2) AS level_mape_pct,
    round(round(lv.bias_pct, 8), 2) AS level_bias_pct
FROM int_hr__positions_asof AS p
JOIN latest AS l ON l.as_of_date = p.as_of_date
JOIN stg_forecast__by_position AS f
    ON f.origin = l.origin AND f.level = p.role AND f.position_id = p.position_id
LEFT JOIN scored_latest AS sl ON sl.as_of_date = p.as_of_date AND sl.horizon_days = f.horizon_days
LEFT JOIN stg_forecast__accuracy AS a
    ON a.origin = sl.origin AND a.model = f.model AND a.level = f.level AND a.position_id = f.position_id
    AND a.horizon_days = f.horizon_days
LEFT JOIN levels AS lv
    ON lv.origin = a.origin AND lv.model = a.model AND lv.level = a.level AND lv.horizon_days = a.horizon_days
