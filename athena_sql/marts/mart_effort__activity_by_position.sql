-- Field-force activity of every position, per report window (KPI catalogue 2 and 6); a manager's
-- figures add up the SR positions of its subtree on the as-of date (calls and days of whoever
-- held each SR position on each day of the window):
--   doctor_call_avg / chemist_call_avg   doctor (chemist + stockist) calls submitted of field
--                                        working days / field working days (int_effort__sr_days);
--   edetailing_share_pct                 calls with e-detailing / all calls; seconds and slides
--                                        per e-detailing call; key-message share of slides;
--   on_time_dcr_pct                      field days whose calls were all submitted within
--                                        dcr_allowed_days / field days;
--   joint_working_pct                    (ASM to NH) working days in the field with a subordinate /
--                                        the manager's working days; sr_positions_visited_pct: SR
--                                        positions of the subtree held on the as-of date and
--                                        visited in the window / those held on the as-of date.
-- The doctor-list figures of the same windows are in mart_effort__coverage_by_position (one
-- query each rather than one for both: each stays under a second on 10 M primary lines).
-- Grain: one row per as-of date, cadence, window and position.
CREATE OR REPLACE VIEW mart_effort__activity_by_position AS
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
sr AS (
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
        sum(sr.key_message_slides) AS key_message_slides
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
    CASE WHEN r.field_days > 0 THEN round(round(CAST(r.doctor_calls AS DOUBLE) / r.field_days, 8), 2) END AS doctor_call_avg,
    CASE WHEN r.field_days > 0 THEN round(round(CAST(r.chemist_calls AS DOUBLE) / r.field_days, 8), 2) END AS chemist_call_avg,
    COALESCE(r.clm_calls, 0) AS clm_calls,
    CASE WHEN r.all_calls > 0 THEN round(round(CAST(r.clm_calls AS DOUBLE) / r.all_calls * 100, 8), 2) END AS edetailing_share_pct,
    CASE WHEN r.clm_calls > 0 THEN round(round(CAST(r.clm_seconds AS DOUBLE) / r.clm_calls, 8), 1) END AS clm_seconds_per_call,
    CASE WHEN r.clm_calls > 0 THEN round(round(CAST(r.slides_shown AS DOUBLE) / r.clm_calls, 8), 2) END AS slides_per_clm_call,
    CASE WHEN r.slides_shown > 0 THEN round(round(CAST(r.key_message_slides AS DOUBLE) / r.slides_shown * 100, 8), 2) END
        AS key_message_share_pct,
    COALESCE(r.on_time_field_days, 0) AS on_time_field_days,
    CASE WHEN r.field_days > 0 THEN round(round(CAST(r.on_time_field_days AS DOUBLE) / r.field_days * 100, 8), 2) END AS on_time_dcr_pct,
    j.working_days AS manager_working_days,
    j.joint_days,
    CASE WHEN j.working_days > 0 THEN round(round(CAST(j.joint_days AS DOUBLE) / j.working_days * 100, 8), 2) END AS joint_working_pct,
    CASE WHEN p.role IN ('ASM', 'RSM', 'ZSM', 'NH') THEN hs.sr_positions_held END AS sr_positions_held,
    j.sr_positions_visited,
    CASE WHEN hs.sr_positions_held > 0 AND j.working_days IS NOT NULL
        THEN round(round(CAST(j.sr_positions_visited AS DOUBLE) / hs.sr_positions_held * 100, 8), 2)
    END AS sr_positions_visited_pct
FROM int_calendar__report_windows AS w
JOIN int_hr__positions_asof AS p ON p.as_of_date = w.as_of_date
LEFT JOIN rolled AS r
    ON r.as_of_date = w.as_of_date AND r.cadence = w.cadence AND r.window_id = w.window_id AND r.position_id = p.position_id
LEFT JOIN int_effort__joint_working AS j
    ON j.as_of_date = w.as_of_date AND j.cadence = w.cadence AND j.window_id = w.window_id AND j.position_id = p.position_id
LEFT JOIN held_srs AS hs ON hs.as_of_date = w.as_of_date AND hs.position_id = p.position_id
