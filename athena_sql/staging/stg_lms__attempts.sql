-- Assessment attempts on the day attempted.
-- Grain: one row per assignment and attempt.
CREATE OR REPLACE VIEW stg_lms__attempts AS
SELECT
    attempted_on,
    employee_id,
    course_id,
    assigned_on,
    attempt_no,
    attempted_at,
    score,
    passed,
    dt
FROM cur_lms__attempts
