-- Who holds which position when (SCD type 2).
-- Grain: one row per employee, position and valid_from.
CREATE OR REPLACE VIEW stg_hr__assignments AS
SELECT
    employee_id,
    position_id,
    valid_from,
    valid_to,
    recorded_valid_to,
    ended_by,
    is_current
FROM cur_hr__assignments
