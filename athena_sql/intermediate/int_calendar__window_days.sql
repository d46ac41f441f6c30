-- Every day of every report window (period TY) and of the same window a year earlier (LY), with
-- the day as the curated facts' partition value, so a window reads only its own partitions.
-- Grain: one row per as-of date, cadence, window, period and day.
CREATE OR REPLACE VIEW int_calendar__window_days AS
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    'TY' AS period,
    CAST(d.day AS DATE) AS day,
    CAST(CAST(d.day AS DATE) AS VARCHAR) AS dt
FROM int_calendar__report_windows AS w
CROSS JOIN UNNEST(sequence(w.start_date, w.end_date, INTERVAL '1' DAY)) AS d (day)
UNION ALL
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    'LY' AS period,
    CAST(d.day AS DATE) AS day,
    CAST(CAST(d.day AS DATE) AS VARCHAR) AS dt
FROM int_calendar__report_windows AS w
CROSS JOIN UNNEST(sequence(w.ly_start_date, w.ly_end_date, INTERVAL '1' DAY)) AS d (day)
