-- Net primary of each report window's days (TY) per day, territory and division, for what is
-- measured on the days someone held (or nobody held) a territory: a rep's own attainment and
-- the sales of vacant territories.
-- Grain: one row per as-of date, cadence, window, day, territory and division.
CREATE OR REPLACE VIEW int_primary__window_territory_days AS
SELECT
    wd.as_of_date,
    wd.cadence,
    wd.window_id,
    wd.day,
    t.territory_code,
    t.division_code,
    sum(t.net_value) AS net_value
FROM int_primary__territory_days AS t
JOIN int_calendar__window_days AS wd
    ON wd.as_of_date = t.as_of_date AND wd.cadence = t.cadence AND wd.period = t.period AND wd.day = t.day
WHERE t.period = 'TY' AND t.territory_code IS NOT NULL AND t.division_code IS NOT NULL
GROUP BY wd.as_of_date, wd.cadence, wd.window_id, wd.day, t.territory_code, t.division_code
