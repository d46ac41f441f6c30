-- E-detailing per brand of every position, per report window (KPI catalogue 2, SR x brand):
-- calls in which the brand was detailed (by the holders of the SR positions of the subtree, on
-- the days they held them), seconds and slides per such call, key-message share of its slides.
-- Grain: one row per as-of date, cadence, window, position and brand detailed.
CREATE OR REPLACE VIEW mart_effort__detailing_by_brand AS
WITH span_sr AS (
    -- Per span first (a call is on one day, so its distinct count adds up across spans).
    SELECT h.as_of_date, h.cadence, h.span_start, h.position_id, d.brand_code,
           count(DISTINCT d.call_id) AS detailed_calls, sum(d.seconds) AS seconds, sum(d.slides_shown) AS slides_shown,
           sum(d.key_message_slides) AS key_message_slides
    FROM stg_clm__detailing AS d
    JOIN int_hr__span_holder_days AS h ON h.dt = d.dt AND h.employee_id = d.employee_id
    WHERE h.role = 'SR'
    GROUP BY h.as_of_date, h.cadence, h.span_start, h.position_id, d.brand_code
),
sr AS (
    SELECT ws.as_of_date, ws.cadence, ws.window_id, s.position_id, s.brand_code,
           sum(s.detailed_calls) AS detailed_calls, sum(s.seconds) AS seconds, sum(s.slides_shown) AS slides_shown,
           sum(s.key_message_slides) AS key_message_slides
    FROM span_sr AS s
    JOIN int_calendar__window_spans AS ws
        ON ws.as_of_date = s.as_of_date AND ws.cadence = s.cadence AND ws.span_start = s.span_start AND ws.period = 'TY'
    GROUP BY ws.as_of_date, ws.cadence, ws.window_id, s.position_id, s.brand_code
),
rolled AS (
    SELECT sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id AS position_id, sr.brand_code,
           sum(sr.detailed_calls) AS detailed_calls, sum(sr.seconds) AS seconds, sum(sr.slides_shown) AS slides_shown,
           sum(sr.key_message_slides) AS key_message_slides
    FROM sr
    JOIN int_hr__closure_asof AS c ON c.as_of_date = sr.as_of_date AND c.position_id = sr.position_id
    GROUP BY sr.as_of_date, sr.cadence, sr.window_id, c.ancestor_position_id, sr.brand_code
)
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    w.window_order,
    w.start_date,
    w.end_date,
    r.position_id,
    r.brand_code,
    r.detailed_calls,
    round(round(CAST(r.seconds AS DOUBLE) / r.detailed_calls, 8), 1) AS seconds_per_call,
    round(round(CAST(r.slides_shown AS DOUBLE) / r.detailed_calls, 8), 2) AS slides_per_call,
    CASE WHEN r.slides_shown > 0 THEN round(round(CAST(r.key_message_slides AS DOUBLE) / r.slides_shown * 100, 8), 2) END
        AS key_message_share_pct
FROM rolled AS r
JOIN int_calendar__report_windows AS w
    ON w.as_of_date = r.as_of_date AND w.cadence = r.cadence AND w.window_id = r.window_id
