-- Every day of the report windows an SR position was held, with its holder's effort that day (each
-- day once, with its span: int_hr__span_holder_days). A
-- field working day is a working day (of the territory's country) the CRM day-activity feed
-- records FIELD; where the feed has nothing for the person that day, a working day with at least
-- one submitted call (KPI catalogue 6).
-- doctor_calls and chemist_calls are what a call average counts: the submitted calls of a field
-- day (KPI catalogue 2: a call counts when it is submitted), so that the average is calls per field
-- day over the same days; calls on a weekly off, a holiday or a leave day, or never submitted,
-- count in all_calls (e-detailing share) only.
-- A field day is on time when it has calls and every one was submitted within dcr_allowed_days.
-- Grain: one row per as-of date, cadence, day, SR position and holder.
CREATE OR REPLACE VIEW int_effort__sr_days AS
WITH days AS (
    SELECT
        h.as_of_date,
        h.cadence,
        h.span_start,
        h.day,
        h.position_id,
        h.employee_id,
        COALESCE(cal.is_working_day, TRUE) AND CASE
            WHEN a.activity IS NOT NULL THEN a.activity = 'FIELD'
            ELSE COALESCE(cd.submitted_calls, 0) > 0
        END AS is_field_day,
        COALESCE(cd.all_calls, 0) AS all_calls,
        COALESCE(cd.submitted_doctor_calls, 0) AS submitted_doctor_calls,
        COALESCE(cd.submitted_chemist_calls, 0) AS submitted_chemist_calls,
        COALESCE(cd.clm_calls, 0) AS clm_calls,
        COALESCE(cd.clm_seconds, 0) AS clm_seconds,
        COALESCE(cd.slides_shown, 0) AS slides_shown,
        COALESCE(cd.key_message_slides, 0) AS key_message_slides,
        COALESCE(cd.all_calls, 0) > 0 AND cd.unsubmitted_calls = 0
            AND cd.latest_submission_days <= prm.dcr_allowed_days AS submitted_on_time
    FROM int_hr__span_holder_days AS h
    LEFT JOIN (
        -- The feed of the windows' days only.
        SELECT sd.as_of_date, sd.cadence, a.dt, a.employee_id, a.activity
        FROM stg_crm__day_activities AS a
        JOIN int_calendar__span_days AS sd ON sd.dt = a.dt AND sd.period = 'TY'
    ) AS a ON a.as_of_date = h.as_of_date AND a.cadence = h.cadence AND a.dt = h.dt AND a.employee_id = h.employee_id
    LEFT JOIN int_effort__employee_call_days AS cd
        ON cd.as_of_date = h.as_of_date AND cd.cadence = h.cadence AND cd.dt = h.dt AND cd.employee_id = h.employee_id
    CROSS JOIN stg_ref__parameters AS prm
    LEFT JOIN stg_hr__territory_versions AS t
        ON t.territory_code = h.territory_code AND h.day BETWEEN t.valid_from AND t.valid_to
    LEFT JOIN stg_ref__calendar AS cal ON cal.country = COALESCE(t.country, prm.main_country) AND cal.cal_date = h.day
    WHERE h.role = 'SR'
)
SELECT
    as_of_date,
    cadence,
    span_start,
    day,
    position_id,
    employee_id,
    is_field_day,
    all_calls,
    CASE WHEN is_field_day THEN submitted_doctor_calls ELSE 0 END AS doctor_calls,
    CASE WHEN is_field_day THEN submitted_chemist_calls ELSE 0 END AS chemist_calls,
    clm_calls,
    clm_seconds,
    slides_shown,
    key_message_slides,
    submitted_on_time
FROM days
