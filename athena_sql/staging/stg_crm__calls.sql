-- Calls on their call date, stamped with the territory worked at the time, with how many days after the call its report was submitted.
-- Grain: one row per call.
CREATE OR REPLACE VIEW stg_crm__calls AS
SELECT
    call_date,
    call_id,
    employee_id,
    territory_code,
    call_type,
    hcp_id,
    chemist_code,
    stockist_code,
    clm_used,
    joint_employee_id,
    call_started_at,
    submitted_at,
    submitted_days_after,
    dt
FROM cur_crm__calls
