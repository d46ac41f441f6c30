-- Each SR position of the as-of tree on each day of the window it existed, with how many people
-- held it that day: a vacant position-day has none (KPI catalogue 6).
-- Grain: one row per as-of date, cadence, window, day and SR position.
CREATE OR REPLACE VIEW int_hr__sr_position_days AS
SELECT
    wd.as_of_date,
    wd.cadence,
    wd.window_id,
    wd.day,
    p.position_id,
    count(a.employee_id) AS holders
FROM int_calendar__window_days AS wd
JOIN int_hr__positions_asof AS p ON p.as_of_date = wd.as_of_date AND p.role = 'SR'
JOIN stg_hr__position_versions AS v ON v.position_id = p.position_id AND wd.day BETWEEN v.valid_from AND v.valid_to
LEFT JOIN stg_hr__assignments AS a ON a.position_id = p.position_id AND wd.day BETWEEN a.valid_from AND a.valid_to
WHERE wd.period = 'TY'
GROUP BY wd.as_of_date, wd.cadence, wd.window_id, wd.day, p.position_id
