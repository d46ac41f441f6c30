-- Stored forecasts against the actuals of their horizons, once every month of a horizon closed
-- (saleslens.forecast.job): summed up the tree as it stood on the forecast's origin.
-- Grain: one row per origin, model, level, position and horizon whose months have closed.
CREATE OR REPLACE VIEW stg_forecast__accuracy AS
SELECT
    origin,
    model,
    level,
    position_id,
    horizon_days,
    period_start,
    period_end,
    forecast,
    actual,
    abs_pct_error,
    bias_pct,
    dt
FROM cur_forecast__accuracy
