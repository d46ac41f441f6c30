-- Who held which position on each day of a report window, with the position as it was that day:
-- the "as was" base of a person's own figures (a transferred rep's days in each territory) and
-- of field days and joint working.
-- Grain: one row per as-of date, cadence, window, day, position and holder.
CREATE OR REPLACE VIEW int_hr__holder_days AS
SELECT
    wd.as_of_date,
    wd.cadence,
    wd.window_id,
    h.day,
    h.dt,
    h.position_id,
    h.employee_id,
    h.role,
    h.territory_code,
    h.division_code
FROM int_hr__span_holder_days AS h
JOIN int_calendar__window_days AS wd
    ON wd.as_of_date = h.as_of_date AND wd.cadence = h.cadence AND wd.day = h.day AND wd.period = 'TY'
