-- Who held which position on each day of a report window, with the position as it was that day:
-- the "as was" base of a person's own figures (a transferred rep's days in each territory) and
-- of field days and joint working.
-- Grain: one row per as-of date, cadence, window, day, position and holder.
CREATE OR REPLACE VIEW int_hr__holder_days AS
SELECT
    wd.as_of_date,
    wd.cadence,
    wd.window_id,
    wd.day,
    wd.dt,
    a.position_id,
    a.employee_id,
    v.role,
    v.territory_code,
    v.division_code
FROM int_calendar__window_days AS wd
JOIN stg_hr__assignments AS a ON wd.day BETWEEN a.valid_from AND a.valid_to
JOIN stg_hr__position_versions AS v ON v.position_id = a.position_id AND wd.day BETWEEN v.valid_from AND v.valid_to
WHERE wd.period = 'TY'
