-- The course assignments that count for a team member on an as-of date: made in the
-- training_lookback_days up to it.
-- Grain: one row per as-of date, person, course and assignment day.
CREATE OR REPLACE VIEW int_training__assignments AS
SELECT
    d.as_of_date,
    a.employee_id,
    a.course_id,
    a.assigned_on,
    a.due_on
FROM stg_lms__assignments AS a
JOIN int_training__lookback_days AS d ON d.dt = a.dt
JOIN (SELECT DISTINCT as_of_date, employee_id FROM int_training__teams) AS pe
    ON pe.as_of_date = d.as_of_date AND pe.employee_id = a.employee_id
