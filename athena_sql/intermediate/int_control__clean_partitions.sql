-- The clean-zone partitions of ERP extracts that can hold a document dated in an as-of date's
-- windows: daily extracts dated from the first window day on (an extract never holds a document
-- dated after its own day), monthly backfill extracts (dated the first of the month they hold)
-- from that day's month on. A document an extract carries before its own date would be missed
-- by the control totals and break them: the run stops rather than sends.
-- Grain: one row per as-of date, cadence and partition date.
CREATE OR REPLACE VIEW int_control__clean_partitions AS
WITH first_days AS (
    SELECT as_of_date, cadence, min(day) AS first_day, min(month_start) AS first_month
    FROM int_calendar__window_days
    WHERE period = 'TY'
    GROUP BY as_of_date, cadence
)
SELECT
    f.as_of_date,
    f.cadence,
    CAST(d.cal_date AS VARCHAR) AS dt,
    d.cal_date >= f.first_day AS holds_daily,
    d.cal_date = d.month_start AS holds_backfill
FROM int_calendar__dates AS d
JOIN first_days AS f ON d.cal_date >= f.first_month
