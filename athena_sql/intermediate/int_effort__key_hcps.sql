-- The key-HCP universe of each SR position of the as-of tree, per report window: the key HCPs
-- practising in its territory on the as-of date (KPI catalogue 2).
-- Grain: one row per as-of date, cadence, window, SR position and key HCP.
CREATE OR REPLACE VIEW int_effort__key_hcps AS
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    p.position_id,
    h.hcp_id
FROM int_calendar__report_windows AS w
JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date AND p.role = 'SR'
JOIN stg_crm__hcp_versions AS h
    ON h.territory_code = p.territory_code AND w.as_of_date BETWEEN h.valid_from AND h.valid_to
WHERE h.is_key_hcp
