-- The days whose training activity counts on an as-of date: the training_lookback_days up to it.
-- Assignments, completions and attempts are read from these days' partitions only (a completion
-- or attempt comes on or after its assignment).
-- Grain: one row per as-of date and day.
CREATE OR REPLACE VIEW int_training__lookback_days AS
SELECT
    a.as_of_date,
    d.cal_date AS day,
    CAST(d.cal_date AS VARCHAR) AS dt
FROM int_calendar__dates AS d
JOIN int_calendar__as_of_dates AS a ON d.cal_date <= a.as_of_date
CROSS JOIN stg_ref__parameters AS prm
WHERE d.cal_date > CAST(date_add('day', -prm.training_lookback_days, a.as_of_date) AS DATE)
