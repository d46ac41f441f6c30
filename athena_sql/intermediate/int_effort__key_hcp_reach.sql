-- Key HCPs of each SR position's territory (as of the as-of date) and whether the position's
-- field force reached them in the window on any channel: a call by the position's holder
-- (with or without e-detailing), or an event held for the territory promoting a brand of the
-- position's division (KPI catalogue 2).
-- Grain: one row per as-of date, cadence, window, SR position and key HCP.
CREATE OR REPLACE VIEW int_effort__key_hcp_reach AS
WITH universe AS (
    SELECT w.as_of_date, w.cadence, w.window_id, p.position_id, h.hcp_id
    FROM int_calendar__report_windows AS w
    JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date AND p.role = 'SR'
    JOIN stg_crm__hcp_versions AS h
        ON h.territory_code = p.territory_code AND w.as_of_date BETWEEN h.valid_from AND h.valid_to
    WHERE h.is_key_hcp
),
by_call AS (
    SELECT DISTINCT h.as_of_date, h.cadence, h.window_id, h.position_id, c.hcp_id
    FROM int_hr__holder_days AS h
    JOIN stg_crm__calls AS c ON c.dt = h.dt AND c.employee_id = h.employee_id
    WHERE h.role = 'SR' AND c.hcp_id IS NOT NULL
),
by_event AS (
    SELECT DISTINCT wd.as_of_date, wd.cadence, wd.window_id, o.position_id, e.hcp_id
    FROM int_calendar__window_days AS wd
    JOIN stg_evt__attendance AS e ON e.dt = wd.dt
    JOIN int_erp__brand_divisions AS b
        ON b.brand_code = e.brand_code AND e.event_date BETWEEN b.valid_from AND b.valid_to
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = wd.as_of_date AND o.territory_code = e.territory_code AND o.division_code = b.division_code
    WHERE wd.period = 'TY'
)
SELECT
    u.as_of_date,
    u.cadence,
    u.window_id,
    u.position_id,
    u.hcp_id,
    (c.hcp_id IS NOT NULL OR e.hcp_id IS NOT NULL) AS reached
FROM universe AS u
LEFT JOIN by_call AS c
    ON c.as_of_date = u.as_of_date AND c.cadence = u.cadence AND c.window_id = u.window_id
    AND c.position_id = u.position_id AND c.hcp_id = u.hcp_id
LEFT JOIN by_event AS e
    ON e.as_of_date = u.as_of_date AND e.cadence = u.cadence AND e.window_id = u.window_id
    AND e.position_id = u.position_id AND e.hcp_id = u.hcp_id
