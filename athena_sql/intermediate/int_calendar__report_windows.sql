-- The windows each cadence reports for an as-of date (KPI catalogue 6), and the same calendar
-- dates one year earlier for growth:
--   daily:       the day, and month to date;
--   fortnightly: the fortnight to date (1st-15th or 16th-month end), and month to date;
--   monthly:     the closed month, quarter to date and fiscal year to date (closed windows: no
--                balance to go or required run-rate); int_calendar__closed_months says which.
-- month_start / month_end: the as-of date's month, whatever the cadence (the month whose target a
-- balance to go counts, and whose previous month is the last closed statement month).
-- Every window comes from one read of int_calendar__closed_months: each view below reads the
-- calendar once per window list, not once per window.
-- Grain: one row per as-of date, cadence and window.
CREATE OR REPLACE VIEW int_calendar__report_windows AS
WITH windows AS (
    SELECT
        c.as_of_date,
        k.cadence,
        k.window_id,
        k.window_order,
        CASE k.window_id
            WHEN 'day' THEN c.as_of_date
            WHEN 'fortnight' THEN c.as_of_fortnight_start
            WHEN 'mtd' THEN c.as_of_month_start
            WHEN 'month' THEN c.month_start
            WHEN 'qtd' THEN c.fiscal_quarter_start
            WHEN 'ytd' THEN c.fiscal_year_start
        END AS start_date,
        CASE WHEN k.cadence = 'monthly' THEN c.month_end ELSE c.as_of_date END AS end_date,
        k.cadence = 'monthly' AS is_closed,
        c.as_of_month_start AS month_start,
        c.as_of_month_end AS month_end
    FROM int_calendar__closed_months AS c
    CROSS JOIN (
        VALUES
            ('daily', 'day', 1),
            ('daily', 'mtd', 2),
            ('fortnightly', 'fortnight', 1),
            ('fortnightly', 'mtd', 2),
            ('monthly', 'month', 1),
            ('monthly', 'qtd', 2),
            ('monthly', 'ytd', 3)
    ) AS k (cadence, window_id, window_order)
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
WHERE start_date IS NOT NULL
