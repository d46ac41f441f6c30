-- A person's own attainment in a window, for everyone who holds an SR position on the as-of date
-- (KPI catalogue 3, mid-month transfer): actual = each territory's net primary (of the position's
-- division) on the days the person held it; target = each month's territory target x the working
-- days the person held it / the month's working days. A rep who moved mid-month is measured on
-- both territories, each for its own days.
-- Grain: one row per as-of date, cadence, window and person.
CREATE OR REPLACE VIEW mart_sales__rep_attainment AS
WITH people AS (
    SELECT DISTINCT h.as_of_date, h.employee_id
    FROM int_hr__holders_asof AS h
    JOIN int_hr__positions_asof AS p ON p.as_of_date = h.as_of_date AND p.position_id = h.position_id
    WHERE p.role = 'SR'
),
held AS (
    SELECT h.as_of_date, h.cadence, h.window_id, h.day, h.employee_id, h.position_id, h.territory_code, h.division_code,
           cal.month_start, cal.is_working_day
    FROM int_hr__holder_days AS h
    JOIN people AS pe ON pe.as_of_date = h.as_of_date AND pe.employee_id = h.employee_id
    CROSS JOIN stg_ref__parameters AS prm
    LEFT JOIN stg_hr__territory_versions AS t
        ON t.territory_code = h.territory_code AND h.day BETWEEN t.valid_from AND t.valid_to
    JOIN stg_ref__calendar AS cal ON cal.country = COALESCE(t.country, prm.main_country) AND cal.cal_date = h.day
    WHERE h.role = 'SR'
),
actual AS (
    SELECT h.as_of_date, h.cadence, h.window_id, h.employee_id, sum(s.net_value) AS net_value
    FROM held AS h
    JOIN int_sales__territory_days AS s
        ON s.as_of_date = h.as_of_date AND s.cadence = h.cadence AND s.window_id = h.window_id
        AND s.doc_date = h.day AND s.territory_code = h.territory_code AND s.division_code = h.division_code
    GROUP BY h.as_of_date, h.cadence, h.window_id, h.employee_id
),
held_months AS (
    SELECT as_of_date, cadence, window_id, employee_id, territory_code, division_code, month_start,
           count_if(is_working_day) AS working_days_held
    FROM held
    GROUP BY as_of_date, cadence, window_id, employee_id, territory_code, division_code, month_start
),
brand_divisions AS (
    -- Whose a brand's target is, by the rule of int_targets__window (the division of the brand's
    -- SKUs on the target month; the greatest code where they span several): each target counts once.
    SELECT t.target_month, t.brand_code, max(k.division_code) AS division_code
    FROM (SELECT DISTINCT target_month, brand_code FROM stg_erp__targets) AS t
    JOIN stg_erp__sku_versions AS k
        ON k.brand_code = t.brand_code AND t.target_month BETWEEN k.valid_from AND k.valid_to
    GROUP BY t.target_month, t.brand_code
),
month_targets AS (
    SELECT t.target_month, t.territory_code, b.division_code, sum(t.target_value) AS target_value,
           max(wd.month_working_days) AS month_working_days
    FROM stg_erp__targets AS t
    JOIN brand_divisions AS b ON b.target_month = t.target_month AND b.brand_code = t.brand_code
    JOIN stg_hr__territory_versions AS tv
        ON tv.territory_code = t.territory_code AND t.target_month BETWEEN tv.valid_from AND tv.valid_to
    JOIN (SELECT country, month_start, count_if(is_working_day) AS month_working_days
          FROM stg_ref__calendar GROUP BY country, month_start) AS wd
        ON wd.country = tv.country AND wd.month_start = t.target_month
    GROUP BY t.target_month, t.territory_code, b.division_code
),
target AS (
    SELECT hm.as_of_date, hm.cadence, hm.window_id, hm.employee_id,
           sum(CAST(mt.target_value AS DOUBLE) * hm.working_days_held / mt.month_working_days) AS target_value
    FROM held_months AS hm
    JOIN month_targets AS mt
        ON mt.target_month = hm.month_start AND mt.territory_code = hm.territory_code
        AND mt.division_code = hm.division_code
    WHERE mt.month_working_days > 0
    GROUP BY hm.as_of_date, hm.cadence, hm.window_id, hm.employee_id
),
spans AS (
    SELECT as_of_date, cadence, window_id, employee_id, count(DISTINCT day) AS days_held,
           count(DISTINCT position_id) AS positions_held
    FROM held
    GROUP BY as_of_date, cadence, window_id, employee_id
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.window_order,
    w.start_date,
    w.end_date,
    s.employee_id,
    s.days_held,
    s.positions_held,
    COALESCE(a.net_value, CAST(0 AS DECIMAL(18, 2))) AS net_value,
    round(t.target_value, 2) AS target_value,
    CASE WHEN t.target_value > 0
        THEN round(CAST(COALESCE(a.net_value, 0) AS DOUBLE) / t.target_value * 100, 2)
    END AS attainment_pct
FROM spans AS s
JOIN int_calendar__report_windows AS w
    ON w.as_of_date = s.as_of_date AND w.cadence = s.cadence AND w.window_id = s.window_id
LEFT JOIN actual AS a
    ON a.as_of_date = s.as_of_date AND a.cadence = s.cadence AND a.window_id = s.window_id AND a.employee_id = s.employee_id
LEFT JOIN target AS t
    ON t.as_of_date = s.as_of_date AND t.cadence = s.cadence AND t.window_id = s.window_id AND t.employee_id = s.employee_id
