-- For every as-of date, the month a monthly report closes, with its fiscal quarter and year: the
-- as-of date's own month once no working day of the main country is left in it (the schedule's
-- run date, the last business day, closes its month even when the month ends on a weekly off),
-- else the month before (a monthly report dated 3 June covers May); and the as-of date's own
-- fortnight and month, so the report windows of every cadence come from this one view. The
-- closed month is null where the calendar does not reach back to it.
-- Grain: one row per as-of date.
CREATE OR REPLACE VIEW int_calendar__closed_months AS
WITH last_working AS (
    SELECT c.month_start, max(c.cal_date) AS last_working_day
    FROM stg_ref__calendar AS c
    JOIN stg_ref__parameters AS prm ON c.country = prm.main_country
    WHERE c.is_working_day
    GROUP BY c.month_start
)
SELECT
    d.as_of_date,
    d.fortnight_start AS as_of_fortnight_start,
    d.month_start AS as_of_month_start,
    d.month_end AS as_of_month_end,
    m.month_start,
    m.month_end,
    m.fiscal_quarter_start,
    m.fiscal_year_start
FROM int_calendar__as_of_dates AS d
LEFT JOIN last_working AS lw ON lw.month_start = d.month_start
LEFT JOIN int_calendar__dates AS m
    ON m.cal_date = CASE
        WHEN d.as_of_date >= COALESCE(lw.last_working_day, d.month_end) THEN d.month_end
        ELSE CAST(date_add('day', -1, d.month_start) AS DATE)
    END
