-- The position tree as it stood on each as-of date: "as was", from the versioned positions.
-- Grain: one row per as-of date and position.
CREATE OR REPLACE VIEW int_hr__positions_asof AS
SELECT
    d.as_of_date,
    v.position_id,
    v.role,
    v.parent_position_id,
    v.territory_code,
    v.division_code,
    v.business_unit_code,
    v.position_name
FROM int_calendar__as_of_dates AS d
JOIN stg_hr__position_versions AS v ON d.as_of_date BETWEEN v.valid_from AND v.valid_to
