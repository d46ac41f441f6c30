-- Division of each position: the latest snapshot HR sent (empty for the CMO and BUHs).
CREATE OR REPLACE VIEW stg_hr__position_divisions AS
SELECT
    position_id,
    business_unit_code,
    division_code
FROM hr_position_divisions
WHERE dt = (SELECT max(dt) FROM hr_position_divisions)
