-- Institutional-business targets of each report window's whole months (the months from the
-- window's first day's to its last day's: a day, fortnight or month to date counts its month's
-- whole target, a quarter or year to date its months so far) per SR position: the division's
-- position in the target's territory on the as-of date, held or vacant.
-- Grain: one row per as-of date, cadence, window and SR position with a target.
CREATE OR REPLACE VIEW int_pipeline__targets_window AS
SELECT
    w.as_of_date,
    w.cadence,
    w.window_id,
    s.position_id AS sr_position_id,
    sum(t.target_value) AS target_value
FROM int_calendar__report_windows AS w
JOIN stg_erp__institution_targets AS t
    ON t.target_month BETWEEN CAST(date_trunc('month', w.start_date) AS DATE) AND CAST(date_trunc('month', w.end_date) AS DATE)
JOIN int_hr__sr_owners_asof AS s
    ON s.as_of_date = w.as_of_date AND s.territory_code = t.territory_code AND s.division_code = t.division_code
GROUP BY w.as_of_date, w.cadence, w.window_id, s.position_id
