-- Vacancies of every position's subtree, per report window (KPI catalogue 3 and 6): over the SR
-- positions of the subtree on the as-of date, on each day of the window each existed,
--   vacancy_pct               vacant position-days / position-days;
--   avg_days_vacant           vacant position-days / SR positions vacant at least one day;
--   vacant_sr_positions       SR positions without a holder on the as-of date;
--   net_value_vacant          net primary dated on days its SR position was vacant (sales in
--                             vacant territories);
--   vacancies_filled          vacancies that ended in the window (a holder started), and how
--                             many of them lasted at most vacancy_filled_within_days;
--   is_vacant                 the position itself has no holder on the as-of date.
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_hierarchy__vacancy_by_position AS
WITH sr_days AS (
    SELECT as_of_date, cadence, window_id, position_id,
           count(*) AS position_days,
           count_if(holders = 0) AS vacant_days
    FROM int_hr__sr_position_days
    GROUP BY as_of_date, cadence, window_id, position_id
),
vacant_sales AS (
    SELECT s.as_of_date, s.cadence, s.window_id, o.position_id, sum(s.net_value) AS net_value
    FROM int_primary__window_territory_days AS s
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = s.as_of_date AND o.territory_code = s.territory_code AND o.division_code = s.division_code
    JOIN int_hr__sr_position_days AS d
        ON d.as_of_date = s.as_of_date AND d.cadence = s.cadence AND d.window_id = s.window_id
        AND d.day = s.day AND d.position_id = o.position_id
    WHERE d.holders = 0
    GROUP BY s.as_of_date, s.cadence, s.window_id, o.position_id
),
spells AS (
    -- A vacancy ends when a holder starts after every earlier holder's last day (+1 day gap).
    SELECT position_id, valid_from AS filled_on,
           date_diff('day', date_add('day', 1, previous_end), valid_from) AS days_vacant
    FROM (
        SELECT position_id, valid_from,
               max(valid_to) OVER (PARTITION BY position_id ORDER BY valid_from, employee_id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
        FROM stg_hr__assignments
    ) AS a
    WHERE previous_end IS NOT NULL AND valid_from > date_add('day', 1, previous_end)
),
filled AS (
    SELECT w.as_of_date, w.cadence, w.window_id, s.position_id,
           count(*) AS vacancies_filled,
           count_if(s.days_vacant <= prm.vacancy_filled_within_days) AS vacancies_filled_within_month
    FROM int_calendar__report_windows AS w
    CROSS JOIN stg_ref__parameters AS prm
    JOIN spells AS s ON s.filled_on BETWEEN w.start_date AND w.end_date
    GROUP BY w.as_of_date, w.cadence, w.window_id, s.position_id
),
sr AS (
    SELECT d.as_of_date, d.cadence, d.window_id, d.position_id, d.position_days, d.vacant_days,
           v.net_value AS net_value_vacant,
           f.vacancies_filled, f.vacancies_filled_within_month,
           CASE WHEN h.position_id IS NULL THEN 1 ELSE 0 END AS vacant_on_date
    FROM sr_days AS d
    LEFT JOIN vacant_sales AS v
        ON v.as_of_date = d.as_of_date AND v.cadence = d.cadence AND v.window_id = d.window_id AND v.position_id = d.position_id
    LEFT JOIN filled AS f
        ON f.as_of_date = d.as_of_date AND f.cadence = d.cadence AND f.window_id = d.window_id AND f.position_id = d.position_id
    LEFT JOIN (SELECT DISTINCT as_of_date, position_id FROM int_hr__holders_asof) AS h
        ON h.as_of_date = d.as_of_date AND h.position_id = d.position_id
),
rolled AS (
    SELECT sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id,
           count(*) AS sr_positions,
           sum(sr.position_days) AS position_days,
           sum(sr.vacant_days) AS vacant_days,
           count_if(sr.vacant_days > 0) AS sr_positions_with_vacancy,
           sum(sr.vacant_on_date) AS vacant_sr_positions,
           sum(sr.net_value_vacant) AS net_value_vacant,
           sum(sr.vacancies_filled) AS vacancies_filled,
           sum(sr.vacancies_filled_within_month) AS vacancies_filled_within_month
    FROM sr
    JOIN int_hr__closure_asof AS c ON c.as_of_date = sr.as_of_date AND c.position_id = sr.position_id
    GROUP BY sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id
),
holders AS (
    SELECT as_of_date, position_id, min(employee_id) AS holder_employee_id, count(*) AS holders
    FROM int_hr__holders_asof
    GROUP BY as_of_date, position_id
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.window_order,
    w.start_date,
    w.end_date,
    p.position_id,
    p.role,
    p.parent_position_id,
    COALESCE(ho.holders, 0) = 0 AS is_vacant,
    ho.holder_employee_id,
    COALESCE(r.sr_positions, 0) AS sr_positions,
    COALESCE(r.position_days, 0) AS position_days,
    COALESCE(r.vacant_days, 0) AS vacant_position_days,
    CASE WHEN r.position_days > 0 THEN round(round(CAST(r.vacant_days AS DOUBLE) / r.position_days * 100, 8), 2) END AS vacancy_pct,
    CASE WHEN r.sr_positions_with_vacancy > 0
        THEN round(round(CAST(r.vacant_days AS DOUBLE) / r.sr_positions_with_vacancy, 8), 1)
    END AS avg_days_vacant,
    COALESCE(r.vacant_sr_positions, 0) AS vacant_sr_positions,
    COALESCE(r.net_value_vacant, CAST(0 AS DECIMAL(18, 2))) AS net_value_vacant,
    COALESCE(r.vacancies_filled, 0) AS vacancies_filled,
    COALESCE(r.vacancies_filled_within_month, 0) AS vacancies_filled_within_month
FROM int_calendar__report_windows AS w
JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date
LEFT JOIN rolled AS r
    ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
LEFT JOIN holders AS ho ON ho.as_of_date = w.as_of_date AND ho.position_id = p.position_id
