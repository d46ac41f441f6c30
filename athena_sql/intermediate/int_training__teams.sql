-- The team whose training a position's report shows: the people holding the SR positions of its
-- subtree on the as-of date (an SR position: its own holder; KPI catalogue 6).
-- Grain: one row per as-of date, position and team member.
CREATE OR REPLACE VIEW int_training__teams AS
SELECT DISTINCT
    c.as_of_date,
    c.ancestor_position_id AS position_id,
    h.employee_id
FROM int_hr__closure_asof AS c
JOIN int_hr__positions_asof AS p ON p.as_of_date = c.as_of_date AND p.position_id = c.position_id AND p.role = 'SR'
JOIN int_hr__holders_asof AS h ON h.as_of_date = c.as_of_date AND h.position_id = c.position_id
