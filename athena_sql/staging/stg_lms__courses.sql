-- The course catalogue as the LMS sends it now.
-- Grain: one row per course.
CREATE OR REPLACE VIEW stg_lms__courses AS
SELECT
    course_id,
    course_title,
    category,
    brand_code,
    is_mandatory,
    pass_score
FROM cur_lms__courses
