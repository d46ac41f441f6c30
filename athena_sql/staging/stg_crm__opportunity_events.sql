-- Institutional opportunity events on their own day; amount and competitor as known after the event.
-- Grain: one row per event.
CREATE OR REPLACE VIEW stg_crm__opportunity_events AS
SELECT
    event_date,
    event_id,
    opportunity_id,
    version,
    event_type,
    event_at,
    employee_id,
    from_stage,
    to_stage,
    amount,
    competitor,
    dt
FROM cur_crm__opportunity_events
