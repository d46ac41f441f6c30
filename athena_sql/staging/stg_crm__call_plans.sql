-- Master call lists per SR position and month; partition = the month.
-- Grain: one row per month, position and HCP.
CREATE OR REPLACE VIEW stg_crm__call_plans AS
SELECT
    plan_month,
    position_id,
    territory_code,
    hcp_id,
    hcp_class,
    planned_calls,
    dt
FROM cur_crm__call_plans
