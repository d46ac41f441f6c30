-- Each plan month's listed doctors (int_effort__plans) with the calls that count against them: a
-- doctor call, submitted, on a day of the month the plan windows hold (int_effort__plan_days),
-- stamped with the plan's territory (KPI catalogue 2; whoever made it, so a vacancy's cover
-- counts).
-- Grain: one row per as-of date, cadence, month, SR position and listed HCP.
CREATE OR REPLACE VIEW int_effort__plan_hcps AS
WITH days AS (
    SELECT DISTINCT as_of_date, cadence, month_start, dt
    FROM int_effort__plan_days
),
calls AS (
    SELECT d.as_of_date, d.cadence, d.month_start, c.territory_code, c.hcp_id, count(*) AS calls
    FROM stg_crm__calls AS c
    JOIN days AS d ON d.dt = c.dt
    WHERE c.call_type = 'DOCTOR' AND c.submitted_at IS NOT NULL
    GROUP BY d.as_of_date, d.cadence, d.month_start, c.territory_code, c.hcp_id
)
SELECT
    p.as_of_date,
    p.cadence,
    p.month_start,
    p.position_id,
    p.hcp_id,
    p.hcp_class,
    p.planned_calls,
    COALESCE(c.calls, 0) AS actual_calls
FROM int_effort__plans AS p
LEFT JOIN calls AS c
    ON c.as_of_date = p.as_of_date AND c.cadence = p.cadence AND c.month_start = p.month_start
    AND c.territory_code = p.territory_code AND c.hcp_id = p.hcp_id
