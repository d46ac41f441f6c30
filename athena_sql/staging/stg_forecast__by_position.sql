-- The forecast job's stored forecasts (saleslens.forecast.job): each node of the position tree on
-- the origin (a month end), for the next 1, 2 and 3 calendar months, with its level's interval.
-- Grain: one row per origin, model, level, position and horizon.
CREATE OR REPLACE VIEW stg_forecast__by_position AS
SELECT
    origin,
    model,
    level,
    position_id,
    horizon_days,
    period_start,
    period_end,
    forecast,
    lower,
    upper,
    residuals,
    dt
FROM cur_forecast__by_position
