-- Each employee's calls per day: counts by type, e-detailing, and how late the day's reports
-- were submitted (on time when every call was submitted within the config's dcr_allowed_days).
-- Grain: one row per employee and call date.
CREATE OR REPLACE VIEW int_effort__employee_call_days AS
WITH detailing AS (
    SELECT call_date, employee_id, sum(seconds) AS clm_seconds, sum(slides_shown) AS slides_shown,
           sum(key_message_slides) AS key_message_slides
    FROM stg_clm__detailing
    GROUP BY call_date, employee_id
)
SELECT
    c.call_date AS day,
    c.dt,
    c.employee_id,
    count(*) AS all_calls,
    count_if(c.call_type = 'DOCTOR') AS doctor_calls,
    count_if(c.call_type IN ('CHEMIST', 'STOCKIST')) AS chemist_calls,
    count_if(c.clm_used) AS clm_calls,
    count_if(c.submitted_at IS NOT NULL) AS submitted_calls,
    count_if(c.submitted_at IS NULL) AS unsubmitted_calls,
    max(c.submitted_days_after) AS latest_submission_days,
    max(d.clm_seconds) AS clm_seconds,
    max(d.slides_shown) AS slides_shown,
    max(d.key_message_slides) AS key_message_slides
FROM stg_crm__calls AS c
LEFT JOIN detailing AS d ON d.call_date = c.call_date AND d.employee_id = c.employee_id
GROUP BY c.call_date, c.dt, c.employee_id
