-- Training adoption of every position's team on the as-of date (KPI catalogue 2 and 6): the
-- people holding the SR positions of its subtree that day (an SR: itself). Counted: the course
-- assignments of the last training_lookback_days up to the as-of date;
--   completion_pct  assignments completed by the as-of date / assignments;
--   pass_pct        each person's latest attempt per course (by the as-of date, over the
--                   counted assignments; a course assigned again counts once, by its latest
--                   attempt) passed / courses with an attempt;
--   mean_score      mean score of those latest attempts;
--   overdue         assignments past their due date and not completed.
-- Grain: one row per as-of date, cadence and position.
CREATE OR REPLACE VIEW mart_training__by_position AS
WITH cadences AS (
    SELECT as_of_date, cadence FROM int_calendar__report_windows WHERE window_order = 1
),
completed AS (
    SELECT a.as_of_date, a.employee_id, a.course_id, a.assigned_on
    FROM stg_lms__completions AS c
    JOIN int_training__lookback_days AS d ON d.dt = c.dt
    JOIN int_training__assignments AS a
        ON a.as_of_date = d.as_of_date AND a.employee_id = c.employee_id AND a.course_id = c.course_id
        AND a.assigned_on = c.assigned_on
    GROUP BY a.as_of_date, a.employee_id, a.course_id, a.assigned_on
),
latest AS (
    -- One row per person and course: the course's latest attempt by the as-of date.
    SELECT as_of_date, employee_id, course_id, score, passed
    FROM (
        SELECT a.as_of_date, a.employee_id, a.course_id, t.score, t.passed,
               row_number() OVER (PARTITION BY a.as_of_date, a.employee_id, a.course_id
                                  ORDER BY t.attempted_at DESC, a.assigned_on DESC, t.attempt_no DESC) AS n
        FROM stg_lms__attempts AS t
        JOIN int_training__lookback_days AS d ON d.dt = t.dt
        JOIN int_training__assignments AS a
            ON a.as_of_date = d.as_of_date AND a.employee_id = t.employee_id AND a.course_id = t.course_id
            AND a.assigned_on = t.assigned_on
    ) AS ranked
    WHERE n = 1
),
assessed AS (
    SELECT as_of_date, employee_id, count(*) AS assessed, count_if(passed) AS passed, sum(score) AS score_total
    FROM latest
    GROUP BY as_of_date, employee_id
),
assignments AS (
    SELECT a.as_of_date, a.employee_id,
           count(*) AS assigned,
           count(c.course_id) AS completed,
           count_if(c.course_id IS NULL AND a.due_on < a.as_of_date) AS overdue
    FROM int_training__assignments AS a
    LEFT JOIN completed AS c
        ON c.as_of_date = a.as_of_date AND c.employee_id = a.employee_id AND c.course_id = a.course_id
        AND c.assigned_on = a.assigned_on
    GROUP BY a.as_of_date, a.employee_id
),
per_person AS (
    SELECT n.as_of_date, n.employee_id, n.assigned, n.completed, n.overdue,
           COALESCE(s.assessed, 0) AS assessed, COALESCE(s.passed, 0) AS passed, s.score_total
    FROM assignments AS n
    LEFT JOIN assessed AS s ON s.as_of_date = n.as_of_date AND s.employee_id = n.employee_id
),
rolled AS (
    SELECT t.as_of_date, t.position_id,
           count(DISTINCT t.employee_id) AS people,
           sum(pp.assigned) AS assigned,
           sum(pp.completed) AS completed,
           sum(pp.overdue) AS overdue,
           sum(pp.assessed) AS assessed,
           sum(pp.passed) AS passed,
           sum(pp.score_total) AS score_total
    FROM int_training__teams AS t
    LEFT JOIN per_person AS pp ON pp.as_of_date = t.as_of_date AND pp.employee_id = t.employee_id
    GROUP BY t.as_of_date, t.position_id
)
SELECT
    cd.as_of_date,
    cd.cadence,
    p.position_id,
    p.role,
    p.parent_position_id,
    COALESCE(r.people, 0) AS people,
    COALESCE(r.assigned, 0) AS assigned,
    COALESCE(r.completed, 0) AS completed,
    COALESCE(r.overdue, 0) AS overdue,
    CASE WHEN r.assigned > 0 THEN round(round(CAST(r.completed AS DOUBLE) / r.assigned * 100, 8), 2) END AS completion_pct,
    COALESCE(r.assessed, 0) AS assessed,
    COALESCE(r.passed, 0) AS passed,
    CASE WHEN r.assessed > 0 THEN round(round(CAST(r.passed AS DOUBLE) / r.assessed * 100, 8), 2) END AS pass_pct,
    CASE WHEN r.assessed > 0 THEN round(round(CAST(r.score_total AS DOUBLE) / r.assessed, 8), 2) END AS mean_score
FROM cadences AS cd
JOIN int_hr__positions_asof AS p ON p.as_of_date = cd.as_of_date
LEFT JOIN rolled AS r ON r.as_of_date = cd.as_of_date AND r.position_id = p.position_id
