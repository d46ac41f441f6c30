-- Course assignments on the day they were made.
-- Grain: one row per employee, course and assignment day.
CREATE OR REPLACE VIEW stg_lms__assignments AS
SELECT
    assigned_on,
    employee_id,
    course_id,
    due_on,
    dt
FROM cur_lms__assignments
