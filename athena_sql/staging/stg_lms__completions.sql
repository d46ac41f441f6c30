-- Course completions on the day completed.
-- Grain: one row per completed assignment.
CREATE OR REPLACE VIEW stg_lms__completions AS
SELECT
    completed_on,
    employee_id,
    course_id,
    assigned_on,
    completed_at,
    time_spent_minutes,
    dt
FROM cur_lms__completions
