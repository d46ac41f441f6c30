-- Who held which position on each day of the report windows (TY), with the position as it was
-- that day, each day once however many windows hold it (with its span,
-- int_calendar__window_days): the base of int_hr__holder_days, and of views that sum a holder's
-- activity per span before adding spans up per window.
-- Grain: one row per as-of date, cadence, day, position and holder.
CREATE OR REPLACE VIEW int_hr__span_holder_days AS
SELECT
    sd.as_of_date,
    sd.cadence,
    sd.span_start,
    sd.day,
    sd.dt,
    a.position_id,
    a.employee_id,
    v.role,
    v.territory_code,
    v.division_code
FROM int_calendar__span_days AS sd
JOIN stg_hr__assignments AS a ON sd.day BETWEEN a.valid_from AND a.valid_to
JOIN stg_hr__position_versions AS v ON v.position_id = a.position_id AND sd.day BETWEEN v.valid_from AND v.valid_to
WHERE sd.period = 'TY'
