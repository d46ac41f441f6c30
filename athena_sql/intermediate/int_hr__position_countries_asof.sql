-- The country whose working days a position's run-rate counts: its SR territories' country, or
-- the config's main country where its territories lie in several.
-- Grain: one row per as-of date and position with SR positions below it.
CREATE OR REPLACE VIEW int_hr__position_countries_asof AS
WITH sr AS (
    SELECT p.as_of_date, p.position_id, t.country
    FROM int_hr__positions_asof AS p
    JOIN stg_hr__territory_versions AS t
        ON t.territory_code = p.territory_code AND p.as_of_date BETWEEN t.valid_from AND t.valid_to
    WHERE p.role = 'SR'
)
SELECT
    c.as_of_date,
    c.ancestor_position_id AS position_id,
    CASE WHEN count(DISTINCT sr.country) = 1 THEN min(sr.country) ELSE max(prm.main_country) END AS country
FROM int_hr__closure_asof AS c
JOIN sr ON sr.as_of_date = c.as_of_date AND sr.position_id = c.position_id
CROSS JOIN stg_ref__parameters AS prm
GROUP BY c.as_of_date, c.ancestor_position_id
