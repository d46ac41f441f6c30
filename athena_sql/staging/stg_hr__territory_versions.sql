-- The territory tree with its effective dates as HR sends them (labels: area, region, zone, country).
-- Grain: one row per territory and version.
CREATE OR REPLACE VIEW stg_hr__territory_versions AS
SELECT
    territory_code,
    territory_name,
    area_code,
    area_name,
    region_code,
    region_name,
    zone_code,
    zone_name,
    country,
    valid_from,
    valid_to
FROM cur_hr__territory_versions
