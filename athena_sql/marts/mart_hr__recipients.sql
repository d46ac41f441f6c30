-- Who receives a report on an as-of date: everyone holding a position that day, from the same
-- as-of hierarchy as the figures (effective assignments: a leaver holds nothing after their
-- date_of_leaving, whatever the assignment row says). One row per person and position held.
-- Grain: one row per as-of date, employee and position.
CREATE OR REPLACE VIEW mart_hr__recipients AS
SELECT
    h.as_of_date,
    h.employee_id,
    e.employee_name,
    e.email,
    h.position_id,
    p.role,
    p.position_name,
    p.parent_position_id,
    p.territory_code,
    p.division_code
FROM int_hr__holders_asof AS h
JOIN int_hr__positions_asof AS p ON p.as_of_date = h.as_of_date AND p.position_id = h.position_id
JOIN stg_hr__employees AS e ON e.employee_id = h.employee_id
