-- The position tree, versioned: role, parent, territory, division and name of every position over time.
-- Grain: one row per position and version.
CREATE OR REPLACE VIEW stg_hr__position_versions AS
SELECT
    position_id,
    role,
    parent_position_id,
    territory_code,
    division_code,
    business_unit_code,
    position_name,
    valid_from,
    valid_to,
    is_current
FROM cur_hr__position_versions
