-- A person's own attainment in a window, for everyone who holds an SR position on the as-of date
-- (KPI catalogue 3, mid-month transfer): actual = each territory's net primary (of the position's
-- division) on the days the person held it; target = each month's territory target x the working
-- days the person held it / the month's working days. A rep who moved mid-month is measured on
-- both territories, each for its own days.
-- Grain: one row per as-of date, cadence, window and person.
CREATE OR REPLACE VIEW mart_sales__rep_attainment AS
WITH month_targets AS (
    -- Each month's territory target per division, for the months the windows touch.
    SELECT b.as_of_date, b.cadence, t.target_month, t.territory_code, b.division_code, sum(t.target_value) AS target_value,
           max(wd.month_working_days) AS month_working_days
    FROM stg_erp__targets AS t
    JOIN int_targets__brand_divisions AS b ON CAST(b.month_start AS VARCHAR) = t.dt AND b.brand_code = t.brand_code
    JOIN stg_hr__territory_versions AS tv
        ON tv.territory_code = t.territory_code AND t.target_month BETWEEN tv.valid_from AND tv.valid_to
    JOIN (SELECT country, month_start, count_if(is_working_day) AS month_working_days
          FROM stg_ref__calendar GROUP BY country, month_start) AS wd
        ON wd.country = tv.country AND wd.month_start = t.target_month
    GROUP BY b.as_of_date, b.cadence, t.target_month, t.territory_code, b.division_code
),
-- One stream of measures, summed per person below: every branch keeps the as-of date, cadence
-- and window, so a query's filter on them reaches each branch.
measures AS (
    SELECT as_of_date, cadence, window_id, employee_id, day, position_id,
           CAST(NULL AS DECIMAL(18, 2)) AS net_value, CAST(NULL AS DOUBLE) AS target_value
    FROM int_sales__rep_held_days
    UNION ALL
    SELECT h.as_of_date, h.cadence, h.window_id, h.employee_id, NULL AS day, NULL AS position_id, s.net_value,
           NULL AS target_value
    FROM int_sales__rep_held_days AS h
    JOIN int_primary__window_territory_days AS s
        ON s.as_of_date = h.as_of_date AND s.cadence = h.cadence AND s.window_id = h.window_id
        AND s.day = h.day AND s.territory_code = h.territory_code AND s.division_code = h.division_code
    UNION ALL
    SELECT hm.as_of_date, hm.cadence, hm.window_id, hm.employee_id, NULL AS day, NULL AS position_id, NULL AS net_value,
           CAST(mt.target_value AS DOUBLE) * hm.working_days_held / mt.month_working_days AS target_value
    FROM (
        SELECT as_of_date, cadence, window_id, employee_id, territory_code, division_code, month_start,
               count_if(is_working_day) AS working_days_held
        FROM int_sales__rep_held_days
        GROUP BY as_of_date, cadence, window_id, employee_id, territory_code, division_code, month_start
    ) AS hm
    JOIN month_targets AS mt
        ON mt.as_of_date = hm.as_of_date AND mt.cadence = hm.cadence AND mt.target_month = hm.month_start
        AND mt.territory_code = hm.territory_code AND mt.division_code = hm.division_code
    WHERE mt.month_working_days > 0
),
people AS (
    SELECT as_of_date, cadence, window_id, employee_id,
           count(DISTINCT day) AS days_held,
           count(DISTINCT position_id) AS positions_held,
           sum(net_value) AS net_value,
           sum(target_value) AS target_value
    FROM measures
    GROUP BY as_of_date, cadence, window_id, employee_id
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.window_order,
    w.start_date,
    w.end_date,
    p.employee_id,
    p.days_held,
    p.positions_held,
    COALESCE(p.net_value, CAST(0 AS DECIMAL(18, 2))) AS net_value,
    round(round(p.target_value, 8), 2) AS target_value,
    CASE WHEN p.target_value > 0
        THEN round(round(CAST(COALESCE(p.net_value, 0) AS DOUBLE) / p.target_value * 100, 8), 2)
    END AS attainment_pct
FROM people AS p
JOIN int_calendar__report_windows AS w
    ON w.as_of_date = p.as_of_date AND w.cadence = p.cadence AND w.window_id = p.window_id
