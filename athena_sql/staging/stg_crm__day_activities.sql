-- What each field employee did on each working day (FIELD, LEAVE, MEETING, ADMIN, TRAVEL).
-- Grain: one row per employee and day.
CREATE OR REPLACE VIEW stg_crm__day_activities AS
SELECT
    activity_date,
    employee_id,
    activity,
    territory_code,
    dt
FROM cur_crm__day_activities
