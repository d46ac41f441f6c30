-- The days each span (int_calendar__window_days) holds, once however many windows share them:
-- what fact views join their partitions to.
-- Grain: one row per as-of date, cadence, period and day.
CREATE OR REPLACE VIEW int_calendar__span_days AS
SELECT DISTINCT as_of_date, cadence, period, span_start, month_start, day, dt
FROM int_calendar__window_days
