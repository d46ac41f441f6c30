-- The dates a report can be as of, with the periods each falls in: every view that answers "as of
-- a date" starts from here, so a query naming one as-of date reads the rest of the model for that
-- date alone (Athena pushes the filter down to here; the offline engine restricts this view).
-- Grain: one row per as-of date.
CREATE OR REPLACE VIEW int_calendar__as_of_dates AS
SELECT
    cal_date AS as_of_date,
    month_start,
    month_end,
    fortnight_start,
    fortnight_end,
    fiscal_quarter_start,
    fiscal_year_start
FROM int_calendar__dates
