-- The spans (int_calendar__window_days) each report window adds up, per period.
-- Grain: one row per as-of date, cadence, window, period and span.
CREATE OR REPLACE VIEW int_calendar__window_spans AS
SELECT DISTINCT as_of_date, cadence, window_id, period, span_start
FROM int_calendar__window_days
