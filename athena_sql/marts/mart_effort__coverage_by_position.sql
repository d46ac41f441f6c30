-- Doctor-list effort of every position, per report window (KPI catalogue 2); a manager's figures
-- add up the SR positions of its subtree on the as-of date:
--   coverage_pct                         MCL doctors with >= 1 counted call / MCL doctors;
--   frequency_compliance_pct (_a/_b/_c)  MCL doctors with counted calls >= planned / MCL doctors;
--   call_plan_attainment_pct             sum(min(actual, planned)) / sum(planned);
--   missed_doctors, missed_calls         MCL doctors with no call; sum(max(planned - actual, 0));
--                                        (plan figures: month-aligned windows only, doctor-months
--                                        summed over the months a quarter or year spans);
--   key_hcp_reach_pct                    key HCPs reached on any channel / key HCPs.
-- Calls, field days, DCR and joint working of the same windows are in
-- mart_effort__activity_by_position.
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_effort__coverage_by_position AS
WITH month_plan AS (
    -- Per plan month first (int_effort__plan_days): a quarter or year adds up its doctor-months.
    SELECT
        as_of_date, cadence, month_start, position_id,
        count(*) AS mcl_doctors,
        count_if(actual_calls >= 1) AS covered_doctors,
        count_if(actual_calls >= planned_calls) AS compliant_doctors,
        count_if(hcp_class = 'A') AS mcl_doctors_a,
        count_if(hcp_class = 'A' AND actual_calls >= planned_calls) AS compliant_doctors_a,
        count_if(hcp_class = 'B') AS mcl_doctors_b,
        count_if(hcp_class = 'B' AND actual_calls >= planned_calls) AS compliant_doctors_b,
        count_if(hcp_class = 'C') AS mcl_doctors_c,
        count_if(hcp_class = 'C' AND actual_calls >= planned_calls) AS compliant_doctors_c,
        sum(planned_calls) AS planned_calls,
        sum(least(actual_calls, planned_calls)) AS attained_calls,
        count_if(actual_calls = 0) AS missed_doctors,
        sum(greatest(planned_calls - actual_calls, 0)) AS missed_calls
    FROM int_effort__plan_hcps
    GROUP BY as_of_date, cadence, month_start, position_id
),
sr_plan AS (
    SELECT
        wm.as_of_date, wm.cadence, wm.window_id, m.position_id,
        sum(m.mcl_doctors) AS mcl_doctors,
        sum(m.covered_doctors) AS covered_doctors,
        sum(m.compliant_doctors) AS compliant_doctors,
        sum(m.mcl_doctors_a) AS mcl_doctors_a,
        sum(m.compliant_doctors_a) AS compliant_doctors_a,
        sum(m.mcl_doctors_b) AS mcl_doctors_b,
        sum(m.compliant_doctors_b) AS compliant_doctors_b,
        sum(m.mcl_doctors_c) AS mcl_doctors_c,
        sum(m.compliant_doctors_c) AS compliant_doctors_c,
        sum(m.planned_calls) AS planned_calls,
        sum(m.attained_calls) AS attained_calls,
        sum(m.missed_doctors) AS missed_doctors,
        sum(m.missed_calls) AS missed_calls
    FROM month_plan AS m
    JOIN (SELECT DISTINCT as_of_date, cadence, window_id, month_start FROM int_effort__plan_days) AS wm
        ON wm.as_of_date = m.as_of_date AND wm.cadence = m.cadence AND wm.month_start = m.month_start
    GROUP BY wm.as_of_date, wm.cadence, wm.window_id, m.position_id
),
sr_reach AS (
    SELECT as_of_date, cadence, window_id, position_id, count(*) AS key_hcps, count_if(reached) AS key_hcps_reached
    FROM int_effort__key_hcp_reach
    GROUP BY as_of_date, cadence, window_id, position_id
),
sr AS (
    SELECT
        p.as_of_date, w.cadence, w.window_id, p.position_id,
        pl.mcl_doctors, pl.covered_doctors, pl.compliant_doctors, pl.mcl_doctors_a, pl.compliant_doctors_a,
        pl.mcl_doctors_b, pl.compliant_doctors_b, pl.mcl_doctors_c, pl.compliant_doctors_c, pl.planned_calls,
        pl.attained_calls, pl.missed_doctors, pl.missed_calls,
        r.key_hcps, r.key_hcps_reached
    FROM int_calendar__report_windows AS w
    JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date AND p.role = 'SR'
    LEFT JOIN sr_plan AS pl
        ON pl.as_of_date = w.as_of_date AND pl.cadence = w.cadence AND pl.window_id = w.window_id AND pl.position_id = p.position_id
    LEFT JOIN sr_reach AS r
        ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
),
rolled AS (
    SELECT
        sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id,
        sum(sr.mcl_doctors) AS mcl_doctors,
        sum(sr.covered_doctors) AS covered_doctors,
        sum(sr.compliant_doctors) AS compliant_doctors,
        sum(sr.mcl_doctors_a) AS mcl_doctors_a,
        sum(sr.compliant_doctors_a) AS compliant_doctors_a,
        sum(sr.mcl_doctors_b) AS mcl_doctors_b,
        sum(sr.compliant_doctors_b) AS compliant_doctors_b,
        sum(sr.mcl_doctors_c) AS mcl_doctors_c,
        sum(sr.compliant_doctors_c) AS compliant_doctors_c,
        sum(sr.planned_calls) AS planned_calls,
        sum(sr.attained_calls) AS attained_calls,
        sum(sr.missed_doctors) AS missed_doctors,
        sum(sr.missed_calls) AS missed_calls,
        sum(sr.key_hcps) AS key_hcps,
        sum(sr.key_hcps_reached) AS key_hcps_reached
    FROM sr
    JOIN int_hr__closure_asof AS c ON c.as_of_date = sr.as_of_date AND c.position_id = sr.position_id
    GROUP BY sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id
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
    r.mcl_doctors,
    r.covered_doctors,
    CASE WHEN r.mcl_doctors > 0 THEN round(round(CAST(r.covered_doctors AS DOUBLE) / r.mcl_doctors * 100, 8), 2) END AS coverage_pct,
    CASE WHEN r.mcl_doctors > 0 THEN round(round(CAST(r.compliant_doctors AS DOUBLE) / r.mcl_doctors * 100, 8), 2) END
        AS frequency_compliance_pct,
    CASE WHEN r.mcl_doctors_a > 0 THEN round(round(CAST(r.compliant_doctors_a AS DOUBLE) / r.mcl_doctors_a * 100, 8), 2) END
        AS frequency_compliance_a_pct,
    CASE WHEN r.mcl_doctors_b > 0 THEN round(round(CAST(r.compliant_doctors_b AS DOUBLE) / r.mcl_doctors_b * 100, 8), 2) END
        AS frequency_compliance_b_pct,
    CASE WHEN r.mcl_doctors_c > 0 THEN round(round(CAST(r.compliant_doctors_c AS DOUBLE) / r.mcl_doctors_c * 100, 8), 2) END
        AS frequency_compliance_c_pct,
    r.planned_calls,
    r.attained_calls,
    CASE WHEN r.planned_calls > 0 THEN round(round(CAST(r.attained_calls AS DOUBLE) / r.planned_calls * 100, 8), 2) END
        AS call_plan_attainment_pct,
    r.missed_doctors,
    r.missed_calls,
    r.key_hcps,
    r.key_hcps_reached,
    CASE WHEN r.key_hcps > 0 THEN round(round(CAST(r.key_hcps_reached AS DOUBLE) / r.key_hcps * 100, 8), 2) END AS key_hcp_reach_pct
FROM int_calendar__report_windows AS w
JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date
LEFT JOIN rolled AS r
    ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
