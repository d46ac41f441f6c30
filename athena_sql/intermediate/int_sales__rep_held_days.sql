-- The days each person holding an SR position on the as-of date held an SR position in a report
-- window (any SR position: a transferred rep's old territory too), with the position's territory
-- and division that day and whether the day was a working day of the territory's country.
-- Grain: one row per as-of date, cadence, window, day, person and SR position held.
CREATE OR REPLACE VIEW int_sales__rep_held_days AS
WITH people AS (
    SELECT DISTINCT h.as_of_date, h.employee_id
    FROM int_hr__holders_asof AS h
    JOIN int_hr__positions_asof AS p ON p.as_of_date = h.as_of_date AND p.position_id = h.position_id
    WHERE p.role = 'SR'
)
SELECT
    h.as_of_date,
    h.cadence,
    h.window_id,
    h.day,
    h.employee_id,
    h.position_id,
    h.territory_code,
    h.division_code,
    cal.month_start,
    cal.is_working_day
FROM int_hr__holder_days AS h
JOIN people AS pe ON pe.as_of_date = h.as_of_date AND pe.employee_id = h.employee_id
CROSS JOIN stg_ref__parameters AS prm
LEFT JOIN stg_hr__territory_versions AS t
    ON t.territory_code = h.territory_code AND h.day BETWEEN t.valid_from AND t.valid_to
JOIN stg_ref__calendar AS cal ON cal.country = COALESCE(t.country, prm.main_country) AND cal.cal_date = h.day
WHERE h.role = 'SR'
