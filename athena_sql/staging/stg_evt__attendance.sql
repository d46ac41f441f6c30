-- Event attendance on the event date.
-- Grain: one row per event and HCP.
CREATE OR REPLACE VIEW stg_evt__attendance AS
SELECT
    event_date,
    event_id,
    event_type,
    brand_code,
    territory_code,
    organiser_employee_id,
    hcp_id,
    dt
FROM cur_evt__attendance
