-- Key HCPs of each SR position's territory (int_effort__key_hcps) and whether the position's field
-- force reached them in the window on any channel: a call by the position's holder (with or
-- without e-detailing), or an event held for the territory promoting a brand of the position's
-- division (KPI catalogue 2).
-- Grain: one row per as-of date, cadence, window, SR position and key HCP.
CREATE OR REPLACE VIEW int_effort__key_hcp_reach AS
WITH reach AS (
    -- Every key HCP with nothing reached, plus a row per channel that reached it; one row per key
    -- HCP below. Each channel meets the key HCPs as soon as it can, before it is made distinct.
    SELECT as_of_date, cadence, window_id, position_id, hcp_id, 0 AS reached
    FROM int_effort__key_hcps
    UNION ALL
    SELECT ws.as_of_date, ws.cadence, ws.window_id, s.position_id, s.hcp_id, 1 AS reached
    FROM (
        -- Calls to key HCPs by SR holders, per span: each day once, only the calls that can count.
        SELECT DISTINCT h.as_of_date, h.cadence, h.span_start, h.position_id, c.hcp_id
        FROM stg_crm__calls AS c
        JOIN (SELECT DISTINCT as_of_date, hcp_id FROM int_effort__key_hcps) AS k ON k.hcp_id = c.hcp_id
        JOIN int_hr__span_holder_days AS h
            ON h.as_of_date = k.as_of_date AND h.dt = c.dt AND h.employee_id = c.employee_id
        WHERE h.role = 'SR'
    ) AS s
    JOIN int_calendar__window_spans AS ws
        ON ws.as_of_date = s.as_of_date AND ws.cadence = s.cadence AND ws.period = 'TY' AND ws.span_start = s.span_start
    JOIN int_effort__key_hcps AS u
        ON u.as_of_date = ws.as_of_date AND u.cadence = ws.cadence AND u.window_id = ws.window_id
        AND u.position_id = s.position_id AND u.hcp_id = s.hcp_id
    UNION ALL
    SELECT wd.as_of_date, wd.cadence, wd.window_id, o.position_id, e.hcp_id, 1 AS reached
    FROM stg_evt__attendance AS e
    JOIN int_calendar__window_days AS wd ON wd.dt = e.dt
    JOIN int_erp__brand_divisions AS b
        ON b.brand_code = e.brand_code AND e.event_date BETWEEN b.valid_from AND b.valid_to
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = wd.as_of_date AND o.territory_code = e.territory_code AND o.division_code = b.division_code
    JOIN int_effort__key_hcps AS u
        ON u.as_of_date = wd.as_of_date AND u.cadence = wd.cadence AND u.window_id = wd.window_id
        AND u.position_id = o.position_id AND u.hcp_id = e.hcp_id
    WHERE wd.period = 'TY'
)
SELECT
    as_of_date,
    cadence,
    window_id,
    position_id,
    hcp_id,
    max(reached) = 1 AS reached
FROM reach
GROUP BY as_of_date, cadence, window_id, position_id, hcp_id
