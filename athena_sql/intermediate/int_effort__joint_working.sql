-- Joint working of managers (ASM to NH) in a window: the working days the holder of a manager
-- position was in the field with a subordinate (named as joint on a call of someone holding an SR position
-- of the manager's subtree that day), against the manager's working days (working days of the
-- position's country on which they held it), and how many SR positions they visited of those
-- held on the as-of date (the team of the report date, as for training: a visit to a position
-- vacant by then does not make up for a held one never visited).
-- Grain: one row per as-of date, cadence, window and manager position held in the window.
CREATE OR REPLACE VIEW int_effort__joint_working AS
WITH managers AS (
    SELECT h.as_of_date, h.cadence, h.window_id, h.day, h.position_id, h.employee_id
    FROM int_hr__holder_days AS h
    JOIN int_hr__positions_asof AS p ON p.as_of_date = h.as_of_date AND p.position_id = h.position_id
    WHERE p.role IN ('ASM', 'RSM', 'ZSM', 'NH')
),
joint_calls AS (
    SELECT DISTINCT s.as_of_date, s.cadence, s.window_id, s.day, s.position_id AS sr_position_id, c.joint_employee_id
    FROM stg_crm__calls AS c
    JOIN int_hr__holder_days AS s ON s.dt = c.dt AND s.employee_id = c.employee_id
    WHERE s.role = 'SR' AND c.joint_employee_id IS NOT NULL
),
held_on_date AS (
    SELECT DISTINCT as_of_date, position_id FROM int_hr__holders_asof
),
days AS (
    -- Each day a manager held the position, whether it was a working day of the position's
    -- country, and the SR positions of the subtree visited that day (none: one row, nulls).
    SELECT m.as_of_date, m.cadence, m.window_id, m.position_id, m.day, cal.is_working_day,
           c.position_id AS visited_sr_position_id, hd.position_id AS visited_held_position_id
    FROM managers AS m
    JOIN int_hr__position_countries_asof AS pc ON pc.as_of_date = m.as_of_date AND pc.position_id = m.position_id
    JOIN stg_ref__calendar AS cal ON cal.country = pc.country AND cal.cal_date = m.day
    LEFT JOIN joint_calls AS j
        ON j.as_of_date = m.as_of_date AND j.cadence = m.cadence AND j.window_id = m.window_id
        AND j.day = m.day AND j.joint_employee_id = m.employee_id
    LEFT JOIN int_hr__closure_asof AS c
        ON c.as_of_date = m.as_of_date AND c.ancestor_position_id = m.position_id AND c.position_id = j.sr_position_id
    LEFT JOIN held_on_date AS hd ON hd.as_of_date = m.as_of_date AND hd.position_id = c.position_id
)
SELECT
    as_of_date,
    cadence,
    window_id,
    position_id,
    count(DISTINCT CASE WHEN is_working_day THEN day END) AS working_days,
    -- a joint call on a weekly off or holiday is a visit, not a day of the ratio (it would pass 100 %)
    count(DISTINCT CASE WHEN is_working_day AND visited_sr_position_id IS NOT NULL THEN day END) AS joint_days,
    count(DISTINCT visited_held_position_id) AS sr_positions_visited
FROM days
GROUP BY as_of_date, cadence, window_id, position_id
HAVING count(DISTINCT CASE WHEN is_working_day THEN day END) > 0
