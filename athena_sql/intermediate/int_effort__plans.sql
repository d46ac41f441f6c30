-- The master call lists the month-aligned windows count (int_effort__plan_days): every SR
-- position of the as-of tree, for each month a plan window touches, each listed HCP with its class
-- and planned calls.
-- Grain: one row per as-of date, cadence, month, SR position and listed HCP.
CREATE OR REPLACE VIEW int_effort__plans AS
WITH months AS (
    SELECT DISTINCT as_of_date, cadence, month_start
    FROM int_effort__plan_days
)
SELECT
    m.as_of_date,
    m.cadence,
    m.month_start,
    p.position_id,
    cp.territory_code,
    cp.hcp_id,
    cp.hcp_class,
    cp.planned_calls
FROM stg_crm__call_plans AS cp
JOIN months AS m ON CAST(m.month_start AS VARCHAR) = cp.dt
JOIN int_hr__positions_asof AS p
    ON p.as_of_date = m.as_of_date AND p.position_id = cp.position_id AND p.role = 'SR'
