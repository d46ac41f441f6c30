-- Sales positions: the latest snapshot HR sent.
CREATE OR REPLACE VIEW stg_hr__positions AS
SELECT
    position_id,
    role,
    parent_position_id,
    territory_code,
    position_name
FROM hr_positions
WHERE dt = (SELECT max(dt) FROM hr_positions)
