-- Every day of every report window (period TY) and of the same window a year earlier (LY), with
-- the day as the curated facts' partition value, so a window reads only its own partitions.
-- span_start: the span a day's facts are summed in before they are given to windows. A month is
-- one span when every window of the as-of date, cadence and period that touches it holds all of
-- it (the month, quarter and year of a monthly report); otherwise each day is its own span. Facts
-- summed per span once and added up per window (int_calendar__window_spans) do the work of the
-- window days once, however many windows share them.
-- Grain: one row per as-of date, cadence, window, period and day.
CREATE OR REPLACE VIEW int_calendar__window_days AS
WITH periods AS (
    SELECT
        w.as_of_date, w.cadence, w.window_id, p.period,
        CASE WHEN p.period = 'TY' THEN w.start_date ELSE w.ly_start_date END AS start_date,
        CASE WHEN p.period = 'TY' THEN w.end_date ELSE w.ly_end_date END AS end_date
    FROM int_calendar__report_windows AS w
    CROSS JOIN (VALUES ('TY'), ('LY')) AS p (period)
),
placed AS (
    SELECT
        periods.as_of_date, periods.cadence, periods.window_id, periods.period, CAST(d.day AS DATE) AS day,
        CAST(date_trunc('month', d.day) AS DATE) AS month_start,
        periods.start_date <= CAST(date_trunc('month', d.day) AS DATE)
            AND periods.end_date >= last_day_of_month(d.day) AS holds_month
    FROM periods
    CROSS JOIN UNNEST(sequence(periods.start_date, periods.end_date, INTERVAL '1' DAY)) AS d (day)
)
SELECT
    as_of_date,
    cadence,
    window_id,
    period,
    day,
    CAST(day AS VARCHAR) AS dt,
    month_start,
    CASE WHEN bool_and(holds_month) OVER (PARTITION BY as_of_date, cadence, period, month_start)
        THEN month_start ELSE day
    END AS span_start
FROM placed
