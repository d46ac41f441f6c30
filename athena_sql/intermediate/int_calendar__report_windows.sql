-- The windows each cadence reports for an as-of date (KPI catalogue 6), and the same calendar
-- dates one year earlier for growth:
--   daily:       the day, and month to date;
--   fortnightly: the fortnight to date (1st-15th or 16th-month end), and month to date;
--   monthly:     the closed month, quarter to date and fiscal year to date (closed windows: no
--                balance to go or required run-rate). The closed month is the as-of date's own
--                month once no working day of the main country is left in it (the schedule's
--                run date, the last business day, closes its month even when the month ends on a
--                weekly off), else the month before (a monthly report dated 3 June covers May).
-- month_start / month_end: the as-of date's month, whatever the cadence (the month whose target a
-- balance to go counts, and whose previous month is the last closed statement month).
-- Grain: one row per as-of date, cadence and window.
CREATE OR REPLACE VIEW int_calendar__report_windows AS
WITH last_working AS (
    SELECT c.month_start, max(c.cal_date) AS last_working_day
    FROM stg_ref__calendar AS c
    JOIN stg_ref__parameters AS prm ON c.country = prm.main_country
    WHERE c.is_working_day
    GROUP BY c.month_start
),
closed AS (
    SELECT
        d.cal_date AS as_of_date, d.month_start AS as_of_month_start, d.month_end AS as_of_month_end,
        m.month_start, m.month_end, m.fiscal_quarter_start, m.fiscal_year_start
    FROM int_calendar__dates AS d
    LEFT JOIN last_working AS lw ON lw.month_start = d.month_start
    JOIN int_calendar__dates AS m
        ON m.cal_date = CASE
            WHEN d.cal_date >= COALESCE(lw.last_working_day, d.month_end) THEN d.month_end
            ELSE CAST(date_add('day', -1, d.month_start) AS DATE)
        END
),
windows AS (
    SELECT cal_date AS as_of_date, 'daily' AS cadence, 'day' AS window_id, 1 AS window_order,
           cal_date AS start_date, cal_date AS end_date, FALSE AS is_closed, month_start, month_end
    FROM int_calendar__dates
    UNION ALL
    SELECT cal_date, 'daily', 'mtd', 2, month_start, cal_date, FALSE, month_start, month_end
    FROM int_calendar__dates
    UNION ALL
    SELECT cal_date, 'fortnightly', 'fortnight', 1, fortnight_start, cal_date, FALSE, month_start, month_end
    FROM int_calendar__dates
    UNION ALL
    SELECT cal_date, 'fortnightly', 'mtd', 2, month_start, cal_date, FALSE, month_start, month_end
    FROM int_calendar__dates
    UNION ALL
    SELECT as_of_date, 'monthly', 'month', 1, month_start, month_end, TRUE, as_of_month_start, as_of_month_end
    FROM closed
    UNION ALL
    SELECT as_of_date, 'monthly', 'qtd', 2, fiscal_quarter_start, month_end, TRUE, as_of_month_start, as_of_month_end
    FROM closed
    UNION ALL
    SELECT as_of_date, 'monthly', 'ytd', 3, fiscal_year_start, month_end, TRUE, as_of_month_start, as_of_month_end
    FROM closed
)
SELECT
    as_of_date,
    cadence,
    window_id,
    window_order,
    start_date,
    end_date,
    CAST(date_add('year', -1, start_date) AS DATE) AS ly_start_date,
    CAST(date_add('year', -1, end_date) AS DATE) AS ly_end_date,
    is_closed,
    month_start,
    month_end
FROM windows
