-- The master call list of every SR position of the as-of tree for each month a month-aligned
-- window (month to date, month, quarter, year) touches, with the calls that count against each
-- listed doctor: a doctor call, submitted, inside the window's days of the plan month, stamped
-- with the plan's territory (KPI catalogue 2; whoever made it, so a vacancy's cover counts).
-- Day and fortnight windows have no plan figures: a plan is monthly.
-- Grain: one row per as-of date, cadence, window, SR position, month and listed HCP.
CREATE OR REPLACE VIEW int_effort__plan_hcps AS
WITH window_months AS (
    SELECT DISTINCT wd.as_of_date, wd.cadence, wd.window_id, d.month_start
    FROM int_calendar__window_days AS wd
    JOIN int_calendar__dates AS d ON d.cal_date = wd.day
    WHERE wd.period = 'TY' AND wd.window_id IN ('mtd', 'month', 'qtd', 'ytd')
),
counted AS (
    SELECT wd.as_of_date, wd.cadence, wd.window_id, d.month_start, c.territory_code, c.hcp_id, count(*) AS calls
    FROM int_calendar__window_days AS wd
    JOIN int_calendar__dates AS d ON d.cal_date = wd.day
    JOIN stg_crm__calls AS c ON c.dt = wd.dt
    WHERE wd.period = 'TY' AND wd.window_id IN ('mtd', 'month', 'qtd', 'ytd')
        AND c.call_type = 'DOCTOR' AND c.submitted_at IS NOT NULL
    GROUP BY wd.as_of_date, wd.cadence, wd.window_id, d.month_start, c.territory_code, c.hcp_id
)
SELECT
    m.as_of_date,
    m.cadence,
    m.window_id,
    p.position_id,
    m.month_start,
    cp.hcp_id,
    cp.hcp_class,
    cp.planned_calls,
    COALESCE(k.calls, 0) AS actual_calls
FROM window_months AS m
JOIN stg_crm__call_plans AS cp ON cp.dt = CAST(m.month_start AS VARCHAR)
JOIN int_hr__positions_asof AS p
    ON p.as_of_date = m.as_of_date AND p.position_id = cp.position_id AND p.role = 'SR'
LEFT JOIN counted AS k
    ON k.as_of_date = m.as_of_date AND k.cadence = m.cadence AND k.window_id = m.window_id
    AND k.month_start = m.month_start AND k.territory_code = cp.territory_code AND k.hcp_id = cp.hcp_id
