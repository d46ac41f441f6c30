-- The SR position that owns a territory's sales of a division on an as-of date: sales and targets
-- belong to the territory (the position), held or vacant (KPI catalogue 3).
-- Grain: one row per as-of date, territory and division.
CREATE OR REPLACE VIEW int_hr__sr_owners_asof AS
SELECT
    as_of_date,
    territory_code,
    division_code,
    position_id
FROM int_hr__positions_asof
WHERE role = 'SR' AND territory_code IS NOT NULL AND division_code IS NOT NULL
