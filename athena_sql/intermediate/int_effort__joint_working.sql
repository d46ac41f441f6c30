-- Joint working of managers (ASM to NH) in a window: the days the holder of a manager position
-- was in the field with a subordinate (named as joint on a call of someone holding an SR position
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
working AS (
    SELECT m.as_of_date, m.cadence, m.window_id, m.position_id, count(DISTINCT m.day) AS working_days
    FROM managers AS m
    JOIN int_hr__position_countries_asof AS pc ON pc.as_of_date = m.as_of_date AND pc.position_id = m.position_id
    JOIN stg_ref__calendar AS cal ON cal.country = pc.country AND cal.cal_date = m.day
    WHERE cal.is_working_day
    GROUP BY m.as_of_date, m.cadence, m.window_id, m.position_id
),
joint_calls AS (
    SELECT DISTINCT s.as_of_date, s.cadence, s.window_id, s.day, s.position_id AS sr_position_id, c.joint_employee_id
    FROM int_hr__holder_days AS s
    JOIN stg_crm__calls AS c ON c.dt = s.dt AND c.employee_id = s.employee_id
    WHERE s.role = 'SR' AND c.joint_employee_id IS NOT NULL
),
held_on_date AS (
    SELECT DISTINCT as_of_date, position_id FROM int_hr__holders_asof
),
visits AS (
    SELECT m.as_of_date, m.cadence, m.window_id, m.position_id,
           count(DISTINCT m.day) AS joint_days,
           count(DISTINCT CASE WHEN hd.position_id IS NOT NULL THEN j.sr_position_id END) AS sr_positions_visited
    FROM managers AS m
    JOIN joint_calls AS j
        ON j.as_of_date = m.as_of_date AND j.cadence = m.cadence AND j.window_id = m.window_id
        AND j.day = m.day AND j.joint_employee_id = m.employee_id
    JOIN int_hr__closure_asof AS c
        ON c.as_of_date = m.as_of_date AND c.ancestor_position_id = m.position_id AND c.position_id = j.sr_position_id
    LEFT JOIN held_on_date AS hd ON hd.as_of_date = m.as_of_date AND hd.position_id = j.sr_position_id
    GROUP BY m.as_of_date, m.cadence, m.window_id, m.position_id
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.position_id,
    w.working_days,
    COALESCE(v.joint_days, 0) AS joint_days,
    COALESCE(v.sr_positions_visited, 0) AS sr_positions_visited
FROM working AS w
LEFT JOIN visits AS v
    ON v.as_of_date = w.as_of_date AND v.cadence = w.cadence AND v.window_id = w.window_id AND v.position_id = w.position_id
