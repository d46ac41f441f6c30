-- Field-force effort of every position, per report window (KPI catalogue 2 and 6); a manager's
-- figures add up the SR positions of its subtree on the as-of date (calls and days of whoever
-- held each SR position on each day of the window):
--   doctor_call_avg / chemist_call_avg   doctor (chemist + stockist) calls / field working days;
--   edetailing_share_pct                 calls with e-detailing / all calls; seconds and slides
--                                        per e-detailing call; key-message share of slides;
--   on_time_dcr_pct                      field days whose calls were all submitted within
--                                        dcr_allowed_days / field days;
--   coverage_pct                         MCL doctors with >= 1 counted call / MCL doctors;
--   frequency_compliance_pct (_a/_b/_c)  MCL doctors with counted calls >= planned / MCL doctors;
--   call_plan_attainment_pct             sum(min(actual, planned)) / sum(planned);
--   missed_doctors, missed_calls         MCL doctors with no call; sum(max(planned - actual, 0));
--                                        (plan figures: month-aligned windows only, doctor-months
--                                        summed over the months a quarter or year spans);
--   key_hcp_reach_pct                    key HCPs reached on any channel / key HCPs;
--   joint_working_pct                    (ASM to NH) days in the field with a subordinate / the
--                                        manager's working days; sr_positions_visited_pct: SR
--                                        positions of the subtree held on the as-of date and
--                                        visited in the window / those held on the as-of date.
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_effort__by_position AS
WITH span_effort AS (
    -- Per span first (int_calendar__window_days): days and calls add up across spans.
    SELECT
        as_of_date, cadence, span_start, position_id,
        count_if(is_field_day) AS field_days,
        count_if(is_field_day AND submitted_on_time) AS on_time_field_days,
        sum(all_calls) AS all_calls,
        sum(doctor_calls) AS doctor_calls,
        sum(chemist_calls) AS chemist_calls,
        sum(clm_calls) AS clm_calls,
        sum(clm_seconds) AS clm_seconds,
        sum(slides_shown) AS slides_shown,
        sum(key_message_slides) AS key_message_slides
    FROM int_effort__sr_days
    GROUP BY as_of_date, cadence, span_start, position_id
),
sr_effort AS (
    SELECT
        ws.as_of_date, ws.cadence, ws.window_id, e.position_id,
        sum(e.field_days) AS field_days,
        sum(e.on_time_field_days) AS on_time_field_days,
        sum(e.all_calls) AS all_calls,
        sum(e.doctor_calls) AS doctor_calls,
        sum(e.chemist_calls) AS chemist_calls,
        sum(e.clm_calls) AS clm_calls,
        sum(e.clm_seconds) AS clm_seconds,
        sum(e.slides_shown) AS slides_shown,
        sum(e.key_message_slides) AS key_message_slides
    FROM span_effort AS e
    JOIN int_calendar__window_spans AS ws
        ON ws.as_of_date = e.as_of_date AND ws.cadence = e.cadence AND ws.span_start = e.span_start AND ws.period = 'TY'
    GROUP BY ws.as_of_date, ws.cadence, ws.window_id, e.position_id
),
month_plan AS (
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
        e.field_days, e.on_time_field_days, e.all_calls, e.doctor_calls, e.chemist_calls, e.clm_calls, e.clm_seconds,
        e.slides_shown, e.key_message_slides,
        pl.mcl_doctors, pl.covered_doctors, pl.compliant_doctors, pl.mcl_doctors_a, pl.compliant_doctors_a,
        pl.mcl_doctors_b, pl.compliant_doctors_b, pl.mcl_doctors_c, pl.compliant_doctors_c, pl.planned_calls,
        pl.attained_calls, pl.missed_doctors, pl.missed_calls,
        r.key_hcps, r.key_hcps_reached
    FROM int_calendar__report_windows AS w
    JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date AND p.role = 'SR'
    LEFT JOIN sr_effort AS e
        ON e.as_of_date = w.as_of_date AND e.cadence = w.cadence AND e.window_id = w.window_id AND e.position_id = p.position_id
    LEFT JOIN sr_plan AS pl
        ON pl.as_of_date = w.as_of_date AND pl.cadence = w.cadence AND pl.window_id = w.window_id AND pl.position_id = p.position_id
    LEFT JOIN sr_reach AS r
        ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
),
rolled AS (
    SELECT
        sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id,
        sum(sr.field_days) AS field_days,
        sum(sr.on_time_field_days) AS on_time_field_days,
        sum(sr.all_calls) AS all_calls,
        sum(sr.doctor_calls) AS doctor_calls,
        sum(sr.chemist_calls) AS chemist_calls,
        sum(sr.clm_calls) AS clm_calls,
        sum(sr.clm_seconds) AS clm_seconds,
        sum(sr.slides_shown) AS slides_shown,
        sum(sr.key_message_slides) AS key_message_slides,
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
),
held_srs AS (
    SELECT c.as_of_date, c.ancestor_position_id AS position_id, count(DISTINCT c.position_id) AS sr_positions_held
    FROM int_hr__closure_asof AS c
    JOIN int_hr__positions_asof AS p ON p.as_of_date = c.as_of_date AND p.position_id = c.position_id AND p.role = 'SR'
    JOIN int_hr__holders_asof AS h ON h.as_of_date = c.as_of_date AND h.position_id = c.position_id
    WHERE c.depth > 0
    GROUP BY c.as_of_date, c.ancestor_position_id
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
    COALESCE(r.field_days, 0) AS field_days,
    COALESCE(r.all_calls, 0) AS all_calls,
    COALESCE(r.doctor_calls, 0) AS doctor_calls,
    COALESCE(r.chemist_calls, 0) AS chemist_calls,
    CASE WHEN r.field_days > 0 THEN round(CAST(r.doctor_calls AS DOUBLE) / r.field_days, 2) END AS doctor_call_avg,
    CASE WHEN r.field_days > 0 THEN round(CAST(r.chemist_calls AS DOUBLE) / r.field_days, 2) END AS chemist_call_avg,
    COALESCE(r.clm_calls, 0) AS clm_calls,
    CASE WHEN r.all_calls > 0 THEN round(CAST(r.clm_calls AS DOUBLE) / r.all_calls * 100, 2) END AS edetailing_share_pct,
    CASE WHEN r.clm_calls > 0 THEN round(CAST(r.clm_seconds AS DOUBLE) / r.clm_calls, 1) END AS clm_seconds_per_call,
    CASE WHEN r.clm_calls > 0 THEN round(CAST(r.slides_shown AS DOUBLE) / r.clm_calls, 2) END AS slides_per_clm_call,
    CASE WHEN r.slides_shown > 0 THEN round(CAST(r.key_message_slides AS DOUBLE) / r.slides_shown * 100, 2) END
        AS key_message_share_pct,
    COALESCE(r.on_time_field_days, 0) AS on_time_field_days,
    CASE WHEN r.field_days > 0 THEN round(CAST(r.on_time_field_days AS DOUBLE) / r.field_days * 100, 2) END AS on_time_dcr_pct,
    r.mcl_doctors,
    r.covered_doctors,
    CASE WHEN r.mcl_doctors > 0 THEN round(CAST(r.covered_doctors AS DOUBLE) / r.mcl_doctors * 100, 2) END AS coverage_pct,
    CASE WHEN r.mcl_doctors > 0 THEN round(CAST(r.compliant_doctors AS DOUBLE) / r.mcl_doctors * 100, 2) END
        AS frequency_compliance_pct,
    CASE WHEN r.mcl_doctors_a > 0 THEN round(CAST(r.compliant_doctors_a AS DOUBLE) / r.mcl_doctors_a * 100, 2) END
        AS frequency_compliance_a_pct,
    CASE WHEN r.mcl_doctors_b > 0 THEN round(CAST(r.compliant_doctors_b AS DOUBLE) / r.mcl_doctors_b * 100, 2) END
        AS frequency_compliance_b_pct,
    CASE WHEN r.mcl_doctors_c > 0 THEN round(CAST(r.compliant_doctors_c AS DOUBLE) / r.mcl_doctors_c * 100, 2) END
        AS frequency_compliance_c_pct,
    r.planned_calls,
    r.attained_calls,
    CASE WHEN r.planned_calls > 0 THEN round(CAST(r.attained_calls AS DOUBLE) / r.planned_calls * 100, 2) END
        AS call_plan_attainment_pct,
    r.missed_doctors,
    r.missed_calls,
    r.key_hcps,
    r.key_hcps_reached,
    CASE WHEN r.key_hcps > 0 THEN round(CAST(r.key_hcps_reached AS DOUBLE) / r.key_hcps * 100, 2) END AS key_hcp_reach_pct,
    j.working_days AS manager_working_days,
    j.joint_days,
    CASE WHEN j.working_days > 0 THEN round(CAST(j.joint_days AS DOUBLE) / j.working_days * 100, 2) END AS joint_working_pct,
    CASE WHEN p.role IN ('ASM', 'RSM', 'ZSM', 'NH') THEN hs.sr_positions_held END AS sr_positions_held,
    j.sr_positions_visited,
    CASE WHEN hs.sr_positions_held > 0 AND j.working_days IS NOT NULL
        THEN round(CAST(j.sr_positions_visited AS DOUBLE) / hs.sr_positions_held * 100, 2)
    END AS sr_positions_visited_pct
FROM int_calendar__report_windows AS w
JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date
LEFT JOIN rolled AS r
    ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
LEFT JOIN int_effort__joint_working AS j
    ON j.as_of_date = w.as_of_date AND j.cadence = w.cadence AND j.window_id = w.window_id AND j.position_id = p.position_id
LEFT JOIN held_srs AS hs ON hs.as_of_date = w.as_of_date AND hs.position_id = p.position_id
