-- Target vs actual of every position, per report window (KPI catalogue 1 and 6):
--   target_value / target_units   the window's target: each month's target x its working days in
--                                 the window / its working days (territory's country);
--   achievement_value_pct         net primary / target value x 100; achievement_units_pct: net
--                                 units (billed - returned) / target units x 100;
--   month_target_value            the whole target of the as-of date's month (MTD windows), the
--                                 same targets as target_value (int_targets__window): each counts once;
--   balance_to_go_value           that month's target - net month to date (the MTD window of a
--                                 daily or fortnightly report only; null for a closed window);
--   working_days_left             working days after the as-of date to the month's end, in the
--                                 position's country (int_hr__position_countries_asof);
--   required_run_rate_value       balance to go / working days left;
--   is_vacant                     nobody holds the position on the as-of date;
--   rank_in_parent                rank by achievement among the positions with the same parent,
--                                 vacant positions (and those without a target) left out.
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_targets__achievement_by_position AS
WITH sr_targets AS (
    SELECT t.as_of_date, t.cadence, t.window_id, o.position_id AS sr_position_id,
           sum(t.target_value) AS target_value, sum(t.target_units) AS target_units,
           sum(t.month_target_value) AS month_target_value
    FROM int_targets__window AS t
    JOIN int_hr__sr_owners_asof AS o
        ON o.as_of_date = t.as_of_date AND o.territory_code = t.territory_code AND o.division_code = t.division_code
    GROUP BY t.as_of_date, t.cadence, t.window_id, o.position_id
),
targets AS (
    SELECT t.as_of_date, t.cadence, t.window_id, c.ancestor_position_id AS position_id,
           sum(t.target_value) AS target_value, sum(t.target_units) AS target_units,
           sum(t.month_target_value) AS month_target_value
    FROM sr_targets AS t
    JOIN int_hr__closure_asof AS c ON c.as_of_date = t.as_of_date AND c.position_id = t.sr_position_id
    GROUP BY t.as_of_date, t.cadence, t.window_id, c.ancestor_position_id
),
days_left AS (
    SELECT pc.as_of_date, pc.position_id, count_if(cal.is_working_day) AS working_days_left
    FROM int_hr__position_countries_asof AS pc
    JOIN int_calendar__dates AS d ON d.cal_date = pc.as_of_date
    JOIN stg_ref__calendar AS cal
        ON cal.country = pc.country AND cal.cal_date > pc.as_of_date AND cal.cal_date <= d.month_end
    GROUP BY pc.as_of_date, pc.position_id
),
holders AS (
    SELECT as_of_date, position_id, count(*) AS holders
    FROM int_hr__holders_asof
    GROUP BY as_of_date, position_id
),
scored AS (
    SELECT
        a.as_of_date, a.cadence, a.window_id, a.window_order, a.start_date, a.end_date,
        a.position_id, a.role, a.position_name, a.parent_position_id,
        a.net_value, a.billed_units, a.billed_units - a.return_units AS net_units, a.net_value_ly, a.growth_pct,
        t.target_value, t.target_units,
        CASE WHEN t.target_value > 0 THEN round(round(CAST(a.net_value AS DOUBLE) / t.target_value * 100, 8), 2) END
            AS achievement_value_pct,
        CASE WHEN t.target_units > 0 THEN round(round(CAST(a.billed_units - a.return_units AS DOUBLE) / t.target_units * 100, 8), 2) END
            AS achievement_units_pct,
        CASE WHEN a.window_id = 'mtd' THEN t.month_target_value END AS month_target_value,
        CASE WHEN a.window_id = 'mtd' AND NOT w.is_closed THEN t.month_target_value - a.net_value END
            AS balance_to_go_value,
        dl.working_days_left,
        COALESCE(h.holders, 0) = 0 AS is_vacant
    FROM mart_sales__primary_by_position AS a
    JOIN int_calendar__report_windows AS w
        ON w.as_of_date = a.as_of_date AND w.cadence = a.cadence AND w.window_id = a.window_id
    LEFT JOIN targets AS t
        ON t.as_of_date = a.as_of_date AND t.cadence = a.cadence AND t.window_id = a.window_id
        AND t.position_id = a.position_id
    LEFT JOIN days_left AS dl ON dl.as_of_date = a.as_of_date AND dl.position_id = a.position_id
    LEFT JOIN holders AS h ON h.as_of_date = a.as_of_date AND h.position_id = a.position_id
)
SELECT
    as_of_date,
    cadence,
    window_id,
    window_order,
    start_date,
    end_date,
    position_id,
    role,
    position_name,
    parent_position_id,
    net_value,
    billed_units,
    net_units,
    net_value_ly,
    growth_pct,
    round(round(target_value, 8), 2) AS target_value,
    round(round(target_units, 8), 2) AS target_units,
    achievement_value_pct,
    achievement_units_pct,
    month_target_value,
    balance_to_go_value,
    CASE WHEN balance_to_go_value IS NOT NULL THEN working_days_left END AS working_days_left,
    CASE WHEN balance_to_go_value IS NOT NULL AND working_days_left > 0
        THEN round(round(CAST(balance_to_go_value AS DOUBLE) / working_days_left, 8), 2)
    END AS required_run_rate_value,
    is_vacant,
    CASE WHEN NOT is_vacant AND achievement_value_pct IS NOT NULL
        THEN rank() OVER (
            PARTITION BY as_of_date, cadence, window_id, parent_position_id,
                         (NOT is_vacant AND achievement_value_pct IS NOT NULL)
            ORDER BY achievement_value_pct DESC)
    END AS rank_in_parent
FROM scored
