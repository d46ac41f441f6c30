-- Each employee's calls per day of the report windows: counts by type (and of those submitted, the
-- calls a call average counts), e-detailing, and how late the day's reports were submitted (on
-- time when every call was submitted within the config's dcr_allowed_days). Only the windows' days
-- are read (each once, int_calendar__span_days).
-- Grain: one row per as-of date, cadence, employee and call date.
CREATE OR REPLACE VIEW int_effort__employee_call_days AS
WITH calls AS (
    SELECT
        days.as_of_date, days.cadence, c.call_date, c.dt, c.employee_id,
        count(*) AS all_calls,
        count_if(c.call_type = 'DOCTOR') AS doctor_calls,
        count_if(c.call_type IN ('CHEMIST', 'STOCKIST')) AS chemist_calls,
        count_if(c.call_type = 'DOCTOR' AND c.submitted_at IS NOT NULL) AS submitted_doctor_calls,
        count_if(c.call_type IN ('CHEMIST', 'STOCKIST') AND c.submitted_at IS NOT NULL) AS submitted_chemist_calls,
        count_if(c.clm_used) AS clm_calls,
        count_if(c.submitted_at IS NOT NULL) AS submitted_calls,
        count_if(c.submitted_at IS NULL) AS unsubmitted_calls,
        max(c.submitted_days_after) AS latest_submission_days
    FROM stg_crm__calls AS c
    JOIN int_calendar__span_days AS days ON days.dt = c.dt AND days.period = 'TY'
    GROUP BY days.as_of_date, days.cadence, c.call_date, c.dt, c.employee_id
),
detailing AS (
    SELECT days.as_of_date, days.cadence, d.call_date, d.employee_id, sum(d.seconds) AS clm_seconds,
           sum(d.slides_shown) AS slides_shown, sum(d.key_message_slides) AS key_message_slides
    FROM stg_clm__detailing AS d
    JOIN int_calendar__span_days AS days ON days.dt = d.dt AND days.period = 'TY'
    GROUP BY days.as_of_date, days.cadence, d.call_date, d.employee_id
)
SELECT
    c.as_of_date,
    c.cadence,
    c.call_date AS day,
    c.dt,
    c.employee_id,
    c.all_calls,
    c.doctor_calls,
    c.chemist_calls,
    c.submitted_doctor_calls,
    c.submitted_chemist_calls,
    c.clm_calls,
    c.submitted_calls,
    c.unsubmitted_calls,
    c.latest_submission_days,
    d.clm_seconds,
    d.slides_shown,
    d.key_message_slides
FROM calls AS c
LEFT JOIN detailing AS d
    ON d.as_of_date = c.as_of_date AND d.cadence = c.cadence AND d.call_date = c.call_date
    AND d.employee_id = c.employee_id
