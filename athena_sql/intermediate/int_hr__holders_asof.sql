-- Who holds each position on each as-of date (effective assignments: a leaver holds nothing from
-- the day after their date_of_leaving). A position may have no holder (vacant).
-- Grain: one row per as-of date, position and holder.
CREATE OR REPLACE VIEW int_hr__holders_asof AS
SELECT
    d.as_of_date,
    a.position_id,
    a.employee_id
FROM int_calendar__as_of_dates AS d
JOIN stg_hr__assignments AS a ON d.as_of_date BETWEEN a.valid_from AND a.valid_to
