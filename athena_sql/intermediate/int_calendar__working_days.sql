-- Working days per country and month, and per country, window and month: the denominators of
-- prorated targets (a partial month's target = the month's target x its working days in the
-- window / its working days; KPI catalogue 6).
-- Grain: one row per as-of date, cadence, window, country and month the window touches.
CREATE OR REPLACE VIEW int_calendar__working_days AS
WITH month_days AS (
    SELECT country, month_start, count_if(is_working_day) AS month_working_days
    FROM stg_ref__calendar
    GROUP BY country, month_start
)
SELECT
    wd.as_of_date,
    wd.cadence,
    wd.window_id,
    c.country,
    c.month_start,
    count_if(c.is_working_day) AS window_working_days,
    max(m.month_working_days) AS month_working_days
FROM int_calendar__window_days AS wd
JOIN stg_ref__calendar AS c ON c.cal_date = wd.day
JOIN month_days AS m ON m.country = c.country AND m.month_start = c.month_start
WHERE wd.period = 'TY'
GROUP BY wd.as_of_date, wd.cadence, wd.window_id, c.country, c.month_start
